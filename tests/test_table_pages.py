"""The answered table a page at a time (consult/table_pages.py): the pages together are the
whole table of ``reports.answered_table`` (same blocks, rows and order), with and without each
filter, on the demo and on a generated consultation of ~120 reactions built with the app's own
operations; the public figures equal the dashboard's; the pages on screen load more on scroll.
"""

import random
import re

import pytest
from sqlmodel import select

from consult import dashboard as dashboards
from consult import demo, reports, table_pages
from consult.db import get_session
from consult.intake import DraftPoint, create_consultation, create_stakeholder, log_reaction
from consult.models import Consultation, Destination, Point, Stakeholder
from consult.processing import answer, create_destination, set_archived
from tests.conftest import Actor, empty_database, make_app
from tests.dashboard_oracle import old_figures

SLUG = "holland-rijnland-jeugdhulp-2016"
GENERATED = "gegenereerde-consultatie"
STATUSES = ["proposed", "adopted", "done", "not_adopted", "draft"]


def build_generated(session, rnd: random.Random, reactions: int = 120) -> Consultation:
    """A published consultation of ``reactions`` reactions by stakeholders under three
    subregions, with joint letters, shared positions, answers over ranges (some drafts, some
    archived), answers to whole reactions, a destination tree with an archived branch, and
    archived points and reactions."""
    consultation = create_consultation(session, slug=GENERATED, title="Gegenereerd",
                                       status="published")
    tops = [create_stakeholder(session, slug=f"gen-regio-{i}", name=f"Gen regio {i}",
                               kind="joint_group") for i in range(3)]
    senders = []
    for i in range(12):
        parent = tops[i % 3]
        municipality = create_stakeholder(session, slug=f"gen-gemeente-{i}",
                                          name=f"Gen gemeente {i}", kind="municipality",
                                          parent_id=parent.id)
        senders.append(municipality)
        for kind in ("council", "advisory_board"):
            senders.append(create_stakeholder(
                session, slug=f"gen-{kind.replace('_', '-')}-{i}", name=f"Gen {kind} {i}",
                kind=kind, parent_id=municipality.id))
    loner = create_stakeholder(session, slug="gen-los", name="Gen los", kind="council_faction")
    senders.append(loner)
    destinations = []
    for i in range(3):
        top = create_destination(session, consultation_id=consultation.id, slug=f"d{i}",
                                 title=f"Doc {i}", kind="document_section")
        destinations.append(top)
        for j in range(2):
            destinations.append(create_destination(
                session, consultation_id=consultation.id, parent_id=top.id,
                slug=f"d{i}-{j}", title=f"Hoofdstuk {i}.{j}", kind="document_section"))
    set_archived(session, None, destinations[-1], consultation.id, True)
    for n in range(reactions):
        who = rnd.choice(senders)
        drafts = [DraftPoint(str(k), f"Punt {k} van reactie {n}: {rnd.random():.6f}",
                             heading=rnd.choice([None, None, "Financiën", "Privacy"]),
                             stakeholder_id=rnd.choice(senders).id if rnd.random() < 0.15
                             else None)
                  for k in range(1, rnd.choice([1, 2, 3, 5, 8, 12, 30]) + 1)]
        reaction = log_reaction(session, None, consultation, who, drafts, channel="zienswijze",
                                title=f"Reactie {n}", position=rnd.randint(1, reactions // 2))
        points = session.exec(select(Point).where(Point.reaction_id == reaction.id)
                              .order_by(Point.position)).all()
        k = 0
        while k < len(points):
            span = rnd.choice([1, 1, 2, 3])
            if rnd.random() < 0.8:
                response = answer(session, None, consultation, points[k:k + span],
                                  rnd.sample(destinations, rnd.choice([0, 1, 1, 2])),
                                  f"Antwoord {n}.{k}", rnd.choice(STATUSES),
                                  reaction_id=reaction.id)
                if rnd.random() < 0.05:
                    set_archived(session, None, response, consultation.id, True)
            k += span
        if rnd.random() < 0.1:
            answer(session, None, consultation, [], [], f"Geheel {n}", "adopted",
                   reaction_id=reaction.id)
        if rnd.random() < 0.05:
            set_archived(session, None, points[0], consultation.id, True)
        if rnd.random() < 0.03:
            set_archived(session, None, reaction, consultation.id, True)
    session.flush()
    return consultation


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def tables_app(request, tmp_path_factory):
    """The demo with a generated consultation beside it (shared by this module's tests: they
    only read)."""
    tmp_path = tmp_path_factory.mktemp(f"tables-{request.param}")
    app = make_app(empty_database(request.param, tmp_path), tmp_path)
    with app.app_context():
        session = get_session()
        demo.load(session)
        build_generated(session, random.Random(15))
        session.commit()
    yield app
    app.extensions["consult.engine"].dispose()


def shape(blocks) -> list:
    """What a reader sees of blocks: who, which reaction, and per row the points (with their
    sender), the answers (with their destinations), and where a reaction starts."""
    return [
        (b.reaction.id, b.stakeholder.id, [
            ([(p.point.id, p.sender.id) for p in row.points],
             [(a.response.id, a.destinations) for a in row.answers],
             row.first_of_reaction)
            for row in b.rows])
        for b in blocks
    ]


def paged(session, consultation, filters=None) -> tuple[list, int]:
    """All blocks, page after page, and the number of pages."""
    blocks, after, pages = [], None, 0
    while True:
        page = table_pages.table_page(session, consultation, filters, after)
        pages += 1
        assert pages < 1000
        blocks += page.blocks
        assert page.after == after
        if page.next_after is None:
            return blocks, pages
        assert page.blocks, "a page in the middle is never empty"
        assert sum(len(r.points) for b in page.blocks for r in b.rows) < \
            table_pages.PAGE_POINTS + 40 or len(page.blocks) == 1
        after = page.next_after


def filter_cases(session, consultation) -> list[reports.Filters]:
    """One filter of each kind, with values that match something and values that do not."""
    table = reports.answered_table(session, consultation)
    subregions = {table.roots[p.sender.id].id for p in table.points}
    not_top = session.exec(select(Stakeholder.id).where(Stakeholder.parent_id.is_not(None))
                           ).first()
    destinations = session.exec(select(Destination.id).where(
        Destination.consultation_id == consultation.id)).all()
    foreign = session.exec(select(Destination.id).where(
        Destination.consultation_id != consultation.id)).first()
    kinds = ("municipality", "council", "advisory_board", "joint_group", "council_faction",
             "care_provider")
    cases = [reports.Filters(kind=k) for k in kinds]
    cases += [reports.Filters(subregion=s) for s in sorted(subregions)]
    cases += [reports.Filters(subregion=not_top), reports.Filters(subregion=999_999)]
    cases += [reports.Filters(status=s) for s in ("open", "proposed", "adopted", "done",
                                                  "not_adopted")]
    cases += [reports.Filters(destination=d) for d in destinations]
    cases += [reports.Filters(destination=foreign), reports.Filters(destination=999_999)]
    cases += [reports.Filters(kind="council", status="adopted"),
              reports.Filters(subregion=min(subregions), destination=destinations[0])]
    return cases


def _consultation(session, slug):
    return session.exec(select(Consultation).where(Consultation.slug == slug)).one()


@pytest.mark.parametrize("slug", [SLUG, GENERATED])
def test_pages_together_are_the_whole_table(tables_app, slug):
    with tables_app.app_context():
        session = get_session()
        consultation = _consultation(session, slug)
        whole = reports.answered_table(session, consultation)
        blocks, pages = paged(session, consultation)
        assert shape(blocks) == shape(whole.blocks)
        assert sum(len(r.points) for b in blocks for r in b.rows) == len(whole.points)
        if slug == GENERATED:
            assert pages >= 4 and len(whole.points) > 500
        assert shape(table_pages.iter_blocks(session, consultation)) == shape(whole.blocks)


@pytest.mark.parametrize("slug", [SLUG, GENERATED])
def test_each_filter_gives_the_rows_of_the_old_filter(tables_app, slug):
    with tables_app.app_context():
        session = get_session()
        consultation = _consultation(session, slug)
        matched = 0
        for filters in filter_cases(session, consultation):
            expected = reports.answered_table(session, consultation, filters)
            blocks, _pages = paged(session, consultation, filters)
            assert shape(blocks) == shape(expected.blocks), filters
            matched += bool(expected.blocks)
        assert matched >= 10


@pytest.mark.parametrize("slug", [SLUG, GENERATED])
def test_subregion_choices_and_public_figures_are_the_old_ones(tables_app, slug):
    with tables_app.app_context():
        session = get_session()
        consultation = _consultation(session, slug)
        old = reports.answered_table(session, consultation)
        assert [s.id for s in table_pages.subregions(session, consultation)] == \
            [s.id for s in old.subregions]
        d = old_figures(session, consultation)
        figures = dashboards.summary(session, consultation)
        assert (figures.answered, figures.total) == (d["answered"], d["total"])
        assert [(s.label, s.total) for s in figures.by_destination] == \
            [(label, sum(parts)) for label, _args, parts in d["by_destination"]]
        assert figures.by_destination and figures.answered < figures.total


def test_a_cursor_of_another_consultation_gives_an_empty_page(tables_app):
    with tables_app.app_context():
        session = get_session()
        demo, generated = _consultation(session, SLUG), _consultation(session, GENERATED)
        foreign = table_pages.table_page(session, generated).next_after
        assert table_pages.table_page(session, demo, after=foreign).blocks == []
        assert table_pages.table_page(session, demo, after=2_000_000_000).blocks == []


# --- the pages ------------------------------------------------------------------------------


def _follow(client, url: str, hx: bool) -> tuple[list[str], int]:
    """The point lines of a table page and of every further page its sentinel loads (as
    htmx does, or through the plain link), and the number of requests."""
    headers = {"HX-Request": "true", "HX-Target": "meer-reacties"} if hx else {}
    html = client.get(url).get_data(as_text=True)
    lines, requests = [], 1
    while True:
        lines += re.findall(r'<div class="point-line">(.*?)</div></div>', html, re.S)
        more = re.search(r'id="meer-reacties"[^>]*hx-get="([^"]+)"', html)
        link = re.search(r'<a class="next-page" href="([^"]+)"', html)
        if not more:
            assert not link
            return lines, requests
        assert link and link.group(1) == more.group(1)
        assert 'hx-trigger="revealed"' in html and 'hx-swap="outerHTML"' in html
        html = client.get(more.group(1).replace("&amp;", "&"), headers=headers).get_data(
            as_text=True)
        requests += 1
        if hx:
            assert "<html" not in html and "<thead" not in html


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain-link"])
def test_the_table_page_loads_more_on_scroll_and_by_link(tables_app, hx):
    secretary = Actor(tables_app.test_client(), "secretary")
    lines, requests = _follow(secretary.client, f"/consultaties/{GENERATED}/tabel", hx)
    with tables_app.app_context():
        session = get_session()
        whole = reports.answered_table(session, _consultation(session, GENERATED))
    assert len(lines) == len(whole.points) and requests >= 4
    assert [re.sub(r"<[^>]+>", "", line).split(". ", 1)[1] for line in lines] == [
        p.point.body for p in whole.points]
    # A filter travels along to the next pages.
    open_lines, _ = _follow(secretary.client,
                            f"/consultaties/{GENERATED}/tabel?status=open&soort=council", hx)
    with tables_app.app_context():
        session = get_session()
        expected = reports.answered_table(session, _consultation(session, GENERATED),
                                          reports.Filters(kind="council", status="open"))
    assert len(open_lines) == len(expected.points) > 0


def test_the_public_page_shows_a_page_and_loads_the_rest(tables_app):
    client = tables_app.test_client()
    first = client.get(f"/consultaties/{GENERATED}/openbaar").get_data(as_text=True)
    shown = first.count('class="point-line"')
    assert 0 < shown < table_pages.PAGE_POINTS + 40
    lines, _requests = _follow(client, f"/consultaties/{GENERATED}/openbaar", True)
    with tables_app.app_context():
        session = get_session()
        consultation = _consultation(session, GENERATED)
        whole = reports.answered_table(session, consultation)
        d = old_figures(session, consultation)
    assert len(lines) == len(whole.points)
    assert f"{d['answered']} / {d['total']}" in first
