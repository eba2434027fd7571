"""Versions of a destination's document after a trial (consult/documents): renamed, re-dated
and removed (with undo); anchors matched against every earlier version; a lenient section
picker; the quoted sentence checked; originals for the secretariat only; uploads read by
content; the landing form without JavaScript."""

import io
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlmodel import select

from consult.db import get_session
from consult.documents import operations as ops
from consult.documents.models import DocumentSection, DocumentVersion
from consult.documents.outline import Section

from .conftest import Actor
from .test_documents import (
    SEED,
    _inkoopplan,
    _todo,
    _url,
    _versions,
    as_docx,
    definitief_text,
)

SLUG = "holland-rijnland-jeugdhulp-2016"
NUL = "1. Nul\n\nEen proefversie, per ongeluk geplakt.\n"


def _add(secretary, plan: int, label: str, dated: str, text: str):
    return secretary.form_post(_url(plan) + "/document/versies",
                               data={"label": label, "dated": dated, "text": text})


def _upload(secretary, plan: int, name: str):
    """The definitive plan as a Word file, uploaded under ``name``."""
    return secretary.form_post(_url(plan) + "/document/versies", data={
        "label": "definitief", "dated": "2016-12-16",
        "file": (io.BytesIO(as_docx(definitief_text())), name)},
        content_type="multipart/form-data")


def _version_id(response) -> int:
    return int(re.search(r"versie=(\d+)", response.headers["Location"]).group(1))


def _shown_label(client, plan: int) -> str:
    """The label of the version the document view shows by default."""
    html = client.get(_url(plan) + "/document").get_data(as_text=True)
    return re.search(r'aria-current="page">([^<]+) · ', html).group(1)


def test_a_stray_version_is_re_dated_renamed_and_removed_with_undo(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    public = demo_app.test_client()
    plan = _inkoopplan(demo_app)
    _add(secretary, plan, "concept", "2016-09-01", SEED.read_text())
    nul = _version_id(_add(secretary, plan, "nul", "2016-12-01", NUL))
    assert _shown_label(public, plan) == "nul"  # the trial: the stray one is the default
    url = f"{_url(plan)}/document/versies/{nul}"
    # A date typo far ahead is refused, on adding and on changing; what was typed stays.
    far = _add(secretary, plan, "definitief", "2199-01-12", "1. Doel\n\nTekst.")
    assert far.status_code == 422 and "meer dan een jaar in de toekomst" in far.get_data(
        as_text=True)
    typo = secretary.form_post(url, data={"label": "nul 2", "dated": "2199-01-12",
                                          "version": "1"})
    assert typo.status_code == 422
    assert "meer dan een jaar in de toekomst" in typo.get_data(as_text=True)
    assert 'value="nul 2"' in typo.get_data(as_text=True)
    # Renamed and dated back: the concept is the newest again, for everyone.
    fixed = secretary.form_post(url, data={"label": "proef", "dated": "2015-01-12",
                                           "version": "1"})
    assert fixed.status_code == 303
    assert _shown_label(public, plan) == "concept"
    # A tampered state ("²" is a digit to str.isdigit, not to int; 5,000 digits pass
    # Python's int() limit) is no state: the change goes through, never a 500.
    for tampered in ("²", "9" * 5000):
        odd = secretary.form_post(url, data={"label": "proef", "dated": "2015-01-12",
                                             "version": tampered})
        assert odd.status_code in (303, 409), odd.status_code
    # A second tab that still showed the old state gets a 409 and keeps its input.
    stale = secretary.form_post(url, data={"label": "nul (oud tabblad)", "dated": "2016-12-01",
                                           "version": "1"})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Iemand anders heeft deze versie intussen" in html
    assert 'value="nul (oud tabblad)"' in html
    with demo_app.app_context():
        row = get_session().get(DocumentVersion, nul)
        assert (row.label, row.dated) == ("proef", date(2015, 1, 12))
    # Removed, with an undo; then put back.
    removed = secretary.form_post(url + "/verwijderen", data={"version": "2"})
    assert removed.status_code == 303
    page = secretary.get(removed.headers["Location"]).get_data(as_text=True)
    assert "Verwijderd: versie “proef”." in page and "Ongedaan maken" in page
    assert "proef ·" not in page
    undo = re.search(r'<form method="post" action="([^"]+/terugzetten)"', page).group(1)
    assert _versions(demo_app, plan) == sorted(_versions(demo_app, plan))
    assert secretary.form_post(undo, data={}).status_code == 303
    assert "proef ·" in secretary.get(_url(plan) + "/document").get_data(as_text=True)
    # Only the secretariat changes versions.
    for role in ("viewer", None):
        actor = Actor(demo_app.test_client(), role)
        assert actor.form_post(url + "/verwijderen", data={}).status_code in (400, 403)


def test_a_version_whose_sections_alone_hold_points_is_not_removed(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    concept = _version_id(_add(secretary, plan, "concept", "2016-09-01", SEED.read_text()))
    (a, sender, number), *_rest = _todo(secretary, plan)
    assert secretary.hx_post(f"{_url(plan)}/punten/{a}/geland",
                             data={"section": "§6 Hoe sturen we daarop?"}).status_code == 200
    url = f"{_url(plan)}/document/versies/{concept}/verwijderen"
    refused = secretary.form_post(url, data={})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "kan niet weg" in html and "§6 Hoe sturen we daarop?" in html
    assert f"{sender} · punt {number}" in secretary.get(_url(plan) + "/document").get_data(
        as_text=True)
    # With another version that has chapter 6, the concept may go: the point stays shown.
    _add(secretary, plan, "definitief", "2016-12-16", definitief_text())
    assert secretary.form_post(url, data={}).status_code == 303
    view = secretary.get(_url(plan) + "/document").get_data(as_text=True)
    assert f"{sender} · punt {number}" in view and "concept ·" not in view


def _anchors(app, version_id: int) -> dict[str, str]:
    with app.app_context():
        return {s.title: s.anchor for s in get_session().exec(
            select(DocumentSection).where(DocumentSection.version_id == version_id))}


def test_sections_keep_their_anchor_across_a_stray_version(demo_app):
    """The trial: after a stray version, an identical later one matched only the stray one;
    the compare page showed the same chapter as added and removed, and the points landed in
    it vanished from the newest document."""
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    _add(secretary, plan, "v1", "2016-09-01", SEED.read_text())
    v2 = _version_id(_add(secretary, plan, "v2", "2016-10-01", definitief_text()))
    (a, sender, number), *_rest = _todo(secretary, plan)
    assert secretary.hx_post(f"{_url(plan)}/punten/{a}/geland", data={
        "section": "§6 Hoe sturen we op de transformatie?"}).status_code == 200
    _add(secretary, plan, "nul", "2016-11-01", NUL)
    v5 = _version_id(_add(secretary, plan, "v5", "2016-12-01", definitief_text()))
    assert _anchors(demo_app, v5) == _anchors(demo_app, v2)
    view = secretary.get(_url(plan) + "/document").get_data(as_text=True)
    assert f"{sender} · punt {number}" in view
    compared = secretary.get(f"{_url(plan)}/document/vergelijken?van={v2}&naar={v5}"
                             ).get_data(as_text=True)
    assert "De twee versies hebben dezelfde onderdelen en tekst." in compared


def test_matching_300_sections_against_5_versions_stays_fast():
    """Number and title by dict; only leftovers by text. Prints the time (the report)."""
    def outline(version: int):
        texts = [f"Tekst van paragraaf {n} in versie {version}: " + "woorden " * 40
                 for n in range(300)]
        return [(Section(str(n + 1), f"Titel {n + 1} v{version}", 1, 0, 0), t)
                for n, t in enumerate(texts)]

    old = []
    for version in range(5):
        for (section, text), n in zip(outline(version), range(300), strict=True):
            old.append((DocumentSection(version_id=version, anchor=f"a{n}", position=n,
                                        number=section.number, title=section.title,
                                        start=0, end=0), text))
    new = outline(9)  # every title new: all 300 go to the text comparison
    started = time.perf_counter()
    anchors = ops.match_anchors(old, new)
    took = time.perf_counter() - started
    print(f"match_anchors: 300 new sections x 5 versions of 300: {took * 1000:.0f} ms")
    assert len(set(anchors)) == 300 and took < 5


def test_the_section_picker_takes_a_number_or_a_title(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    _add(secretary, plan, "concept", "2016-09-01", SEED.read_text())
    with demo_app.app_context():
        session = get_session()
        for typed in ("6", "§6", "§ 6", "6.", "Hoe sturen we daarop?", "hoe sturen we daarop",
                      "  HOE STUREN WE DAAROP  ", "Hoe stúren we daarop!", "§ 6 Hoe sturen we "
                      "daarop?", "6. Hoe sturen we daarop"):
            found = ops.find_section(session, plan, typed)
            assert found is not None and found.number == "6", typed
        assert ops.find_section(session, plan, "66") is None
    rows = _todo(secretary, plan)
    land = f"{_url(plan)}/punten/{{}}/geland"
    done = secretary.hx_post(land.format(rows[0][0]), data={"section": "§ 6"})
    assert done.status_code == 200
    assert "Inkoopplan 2017, §6 Hoe sturen we daarop?" in done.get_data(as_text=True)
    # Two sections of the same title: the message names both and keeps what was typed.
    _add(secretary, plan, "definitief", "2016-12-16",
         "1. Doel\n\nHet eerste doel.\n\n2. Doel\n\nHet tweede doel.\n")
    both = secretary.hx_post(land.format(rows[1][0]), data={"section": "doel"})
    html = both.get_data(as_text=True)
    assert both.status_code == 422
    assert "past bij 2 onderdelen: §1 Doel; §2 Doel" in html and 'value="doel"' in html


def test_the_quoted_sentence_must_be_in_the_section(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    _add(secretary, plan, "concept", "2016-09-01", SEED.read_text())
    rows = _todo(secretary, plan)
    land = f"{_url(plan)}/punten/{{}}/geland"
    for quote in ("Deze zin staat niet in het document",
                  # in the document, but in another chapter
                  "De toegang monitort de doelrealisatie en doorlooptijd per aanbieder."):
        refused = secretary.hx_post(land.format(rows[0][0]), data={
            "section": "§6 Hoe sturen we daarop?", "quote": quote})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422, quote
        assert "Deze zin staat niet in §6 Hoe sturen we daarop?" in html
        assert f'value="{quote}"' in html
    # Case, quotes and line breaks aside, the sentence is found.
    quote = "“sturing op budget is daarom geen  kwestie van draaien aan knoppen”"
    taken = secretary.hx_post(land.format(rows[0][0]), data={
        "section": "§6 Hoe sturen we daarop?", "quote": quote})
    assert taken.status_code == 200
    view = secretary.get(_url(plan) + "/document").get_data(as_text=True)
    assert "sturing op budget is daarom geen kwestie van draaien aan knoppen" in view


def test_only_the_secretariat_downloads_an_original(demo_app):
    """The trial: anyone downloaded the Word original, with its author in its properties."""
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    added = _upload(secretary, plan, "plan.docx")
    url = f"{_url(plan)}/document/versies/{_version_id(added)}/origineel"
    for role in (None, "viewer", "councillor"):
        actor = Actor(demo_app.test_client(), role)
        assert actor.get(url).status_code == 404, role
        assert "/origineel" not in actor.get(_url(plan) + "/document").get_data(as_text=True)
    got = secretary.get(url)
    assert got.status_code == 200 and got.data[:2] == b"PK"
    got.close()


def test_a_word_file_named_pdf_is_read_as_word(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    added = _upload(secretary, plan, "plan.pdf")
    assert added.status_code == 303, added.get_data(as_text=True)[:500]
    view = secretary.get(added.headers["Location"]).get_data(as_text=True)
    assert "Hoe sturen we op de transformatie?" in view


def test_the_outline_command_says_a_bad_pdf_in_dutch_only(tmp_path):
    path = tmp_path / "kapot.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "consult", "outline", str(path)],
        capture_output=True, text=True, cwd=Path(__file__).parents[1], timeout=120)
    assert result.returncode == 1
    assert result.stderr == f"Fout: {path}: Dit bestand is geen leesbare PDF.\n"


def test_marking_done_works_without_javascript(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    _add(secretary, plan, "concept", "2016-09-01", SEED.read_text())
    page = secretary.get(_url(plan)).get_data(as_text=True)
    point = _todo(secretary, plan)[0][0]
    action = f"{_url(plan)}/punten/{point}/geland"
    assert f'method="post" action="{action}"' in page
    # A plain form post (no HX-Request): refused, the page comes back with the message and
    # what was typed (before: a redirect, the typed section lost); accepted, back to the page
    # with the point done there.
    refused = secretary.form_post(action, data={"section": "§99"})
    assert refused.status_code == 422
    assert "Kies het onderdeel uit de lijst" in refused.get_data(as_text=True)
    assert 'value="§99"' in refused.get_data(as_text=True)
    done = secretary.form_post(action, data={"section": "6"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"#todo-{point}")
    row = re.search(rf'<tr id="todo-{point}" class="done">.*?</tr>',
                    secretary.get(_url(plan)).get_data(as_text=True), re.S)
    assert row and "Inkoopplan 2017, §6 Hoe sturen we daarop?" in row.group(0)
