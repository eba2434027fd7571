"""A document's sections in search (issue 18), on each engine: found by their words (the
newest version's only), by everyone who may see the consultation, with the points that landed
in them; kept in step when a version is added, the consultation unpublished or the index
rebuilt."""

import json
import re
from html import unescape

import pytest

from consult import search

from .conftest import Actor, empty_database, indexed_demo, take_steps
from .test_documents import SEED, SLUG, _inkoopplan, _todo, _url, definitief_text
from .test_search import ENGINES, run


@pytest.fixture(params=list(ENGINES))
def live(request, tmp_path):
    database, backend = ENGINES[request.param]
    with indexed_demo(empty_database(database, tmp_path), tmp_path,
                      SEARCH_BACKEND=backend) as app:
        assert search.service(app).backend == backend
        yield app


def _sections(app, text: str, role: str | None = "secretary") -> list:
    """(number, title, landed count) of the section hits for `text`."""
    page = run(app, text, role, kind="section")
    assert all(h.kind == "section" for h in page.hits)
    return [(h.section.number, h.section.title, len(h.landed)) for h in page.hits]


def _add(secretary, plan: int, label: str, text: str) -> int:
    added = secretary.form_post(_url(plan) + "/document/versies", data={
        "label": label, "dated": "2016-09-01" if label == "concept" else "2016-12-16",
        "text": text})
    assert added.status_code == 303
    return int(re.search(r"versie=(\d+)", added.headers["Location"]).group(1))


def test_sections_are_found_with_their_points_on_every_engine(live):
    secretary = Actor(live.test_client(), "secretary")
    plan = _inkoopplan(live)
    assert _sections(live, "contractmanagement") == []
    _add(secretary, plan, "concept", SEED.read_text())
    assert search.service(live).wait_until_applied()
    # "contractmanagement" stands in §6 (and elsewhere): every section with it, once each.
    found = _sections(live, "contractmanagement")
    assert ("6", "Hoe sturen we daarop?", 0) in found
    assert len(found) == len(set(found))
    # The public sees the published consultation's document, and so its sections.
    assert ("6", "Hoe sturen we daarop?", 0) in _sections(live, "contractmanagement", None)

    rows = [(i, unescape(s), n) for i, s, n in _todo(secretary, plan)]
    (a, sender, number) = rows[0]
    assert secretary.hx_post(f"{_url(plan)}/punten/{a}/geland",
                             data={"section": "§6 Hoe sturen we daarop?"}).status_code == 200
    assert ("6", "Hoe sturen we daarop?", 1) in _sections(live, "contractmanagement")
    # The page: the section named as every page names it, linked into the document, with
    # its point (count and link to the thread).
    html = live.test_client().get("/zoeken?q=contractmanagement&kind=section").get_data(
        as_text=True)
    item = next(li for li in re.findall(r'<li class="hit hit-section">(.*?)</li>\s*(?=<li|</ol)',
                                        html, re.S) if "§6 Hoe sturen" in li)
    assert "Inkoopplan 2017, §6 Hoe sturen we daarop?" in item
    assert re.search(rf'href="/consultaties/{SLUG}/bestemmingen/{plan}/document#par-6-[^"]+"',
                     item)
    assert "1 punt hier verwerkt" in item
    assert f'href="/consultaties/{SLUG}/punten/{a}"' in item
    assert sender in unescape(item)
    assert f"punt {number}" in item


def test_a_new_version_replaces_the_old_sections_and_unpublishing_hides_them(live):
    secretary = Actor(live.test_client(), "secretary")
    plan = _inkoopplan(live)
    concept = SEED.read_text()
    _add(secretary, plan, "concept", concept)
    assert _sections(live, "omslagpunt")  # §11's word
    final = definitief_text().replace(" 11. Wat betekent dit voor de kosten?", "Kosten:")
    final = final.replace("omslagpunt", "kantelpunt")
    _add(secretary, plan, "definitief", final)
    assert search.service(live).wait_until_applied()
    assert _sections(live, "omslagpunt") == []  # only in the concept now
    assert _sections(live, "kantelpunt")
    assert ("7.1", "Inkoopmodel en looptijd", 0) in _sections(live, "looptijd")
    six = [s for s in _sections(live, "contractmanagement") if s[0] == "6"]
    assert six == [("6", "Hoe sturen we op de transformatie?", 0)]  # the newest title, once
    take_steps(live, "unpublish")
    assert search.service(live).wait_until_applied()
    assert _sections(live, "kantelpunt", None) == []
    assert _sections(live, "kantelpunt", "secretary")


def _counts(app) -> tuple[int, int]:
    status = json.loads(app.test_cli_runner().invoke(
        args=["consult", "index-status", "--json"]).output)
    return status["index"]["section"], status["database"]["section"]


def test_a_removed_version_and_an_archived_destination_leave_search(live):
    """The attack: after removing the newest version, its sections were still found (their
    link opened a version without them) and the live version's were not; an archived
    destination's document stayed findable, to the public too."""
    secretary = Actor(live.test_client(), "secretary")
    plan = _inkoopplan(live)
    _add(secretary, plan, "concept", SEED.read_text())
    final = definitief_text().replace("omslagpunt", "kantelpunt")
    newest = _add(secretary, plan, "definitief", final)
    assert search.service(live).wait_until_applied()
    assert _sections(live, "kantelpunt") and _sections(live, "omslagpunt") == []
    url = f"{_url(plan)}/document/versies/{newest}"
    assert secretary.form_post(url + "/verwijderen", data={"version": "1"}).status_code == 303
    assert search.service(live).wait_until_applied()
    assert _sections(live, "kantelpunt") == []
    assert _sections(live, "omslagpunt")  # the concept is the document again
    assert _counts(live) == (12, 12)
    assert secretary.form_post(url + "/terugzetten", data={}).status_code == 303
    assert search.service(live).wait_until_applied()
    assert _sections(live, "kantelpunt") and _sections(live, "omslagpunt") == []
    archive = f"/consultaties/{SLUG}/bestemmingen/{plan}/"
    assert secretary.form_post(archive + "archiveren", data={}).status_code == 303
    assert search.service(live).wait_until_applied()
    assert _sections(live, "kantelpunt") == [] and _sections(live, "kantelpunt", None) == []
    assert _counts(live)[0] == _counts(live)[1]
    assert secretary.form_post(archive + "herstellen", data={}).status_code == 303
    assert search.service(live).wait_until_applied()
    assert _sections(live, "kantelpunt")


def test_reindex_includes_the_sections(live):
    secretary = Actor(live.test_client(), "secretary")
    plan = _inkoopplan(live)
    _add(secretary, plan, "concept", SEED.read_text())
    assert search.service(live).wait_until_applied()
    runner = live.test_cli_runner()
    status = json.loads(runner.invoke(args=["consult", "index-status", "--json"]).output)
    assert status["index"]["section"] == status["database"]["section"] == 12
    result = runner.invoke(args=["consult", "reindex"])
    assert result.exit_code == 0, result.output
    again = json.loads(runner.invoke(args=["consult", "index-status", "--json"]).output)
    assert again["index"]["section"] == 12
    assert ("6", "Hoe sturen we daarop?", 0) in _sections(live, "contractmanagement")
