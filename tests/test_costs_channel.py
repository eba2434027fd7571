"""The consultation channel, its poll and a destination's to-do list cost what they show, not
what exists (issue 15): the same statements and (SQLite) the same VM steps whether or not a
5,000-point consultation sits beside the demo; no statement binds more than 1,000 parameters;
long lists come in pages that together are the whole list, once each and in order; a poll
after one answer refreshes that reaction's progress only."""

import html as html_lib
import random
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bench import scale_data
from consult import consultations as reading
from consult import followup
from consult.db import get_session
from consult.models import Consultation, Destination, Point, Reaction, Response, utcnow
from tests.costs import statements, vm_steps

SLUG = "holland-rijnland-jeugdhulp-2016"
BIG = "groot-naast-de-demo"


def _engine(app):
    return app.extensions["consult.engine"]


def _url(pattern: str, html: str) -> str:
    return html_lib.unescape(re.search(pattern, html).group(1))


def _poll_url(page: str) -> str:
    """The channel's poll as htmx sends it: the poller's URL plus the hidden "loaded up to"."""
    shown = re.search(r'id="channel-shown" value="(\d*)"', page).group(1)
    return _url(r'hx-get="([^"]+/wijzigingen[^"]+)"', page) + f"&bis={shown}"


def _todo_destination(app, slug: str) -> int:
    """The top destination of the consultation with the most points routed to it."""
    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        tops = session.exec(select(Destination).where(
            Destination.consultation_id == consultation.id,
            Destination.parent_id.is_(None))).all()
        return max(tops, key=lambda d: followup.destination_report(
            session, consultation, d).total).id


def _pages(app, actor, slug: str) -> dict[str, str]:
    """The URLs of the three pages for one consultation, as the pages themselves give them."""
    page = actor.get(f"/consultaties/{slug}").get_data(as_text=True)
    return {
        "channel": f"/consultaties/{slug}",
        # rev=-1: the poll after a change (not the 204 of nothing new)
        "poll": re.sub(r"rev=\d+", "rev=-1", _poll_url(page)),
        "todo": f"/consultaties/{slug}/bestemmingen/{_todo_destination(app, slug)}",
    }


def _cost(app, actor, url: str) -> tuple[int, int, int]:
    """(statements, widest statement's parameters, SQLite VM steps or 0) of one request."""
    assert actor.hx_get(url).status_code == 200  # warm: templates compiled, session known
    sqlite = _engine(app).dialect.name == "sqlite"
    counts = []
    for _ in range(3):  # the fewest of three: the pool's connections differ in what they hold
        with statements(app) as recorded:
            if sqlite:
                with vm_steps(app) as steps:
                    response = actor.hx_get(url) if "wijzigingen" in url else actor.get(url)
                counts.append(steps.count)
            else:
                response = actor.hx_get(url) if "wijzigingen" in url else actor.get(url)
        assert response.status_code == 200
    return len(recorded), recorded.widest, min(counts) if sqlite else 0


@pytest.mark.parametrize("role", [None, "secretary"])
def test_channel_poll_and_todo_cost_the_same_beside_a_5000_point_consultation(demo_app, as_role,
                                                                              role):
    actor = as_role(role)
    _backdate(demo_app)  # as in an installation: nothing changed in the last minute, before
    urls = _pages(demo_app, actor, SLUG)  # and after (the poll refreshes what changed)
    before = {name: _cost(demo_app, actor, url) for name, url in urls.items()}

    scale_data.add_consultation(_engine(demo_app), 5000, random.Random(15), slug=BIG)
    _backdate(demo_app)  # written long ago, as in an installation (not just now: see the poll)
    after = {name: _cost(demo_app, actor, url) for name, url in urls.items()}

    for name in urls:
        (n0, _wide0, steps0), (n1, wide1, steps1) = before[name], after[name]
        assert n1 == n0, (name, n0, n1)
        assert wide1 <= 1000, (name, wide1)
        # +100 (10,000 VM instructions, about a millisecond): the poll varied by 85 between
        # runs with the same seed, not yet explained; the growth this guards against (a query
        # that reads the neighbour's 5,000 points) is thousands (931 -> 2,887 when it did).
        assert steps1 <= steps0 * 1.1 + 100, (name, steps0, steps1)

    # The 5,000-point consultation's own pages: the same statements, no IN list of its points.
    big = _pages(demo_app, actor, BIG)
    for name, url in big.items():
        n, widest, _steps = _cost(demo_app, actor, url)
        assert widest <= 1000, (name, widest)
        assert n <= before[name][0] + 1, (name, before[name][0], n)


def _channel_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="reaction msg" id="reactie-(\d+)">', html)]


def _all_reactions(app, slug: str) -> list[int]:
    """The channel's reactions as the unpaged reading gives them (the old full list)."""
    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        return [row.reaction.id for row in reading.overview(session, consultation).reactions]


@pytest.fixture
def big(demo_app):
    """The demo with a generated consultation of 1,300 points (well over 120 reactions)."""
    scale_data.add_consultation(_engine(demo_app), 1300, random.Random(3), slug=BIG)
    return demo_app


def test_channel_pages_together_are_every_reaction_once_in_order(big, as_role):
    everything = _all_reactions(big, BIG)
    assert len(everything) >= 120
    visitor = as_role(None)
    page = visitor.get(f"/consultaties/{BIG}").get_data(as_text=True)
    seen, pages = _channel_ids(page), 1
    assert len(seen) == reading.PAGE_SIZE
    while 'id="channel-more"' in page:
        assert 'hx-trigger="revealed"' in page
        page = visitor.hx_get(_url(r'id="channel-more" hx-get="([^"]+)"', page)).get_data(
            as_text=True)
        assert len(_channel_ids(page)) <= reading.PAGE_SIZE
        seen += _channel_ids(page)
        pages += 1
    assert seen == everything
    assert pages == -(-len(everything) // reading.PAGE_SIZE)

    # Without JavaScript: the plain link at the end of each page opens the next page.
    page = visitor.get(f"/consultaties/{BIG}").get_data(as_text=True)
    seen = _channel_ids(page)
    while 'id="channel-more"' in page:
        link = _url(r'id="channel-more"[^>]*>\s*<a href="([^"]+)"', page)
        page = visitor.get(link).get_data(as_text=True)
        assert "203 van 204" not in page and 'id="summary"' in page  # a whole page
        seen += _channel_ids(page)
    assert seen == everything


def test_a_reaction_logged_meanwhile_comes_once_through_the_poll_not_in_a_page(big, as_role):
    visitor, secretary = as_role(None), as_role("admin")
    page = visitor.get(f"/consultaties/{BIG}").get_data(as_text=True)
    poll = _poll_url(page)
    with big.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == BIG)).one()
        stakeholder = session.exec(select(Reaction.stakeholder_id).where(
            Reaction.consultation_id == consultation.id)).first()
    logged = secretary.hx_post(f"/consultaties/{BIG}/reacties", data={
        "stakeholder_id": stakeholder, "channel": "email", "title": "Nagekomen",
        "received_on": "2000-01-01", "text": "1. Een punt.\n2. Nog een punt.\n"})
    assert logged.status_code == 201, logged.get_data(as_text=True)
    new = _channel_ids(visitor.hx_get(poll).get_data(as_text=True))
    assert len(new) == 1
    seen = _channel_ids(page)
    while 'id="channel-more"' in page:
        page = visitor.hx_get(_url(r'id="channel-more" hx-get="([^"]+)"', page)).get_data(
            as_text=True)
        seen += _channel_ids(page)
    assert new[0] not in seen  # its received date sorts it first: the pages leave it out
    assert sorted(seen + new) == sorted(_all_reactions(big, BIG))


def _backdate(app, hours: int = 2) -> None:
    """Make every point and answer as old as in a running installation (written hours ago),
    so that only what a test changes counts as changed since the page was read."""
    with _engine(app).begin() as conn:
        then = utcnow() - timedelta(hours=hours)
        for model in (Point, Response):
            conn.execute(sa.update(model.__table__).values(updated_at=then))


def _open_point(app, slug: str, nth: int = 0) -> tuple[int, str]:
    """(reaction id, point number) of an unanswered point in the ``nth`` reaction (channel
    order) that has one."""
    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        found = []
        for row in reading.overview(session, consultation).reactions:
            if row.progress.open:
                detail = reading.reaction_detail(session, consultation, row.reaction.id)
                point = next(p.point for p in detail.points if not p.answers)
                found.append((row.reaction.id, point.number))
        return found[nth]


def _spans(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="reactie-(\d+)-stand" hx-swap-oob', html)]


@pytest.mark.parametrize("slug", [SLUG, BIG])
def test_the_poll_after_one_answer_refreshes_only_that_reaction(big, as_role, slug):
    _backdate(big)
    visitor, admin = as_role(None), as_role("admin")
    page = visitor.get(f"/consultaties/{slug}").get_data(as_text=True)
    reaction_id, number = _open_point(big, slug)
    answered = admin.hx_post(f"/consultaties/{slug}/reacties/{reaction_id}/antwoorden", data={
        "selection": number, "body": "Wordt meegenomen.", "status": "adopted"})
    assert answered.status_code == 200, answered.get_data(as_text=True)
    changed = visitor.hx_get(_poll_url(page))
    assert changed.status_code == 200
    html = changed.get_data(as_text=True)
    assert _spans(html) == [reaction_id]
    assert 'id="summary"' in html


def test_the_poll_leaves_out_reactions_the_page_has_not_loaded(big, as_role):
    _backdate(big)
    visitor, admin = as_role(None), as_role("admin")
    page = visitor.get(f"/consultaties/{BIG}").get_data(as_text=True)
    shown = set(_channel_ids(page))
    reaction_id, number = next(
        (r, n) for r, n in (_open_point(big, BIG, i) for i in range(60, 120)) if r not in shown)
    admin.hx_post(f"/consultaties/{BIG}/reacties/{reaction_id}/antwoorden", data={
        "selection": number, "body": "Wordt meegenomen.", "status": "adopted"})
    html = visitor.hx_get(_poll_url(page)).get_data(as_text=True)
    # (an out-of-band swap without its target is an error in the browser's console)
    assert _spans(html) == []
    # Once the next pages are loaded, the same change is refreshed there.
    while 'id="channel-more"' in page:
        more = visitor.hx_get(_url(r'id="channel-more" hx-get="([^"]+)"', page))
        page = more.get_data(as_text=True)
        loaded = re.search(r'id="channel-shown" value="(\d*)" hx-swap-oob', page).group(1)
    poll = _url(r'hx-get="([^"]+/wijzigingen[^"]+)"', html) + f"&bis={loaded}"
    poll = re.sub(r"rev=\d+", "rev=-1", poll)
    assert reaction_id in _spans(visitor.hx_get(poll).get_data(as_text=True))


def test_todo_pages_together_are_the_whole_list_and_the_counts_are_of_the_whole(big, as_role):
    destination_id = _todo_destination(big, BIG)
    with big.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == BIG)).one()
        whole = followup.destination_report(session, consultation,
                                            session.get(Destination, destination_id),
                                            limit=100_000)
        everything = [p.point.id for p in whole.points]
        still_open = [p.point.id for p in whole.points if not whole.landing(p)]
    assert len(everything) > followup.TODO_PAGE and 0 < len(still_open) < len(everything)
    assert whole.total == len(everything) and whole.done == len(everything) - len(still_open)
    visitor = as_role(None)
    for status, expected in ((None, everything), ("open", still_open)):
        url = f"/consultaties/{BIG}/bestemmingen/{destination_id}"
        page = visitor.get(url + ("?status=open" if status else "")).get_data(as_text=True)
        assert f"{whole.done} / {whole.total}" in page
        assert f"Nog te doen ({len(still_open)})" in page
        seen = [int(i) for i in re.findall(r'<tr id="todo-(\d+)"', page)]
        assert len(seen) == min(followup.TODO_PAGE, len(expected))
        while 'id="todo-more"' in page:
            assert 'hx-trigger="revealed"' in page
            page = visitor.hx_get(_url(r'id="todo-more" hx-get="([^"]+)"', page)).get_data(
                as_text=True)
            rows = [int(i) for i in re.findall(r'<tr id="todo-(\d+)"', page)]
            assert 0 < len(rows) <= followup.TODO_PAGE
            seen += rows
        assert seen == expected, status


def _todo_rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="todo-(\d+)"', page)]


def test_a_todo_page_costs_its_page_not_the_destinations_whole_list(demo_app, as_role):
    """The to-do list of a destination with hundreds of routed points reads its 50 points by
    id: the order and the counts are kept per figures revision, so a page costs about what
    the demo's short list costs (sorting every routed point for each page: 10 ms of SQL and
    9 ms for the counts on PostgreSQL at 999 routed points)."""
    if _engine(demo_app).dialect.name != "sqlite":
        pytest.skip("VM steps are counted on SQLite")
    actor = as_role("secretary")
    scale_data.add_consultation(_engine(demo_app), 5000, random.Random(15), slug=BIG)
    small = _cost(demo_app, actor, _pages(demo_app, actor, SLUG)["todo"])
    url = _pages(demo_app, actor, BIG)["todo"]
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == BIG)).one()
        destination = session.get(Destination, int(url.rsplit("/", 1)[1]))
        routed = followup.destination_report(session, consultation, destination).total
    assert routed > 5 * followup.TODO_PAGE
    big = _cost(demo_app, actor, url)
    assert big[0] <= small[0] + 1, (small, big)
    assert big[2] <= small[2] * 1.5 + 100, (small, big)


def test_the_todo_counts_follow_a_landing_and_the_next_page_follows_a_landed_cursor(big,
                                                                                    as_role):
    """Kept per figures revision, the counts move at once when a point lands; and the page
    after a point that left the open list since (landed by a colleague) starts right after
    it in table order, not at the top."""
    secretary = as_role("secretary")
    destination_id = _todo_destination(big, BIG)
    url = f"/consultaties/{BIG}/bestemmingen/{destination_id}"
    first = secretary.get(url + "?status=open").get_data(as_text=True)
    done, total = map(int, re.search(r"(\d+) / (\d+)", first).groups())
    shown = _todo_rows(first)
    assert len(shown) == followup.TODO_PAGE and 'id="todo-more"' in first
    nxt = _url(r'id="todo-more" hx-get="([^"]+)"', first)
    expected = _todo_rows(secretary.hx_get(nxt).get_data(as_text=True))
    landed = secretary.hx_post(f"{url}/punten/{shown[-1]}/geland",
                               data={"reference": "Inkoopplan, § 2"})
    assert landed.status_code == 200
    again = secretary.get(url + "?status=open").get_data(as_text=True)
    assert f"{done + 1} / {total}" in again and shown[-1] not in _todo_rows(again)
    with statements(big) as recorded:  # found by order, not by an IN list of the whole list
        assert _todo_rows(secretary.hx_get(nxt).get_data(as_text=True)) == expected
    still_open = int(re.search(r"Nog te doen \((\d+)\)", again).group(1))
    assert still_open > 2 * followup.TODO_PAGE + 10
    assert recorded.widest <= 2 * followup.TODO_PAGE < still_open, recorded.widest
    assert secretary.hx_post(f"{url}/punten/{shown[-1]}/niet-geland").status_code == 200
    assert f"{done} / {total}" in secretary.get(url).get_data(as_text=True)


def test_the_poll_of_a_big_consultation_reads_what_changed_not_all_its_points(demo_app, as_role):
    """The poll asks which reactions changed since the page's last poll: through the index on
    the points' and answers' ``updated_at``, not by reading each of the consultation's points
    (SQLite took the latter: 7 ms a poll at 10,000 points)."""
    if _engine(demo_app).dialect.name != "sqlite":
        pytest.skip("VM steps are counted on SQLite")
    actor = as_role("secretary")
    scale_data.add_consultation(_engine(demo_app), 5000, random.Random(15), slug=BIG)
    _backdate(demo_app)
    small = _cost(demo_app, actor, _pages(demo_app, actor, SLUG)["poll"])
    big = _cost(demo_app, actor, _pages(demo_app, actor, BIG)["poll"])
    assert big[0] <= small[0] + 1, (small, big)
    assert big[2] <= small[2] * 1.5 + 100, (small, big)


def _shown_reference(order, upto, loaded, start) -> set[int]:
    """The reactions a page has, as the poll first worked them out (by channel key)."""
    if upto is None:
        return {r.id for r in order}
    keys = {r.id: reading._channel_key(r) for r in order}
    first, last = keys.get(start), keys.get(loaded)
    return {r.id for r in order
            if r.id > upto or ((first is None or keys[r.id] > first)
                               and (last is None or keys[r.id] <= last))}


def test_the_reactions_a_page_has_are_found_by_place_as_by_channel_key():
    """``_shown`` reads the slice of the channel order the page loaded (by place) and the
    reactions logged after it (by id); the same set as comparing every reaction's key."""
    from collections import namedtuple
    from datetime import date, datetime

    Row = namedtuple("Row", "id stakeholder_id received_on created_at position")
    rnd = random.Random(7)
    for _ in range(300):
        n = rnd.randint(0, 40)
        ids = rnd.sample(range(1, 200), n)
        rows = [Row(i, 1, rnd.choice([None, date(2016, 3, rnd.randint(1, 9))]),
                    datetime(2016, 3, rnd.randint(1, 9), 12), rnd.randint(0, 3)) for i in ids]
        order = sorted(rows, key=reading._channel_key)
        places = reading.ChannelPlaces({r.id: k for k, r in enumerate(order)},
                                       sorted(r.id for r in order))
        pick = [None, 0, 999, *ids]
        for _ in range(20):
            upto, loaded, start = rnd.choice(pick), rnd.choice(pick), rnd.choice(pick)
            assert reading._shown(order, places, upto, loaded, start) == _shown_reference(
                order, upto, loaded, start), (upto, loaded, start)
