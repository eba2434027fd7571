"""A stakeholder's page loads the rest of a consultation's points on a click ("More points"):
the next piece starts after the last point shown (keyset), so corrections made between the
clicks (merging, splitting, withdrawing; a point answered under "open" leaves the list as a
withdrawn one does) neither skip a point nor show one twice. Before, ``vanaf`` was an offset
into the list as it was at the click: a merge on the first page hid the first point of the
next (a fresh helper's finding)."""

import re

from sqlmodel import select

from consult.corrections import operations
from consult.db import get_session
from consult.models import Point, Reaction, Stakeholder
from tests.conftest import Actor

ROW = re.compile(r'<tr id="punt-(\d+)"')
MORE = re.compile(r'<p class="more"><a href="([^"]+vanaf=[^"]+)"')


def _walk(actor, first: str, between=None) -> list[int]:
    """The point rows the page shows, clicking "More points" to the end; ``between`` runs
    once, after the first piece (with the ids shown so far)."""
    html = actor.get(first).get_data(as_text=True)
    found: list[int] = []
    for _ in range(100):
        found += [int(i) for i in ROW.findall(html)]
        more = MORE.search(html)
        if not more:
            return found
        if between:
            between(found)
            between = None
        response = actor.hx_get(more.group(1).replace("&amp;", "&"))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
    raise AssertionError("more than 100 pieces")


def _nieuwkoop(app) -> int:
    with app.app_context():  # 42 points in the demo: 40 on the page, 2 on a click
        return get_session().exec(select(Stakeholder.id).where(
            Stakeholder.name == "Nieuwkoop")).one()


def _correct(app, change):
    def between(found):
        with app.app_context():
            session = get_session()
            change(session, session.get(Point, found[0]), found)
            session.commit()
    return between


def _merge(session, point, found):
    other = operations.mergeable_with(session, point)[0]
    assert other.id in found
    operations.merge(session, None, point, point.version, other.id)


def _split(session, point, _found):
    operations.split(session, None, point, point.version, len(point.body) // 2)


def _withdraw(session, point, _found):
    point.archived = True


def _shown_once_each(app, change):
    """Every point that was live before the change and still is, shown once while paging
    across it (a point the change made, on a piece already shown, is the next look's)."""
    reader = Actor(app.test_client(), "councillor")
    url = f"/indieners/{_nieuwkoop(app)}"
    before = _walk(reader, url)
    shown = _walk(reader, url, between=_correct(app, change))
    live = _walk(reader, url)
    assert len(shown) == len(set(shown)), "a point shown twice"
    missing = [p for p in live if p not in shown and p in before]
    assert not missing, f"live points never shown: {missing}"
    return shown, live


def test_a_merge_on_the_first_piece_skips_no_point_of_the_next(demo_app):
    shown, live = _shown_once_each(demo_app, _merge)
    assert len(live) == 41 and len(shown) == 42  # the merged-away point was on the first piece


def test_a_split_on_the_first_piece_shows_no_point_twice(demo_app):
    shown, live = _shown_once_each(demo_app, _split)
    assert len(live) == 43 and len(shown) == 42  # the new half sits on the first piece


def test_a_point_withdrawn_from_the_first_piece_skips_no_point_of_the_next(demo_app):
    _shown_once_each(demo_app, _withdraw)


def test_an_address_of_before_with_only_vanaf_still_numbers_on(demo_app):
    """A link saved before the keyset (``vanaf`` only) still shows the rest by offset."""
    reader = Actor(demo_app.test_client(), "councillor")
    nieuwkoop = _nieuwkoop(demo_app)
    with demo_app.app_context():
        consultation = get_session().exec(select(Reaction.consultation_id)).first()
    html = reader.hx_get(f"/indieners/{nieuwkoop}?consultatie={consultation}&vanaf=40"
                         ).get_data(as_text=True)
    first = _walk(reader, f"/indieners/{nieuwkoop}")
    assert [int(i) for i in ROW.findall(html)] == first[40:]
