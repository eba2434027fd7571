"""A destination's document in versions (consult/documents): adding versions by pasted text
and by upload, anchors that survive a new version, bad input, landing points in a section, the
document view with its stakeholder filter, and what the public sees."""

import gc
import io
import re
from pathlib import Path

import docx
import pytest
from sqlmodel import select

from consult.db import get_session
from consult.documents.models import DocumentSection, DocumentVersion
from consult.models import Destination

from .conftest import Actor

SLUG = "holland-rijnland-jeugdhulp-2016"
SEED = Path(__file__).parent / "fixtures" / "inkoopstrategie_alkmaar_2023.txt"


def _inkoopplan(app) -> int:
    with app.app_context():
        return get_session().exec(select(Destination.id).where(
            Destination.title == "Inkoopplan 2017")).one()


def definitief_text() -> str:
    """The seed strategy as its final version: chapter 6 renamed, chapter 4 with a new
    paragraph, and a new section 7.1."""
    text = SEED.read_text()
    text = text.replace("6. Hoe sturen we daarop?", "6. Hoe sturen we op de transformatie?")
    text = text.replace(" 4. Wat moet beter en wat willen we vasthouden?\n",
                        " 4. Wat moet beter en wat willen we vasthouden?\n\nNa de reacties "
                        "voegen we hier de rol van de gemeenteraad toe.\n")
    return text.replace(" 8. Wat betekent partnerschap",
                        "\n7.1 Inkoopmodel en looptijd\n\nHet contract loopt acht jaar.\n\n"
                        " 8. Wat betekent partnerschap")


def as_docx(text: str) -> bytes:
    """The text as a Word file without heading styles: a paragraph per blank-line-separated
    block, and a short numbered line ("1. Wat is ...") a paragraph of its own, as typed."""
    document = docx.Document()
    text = re.sub(r"\n(?=\s*\d+\.\s+[A-Z].{0,70}\n)", "\n\n", text)
    for block in re.split(r"\n\s*\n", text):
        if block.strip():
            document.add_paragraph(" ".join(block.split()))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _url(destination: int) -> str:
    return f"/consultaties/{SLUG}/bestemmingen/{destination}"


def _sections(app, version_id: int) -> dict[str, str]:
    """title -> anchor of a version's sections."""
    with app.app_context():
        rows = get_session().exec(select(DocumentSection).where(
            DocumentSection.version_id == version_id)).all()
        return {s.title: s.anchor for s in rows}


def _versions(app, destination: int) -> list[int]:
    with app.app_context():
        return list(get_session().exec(select(DocumentVersion.id).where(
            DocumentVersion.destination_id == destination).order_by(DocumentVersion.id)))


def test_versions_by_pasted_text_and_upload_keep_their_anchors(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    url = _url(plan) + "/document"
    concept = secretary.form_post(url + "/versies", data={
        "label": "concept", "dated": "2016-09-01", "text": SEED.read_text()})
    assert concept.status_code == 303
    page = secretary.get(concept.headers["Location"]).get_data(as_text=True)
    assert "Wat is de gewenste transformatie?" in page and "Leeswijzer" in page
    assert page.count('class="document-section"') == 12
    final = secretary.form_post(url + "/versies", data={
        "label": "definitief", "dated": "2016-12-16",
        "file": (io.BytesIO(as_docx(definitief_text())), "inkoopplan-definitief.docx")},
        content_type="multipart/form-data")
    assert final.status_code == 303
    first, second = _versions(demo_app, plan)
    old, new = _sections(demo_app, first), _sections(demo_app, second)
    # Same number and title, renamed (by its text), and a new section: anchors follow.
    assert new["Wat is de gewenste transformatie?"] == old["Wat is de gewenste transformatie?"]
    assert new["Hoe sturen we op de transformatie?"] == old["Hoe sturen we daarop?"]
    assert new["Wat moet beter en wat willen we vasthouden?"] == old[
        "Wat moet beter en wat willen we vasthouden?"]
    assert new["Inkoopmodel en looptijd"] not in old.values()
    assert len(set(new.values())) == len(new)
    # The newest version shows by default; the original downloads.
    page = secretary.get(url).get_data(as_text=True)
    assert "Hoe sturen we op de transformatie?" in page
    download = secretary.get(f"{url}/versies/{second}/origineel")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    download.close()


def test_bad_versions_get_a_dutch_message_and_keep_what_was_typed(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    url = _url(plan) + "/document/versies"
    cases = [
        ({"label": "concept", "dated": "2016-09-01",
          "file": (io.BytesIO(b"geen pdf"), "plan.pdf")}, "geen leesbare PDF"),
        ({"label": "concept", "dated": "2016-09-01",
          "file": (io.BytesIO(b""), "leeg.docx")}, "Het bestand is leeg"),  # as the CLI says
        ({"label": "", "dated": "2016-09-01", "text": "1. Doel\n\nTekst."},
         "Geef de versie een naam"),
        ({"label": "concept", "dated": "gisteren", "text": "1. Doel\n\nTekst."},
         "Geef een geldige datum"),
        # the attack: year 1 was shown as "1 januari 1"; a label of control characters only
        # was stored empty
        ({"label": "concept", "dated": "0001-01-01", "text": "1. Doel\n\nTekst."},
         "Geef een geldige datum"),
        ({"label": "\x00\x01", "dated": "2016-09-01", "text": "1. Doel\n\nTekst."},
         "Geef de versie een naam"),
        ({"label": "concept", "dated": "2016-09-01", "text": "  "}, "Upload een bestand of plak"),
        ({"label": "x" * 101, "dated": "2016-09-01", "text": "Tekst"}, "hoogstens 100 tekens"),
    ]
    for data, message in cases:
        response = secretary.form_post(url, data=data, content_type="multipart/form-data")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (message, response.status_code)
        assert message.lower() in html.lower(), message
    kept = secretary.form_post(url, data={"label": "concept 2", "dated": "x", "text": "Mijn tekst"})
    assert 'value="concept 2"' in kept.get_data(as_text=True)
    assert "Mijn tekst</textarea>" in kept.get_data(as_text=True)
    assert _versions(demo_app, plan) == []


def test_control_characters_in_a_pasted_text_do_not_shift_its_sections(demo_app):
    """The attack: 40 control characters in §1 moved "2 Sturing" into §1's text and §3 came
    out empty; the text is cleaned before its sections are read."""
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    text = ("1 Inleiding\n\n" + "\x01" * 40 + "Dit is de inleiding van het plan.\n\n"
            "2 Sturing\n\nSturing en monitoring gaan samen.\n\n3 Kosten\n\nDe kosten stijgen.\n")
    added = secretary.form_post(_url(plan) + "/document/versies",
                                data={"label": "concept", "dated": "2016-09-01", "text": text})
    assert added.status_code in (200, 303), added.get_data(as_text=True)[:300]
    with demo_app.app_context():
        from consult.documents.operations import section_text, sections_of, versions_of

        session = get_session()
        version = versions_of(session, plan)[0]
        texts = {s.number: section_text(version, s) for s in sections_of(session, version.id)}
    assert "Sturing en monitoring gaan samen." in texts["2"]
    assert "Sturing" not in texts["1"] and "\x01" not in texts["1"]
    assert "De kosten stijgen." in texts["3"]


@pytest.fixture
def collect_spooled_bodies():
    """Collect the test client's spooled request bodies once the test's locals are gone."""
    yield
    gc.collect()


# The test client spools big bodies into temporary files it never closes (see test_attacks).
@pytest.mark.usefixtures("collect_spooled_bodies")
@pytest.mark.filterwarnings("ignore::ResourceWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_file_over_10_mb_is_refused_in_dutch(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    response = secretary.form_post(_url(plan) + "/document/versies", data={
        "label": "concept", "dated": "2016-09-01",
        "file": (io.BytesIO(b"x" * (10 * 1024 * 1024 + 5)), "groot.txt")})
    assert response.status_code == 422
    assert "groter dan 10 MB" in response.get_data(as_text=True)
    assert _versions(demo_app, plan) == []


def test_only_the_secretariat_adds_versions(demo_app):
    plan = _inkoopplan(demo_app)
    url = _url(plan) + "/document/versies"
    data = {"label": "concept", "dated": "2016-09-01", "text": "1. Doel\n\nTekst."}
    for role in ("viewer", "councillor", None):
        actor = Actor(demo_app.test_client(), role)
        assert actor.form_post(url, data=data).status_code in (400, 403), role
        assert "Versie toevoegen" not in actor.get(_url(plan) + "/document").get_data(as_text=True)
    assert _versions(demo_app, plan) == []


def _todo(secretary, plan: int) -> list[tuple[str, str, str]]:
    """(point id, sender, number) of the open rows of the destination's to-do list."""
    html = secretary.get(_url(plan)).get_data(as_text=True)
    return re.findall(r'<tr id="todo-(\d+)" class="to-do">\s*<th scope="row"><a [^>]*>'
                      r"([^<]+?) · ([^<]+)</a>", html)


def _three_points_of_two_stakeholders(rows):
    """Two points of one sender and one of another."""
    by_sender: dict[str, list] = {}
    for row in rows:
        by_sender.setdefault(row[1], []).append(row)
    first = next(s for s, r in by_sender.items() if len(r) >= 2)
    second = next(s for s in by_sender if s != first)
    return by_sender[first][:2] + by_sender[second][:1]


def test_points_land_in_sections_and_show_beside_them(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    assert 'name="section"' not in secretary.get(_url(plan)).get_data(as_text=True)
    secretary.form_post(_url(plan) + "/document/versies", data={
        "label": "concept", "dated": "2016-09-01", "text": SEED.read_text()})
    page = secretary.get(_url(plan)).get_data(as_text=True)
    assert '<option value="§6 Hoe sturen we daarop?">' in page  # the type-ahead's list
    (a, sender_a, number_a), (b, _s, _n), (c, sender_c, number_c) = (
        _three_points_of_two_stakeholders(_todo(secretary, plan)))
    land = f"{_url(plan)}/punten/{{}}/geland"
    unknown = secretary.hx_post(land.format(a), data={"section": "§99 Bestaat niet",
                                                      "quote": "Een zin"})
    assert unknown.status_code == 422
    assert "Kies het onderdeel uit de lijst" in unknown.get_data(as_text=True)
    assert 'value="§99 Bestaat niet"' in unknown.get_data(as_text=True)
    # a sentence of chapter 6 (a quote from elsewhere is refused now)
    quote = "Sturing op budget is daarom geen kwestie van draaien aan knoppen."
    assert secretary.hx_post(land.format(a), data={"section": "§6 Hoe sturen we daarop?",
                                                   "quote": quote}).status_code == 200
    assert secretary.hx_post(land.format(b), data={"section": "§6 Hoe sturen we daarop?"}
                             ).status_code == 200
    assert secretary.hx_post(land.format(c), data={
        "section": "§8 Wat betekent partnerschap tussen gemeente en aanbieders?",
        "reference": "bijlage 2"}).status_code == 200
    # The thread tells the section as every page tells a landing.
    thread = secretary.get(f"/consultaties/{SLUG}/punten/{a}").get_data(as_text=True)
    assert "Inkoopplan 2017, §6 Hoe sturen we daarop?" in thread
    thread = secretary.get(f"/consultaties/{SLUG}/punten/{c}").get_data(as_text=True)
    assert "Inkoopplan 2017, §8 Wat betekent partnerschap tussen gemeente en aanbieders? — " \
           "bijlage 2" in thread
    # The answered table, for the secretariat and on the public page, says where it went.
    for client, path in ((secretary, "tabel"), (demo_app.test_client(), "openbaar")):
        table = client.get(f"/consultaties/{SLUG}/{path}").get_data(as_text=True)
        assert "Inkoopplan 2017, §6 Hoe sturen we daarop?</p>" in table, path
    # The document view: beside chapter 6 two points (with the quote), beside 8 one.
    view = secretary.get(_url(plan) + "/document").get_data(as_text=True)
    sections = dict(re.findall(r'<section class="document-section" id="([^"]+)".*?'
                               r'<aside[^>]*>(.*?)</aside>', view, re.S))
    # ids "par-<anchor>": a section titled "Main" made id="main", the page's own (the attack)
    assert all(k.startswith("par-") for k in sections)
    six = next(v for k, v in sections.items() if k.startswith("par-6-"))
    eight = next(v for k, v in sections.items() if k.startswith("par-8-"))
    assert "2 punten hier verwerkt" in six and quote in six
    assert f"{sender_a} · punt {number_a}" in six
    assert f'href="/consultaties/{SLUG}/punten/{a}"' in six
    assert "1 punt hier verwerkt" in eight and f"{sender_c} · punt {number_c}" in eight
    assert sum("Hier zijn geen punten verwerkt." in v for v in sections.values()) == 10
    # Filtered by the second stakeholder: only chapter 8 is left.
    ids = dict((n, i) for i, n in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', view))
    only = secretary.get(_url(plan) + f"/document?belanghebbende={ids[sender_c]}"
                         ).get_data(as_text=True)
    assert only.count('class="document-section"') == 1
    assert f">{sender_a} · punt {number_a}<" not in only
    assert f">{sender_c} · punt {number_c}<" in only
    # The public sees the published consultation's document and its points, no people.
    public = demo_app.test_client().get(_url(plan) + "/document")
    html = public.get_data(as_text=True)
    assert public.status_code == 200 and f"{sender_a} · punt {number_a}" in html
    assert "Sanne Secretaris" not in html and "Versie toevoegen" not in html
    assert 'name="section"' not in demo_app.test_client().get(_url(plan)).get_data(as_text=True)
    # An archived point is gone from the document view as from every page (the attack saw
    # it listed with its quote and a link that answered 404).
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/punt/{c}", {"next": "/"})
    for client in (secretary, demo_app.test_client()):
        html = client.get(_url(plan) + "/document").get_data(as_text=True)
        assert f"{sender_c} · punt {number_c}" not in html
        assert f"{sender_a} · punt {number_a}" in html


def test_a_refused_landing_without_javascript_keeps_what_was_typed(demo_app):
    """The form posted as a plain form (no htmx): refused, the page comes back (422) with the
    point's row, the message and the section, quote and reference as typed (before, a redirect
    flashed the message and the typed section was gone)."""
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    secretary.form_post(_url(plan) + "/document/versies", data={
        "label": "concept", "dated": "2016-09-01", "text": SEED.read_text()})
    (point, _sender, _number), *_rest = _todo(secretary, plan)
    land = f"{_url(plan)}/punten/{point}/geland"
    for typed, message in (
            ({"section": "§99 Bestaat niet", "quote": "Een zorgvuldig gekozen zin",
              "reference": "blz. 12"}, "Kies het onderdeel uit de lijst"),
            ({"section": "§6 Hoe sturen we daarop?", "quote": "Een zin die er niet staat",
              "reference": ""}, "")):
        refused = secretary.form_post(land, data=typed)
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        row = re.search(rf'<tr id="todo-{point}" class="to-do">.*?</tr>', page, re.S).group(0)
        assert 'role="alert"' in row and message in row
        for name, value in typed.items():
            assert re.search(rf'name="{name}"[^>]*value="{re.escape(value)}"', row), name
    assert _todo(secretary, plan)[0][0] == point  # nothing was saved
    # Accepted without JavaScript: back to the list, the point done.
    done = secretary.form_post(land, data={"section": "§6 Hoe sturen we daarop?"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"#todo-{point}")
    assert point not in [p for p, _s, _n in _todo(secretary, plan)]


def test_the_answer_letter_says_where_each_point_was_taken_in(demo_app):
    import html
    from datetime import date

    from docx import Document

    from consult import letters
    from consult.consultations import get_consultation
    from consult.models import Stakeholder

    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    secretary.form_post(_url(plan) + "/document/versies", data={
        "label": "definitief", "dated": "2016-12-16", "text": SEED.read_text()})
    rows = _todo(secretary, plan)
    sender = rows[0][1]
    mine = [r for r in rows if r[1] == sender][:2]
    land = f"{_url(plan)}/punten/{{}}/geland"
    assert secretary.hx_post(land.format(mine[0][0]), data={
        "section": "§6 Hoe sturen we daarop?"}).status_code == 200
    if len(mine) > 1:  # a landing outside consult is told as typed
        assert secretary.hx_post(land.format(mine[1][0]), data={
            "reference": "Uitvoeringsplan 2017, blz. 4"}).status_code == 200
    with demo_app.test_request_context("/"):
        session = get_session()
        stakeholder = session.exec(select(Stakeholder).where(
            Stakeholder.name == html.unescape(sender))).one()
        data = letters.answer_letter(session, get_consultation(session, SLUG), stakeholder,
                                     whole=True, today=date(2016, 12, 20))
    text = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    told = [t for t in text if "erwerkt in Inkoopplan 2017, §6" in t]
    assert len(told) == 1
    assert told[0].endswith("erwerkt in Inkoopplan 2017, §6 Hoe sturen we daarop?")
    if len(mine) > 1:
        assert any(t.endswith("erwerkt in Uitvoeringsplan 2017, blz. 4.") for t in text)


def test_versions_compared_show_what_changed_with_the_points_behind_it(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    url = _url(plan) + "/document"
    secretary.form_post(url + "/versies", data={
        "label": "concept", "dated": "2016-09-01", "text": SEED.read_text()})
    (a, sender_a, number_a), *_rest = _todo(secretary, plan)
    assert secretary.hx_post(f"{_url(plan)}/punten/{a}/geland", data={
        "section": "§4 Wat moet beter en wat willen we vasthouden?"}).status_code == 200
    # One chapter less in the final version: what it had is reported removed.
    final = definitief_text().replace(" 11. Wat betekent dit voor de kosten?", "Kosten:")
    secretary.form_post(url + "/versies", data={
        "label": "definitief", "dated": "2016-12-16",
        "file": (io.BytesIO(as_docx(final)), "definitief.docx")},
        content_type="multipart/form-data")
    assert "Wat er tussen de versies veranderde" in secretary.get(url).get_data(as_text=True)
    page = secretary.get(url + "/vergelijken")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    changes = {anchor: kind for kind, anchor in re.findall(
        r'class="document-section document-change change-(\w+)" id="wijziging-([^"]+)"', html)}
    four = next(a for a in changes if a.startswith("4-"))
    six = next(a for a in changes if a.startswith("6-"))
    assert changes[four] == changes[six] == "changed"
    assert changes[next(a for a in changes if a.startswith("7-1-"))] == "added"
    assert changes[next(a for a in changes if a.startswith("11-"))] == "removed"
    assert not any(a.startswith(("5-", "9-")) for a in changes)  # the same text: not listed
    block = html.split(f'id="wijziging-{four}"')[1].split("</section>")[0]
    assert "<ins>Na de reacties voegen we hier de rol van de gemeenteraad toe.</ins>" in block
    assert f">{sender_a} · punt {number_a}<" in block
    six_block = html.split(f'id="wijziging-{six}"')[1].split("</section>")[0]
    assert "was: §6 Hoe sturen we daarop?" in six_block
    assert "<del>daarop?</del>" in six_block and "<ins>op de transformatie?</ins>" in six_block
    # Public for the published consultation; an unknown version falls back to the one before,
    # and the page says the link's version is gone (before: silently); its Word report is a
    # 404 (a report of other versions than the link names would mislead); a destination
    # without two versions has nothing to compare.
    assert demo_app.test_client().get(url + "/vergelijken").status_code == 200
    assert "bestaat niet (meer)" not in html
    for stale in ("van=999999", "naar=999999", "van=abc"):
        page = secretary.get(url + f"/vergelijken?{stale}")
        assert page.status_code == 200
        assert "Een versie die deze link noemt bestaat niet (meer)" in page.get_data(as_text=True)
        report = secretary.get(url + f"/vergelijken.docx?{stale}")
        assert report.status_code == 404
        assert "bestaat niet (meer)" in report.get_data(as_text=True)
    assert secretary.get(url + "/vergelijken.docx").status_code == 200
    other = _url(plan + 1) + "/document/vergelijken"
    assert secretary.get(other).status_code == 404


def test_a_word_diff_keeps_the_words_around_a_change_and_escapes_them():
    from consult.documents.compare import word_diff

    before = " ".join(f"woord{i}" for i in range(100))
    after = before.replace("woord50", "<b>nieuw</b>")
    diff = str(word_diff(before, after))
    assert diff.startswith("… woord38 ") and diff.endswith(" woord62 …")
    assert "<del>woord50</del> <ins>&lt;b&gt;nieuw&lt;/b&gt;</ins>" in diff
    assert str(word_diff("a  b\nc", "a b c")) == "a b c"  # white space is no change


def test_comparing_long_repetitive_versions_stays_cheap(demo_app):
    """The attack: anyone may open a published document's comparison, and one section of
    10,000 words "a b a b ..." against "b a b a ..." took 6.85 s (20,000 words: 20-30 s of
    difflib). Sections that large, or past the comparison's budget, are still reported as
    changed, with their start shown as removed and added."""
    import time

    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    url = _url(plan) + "/document"
    chapters = lambda words: "".join(  # noqa: E731
        f"{n} Hoofdstuk {n}\n\n{words}\n\n" for n in range(1, 6))
    for label, words in (("concept", "a b " * 5_000), ("definitief", "b a " * 5_000)):
        added = secretary.form_post(url + "/versies", data={
            "label": label, "dated": "2016-09-01", "text": chapters(words)})
        assert added.status_code in (200, 303), added.get_data(as_text=True)[:300]
    started = time.process_time()
    page = demo_app.test_client().get(url + "/vergelijken")
    spent = time.process_time() - started
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("<del>") >= 5  # every chapter reported
    assert spent < 3, f"{spent:.1f} s of CPU"


def test_a_version_sent_twice_is_added_once(demo_app):
    """The attack: the same version form sent twice added two identical versions."""
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    page = secretary.get(_url(plan) + "/document").get_data(as_text=True)
    key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
    for _ in range(2):
        sent = secretary.form_post(_url(plan) + "/document/versies", data={
            "form_key": key, "label": "concept", "dated": "2016-09-01",
            "text": "1 Doel\n\nTekst."})
        assert sent.status_code == 303
    assert len(_versions(demo_app, plan)) == 1


def test_an_original_downloads_under_what_it_is(demo_app):
    """The attack: a .docx uploaded as "x.html" was offered as "x.html", and a .txt came
    with "charset=utf-8; charset=utf-8"."""
    from docx import Document as NewDocument

    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    made = io.BytesIO()
    word = NewDocument()
    word.add_heading("1 Doel", level=1)
    word.add_paragraph("Tekst.")
    word.save(made)
    for data, name in ((made.getvalue(), "plan.html"), (b"1 Doel\n\nTekst.\n", "plan.txt")):
        added = secretary.form_post(_url(plan) + "/document/versies", data={
            "label": name, "dated": "2016-09-01", "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data")
        assert added.status_code == 303, added.get_data(as_text=True)[:300]
    versions = _versions(demo_app, plan)
    served = {}
    for version in versions:
        got = secretary.get(f"{_url(plan)}/document/versies/{version}/origineel")
        served[got.headers["Content-Type"]] = got.headers["Content-Disposition"]
        got.close()  # a streamed file
    word_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "plan.docx" in served[word_type]
    assert served["text/plain; charset=utf-8"].endswith("plan.txt")
