"""The second outside attack (after issue 12): other members of each kind of problem.

Each test is what an outsider did and what they noticed; see the report of branch attack12.
"""

import time

import pytest
from sqlmodel import select

from consult import search
from consult.db import get_session
from consult.models import Stakeholder
from consult.registry import merging

from .conftest import Actor, empty_database, indexed_demo

SLUG = "holland-rijnland-jeugdhulp-2016"
UNAVAILABLE = "De zoekindex wordt opnieuw opgebouwd"


# --- the search box: a query nested deeper than the parser can recurse ----------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def search_app(request, tmp_path_factory):
    """The demo, indexed, on each backend."""
    folder = tmp_path_factory.mktemp(f"attack2-search-{request.param}")
    with indexed_demo(empty_database(request.param, folder), folder) as app:
        yield app


DEEP_QUERIES = [
    "(" * 250 + "jeugd" + ")" * 250,
    "(" * 499,
    "-(" * 250,
    "(jeugd " * 160,
    "NOT (" * 100,
]


@pytest.mark.parametrize("query", DEEP_QUERIES, ids=["balanced", "open", "minus-open",
                                                     "word-open", "not-open"])
def test_a_deeply_nested_query_neither_fails_nor_rebuilds_the_index(search_app, query):
    """An anonymous GET with 250 brackets made the query parser exceed Python's recursion
    limit; the search page took that for a damaged index: it answered "being rebuilt" and
    started a full rebuild of the index, so one cheap GET at a time kept search away from
    everyone (and a core busy). Brackets now nest at most 10 deep."""
    visitor = search_app.test_client()
    service = search.service(search_app)
    for path in ("/zoeken", "/zoeken/snel"):
        response = visitor.get(path, query_string={"q": query})
        assert response.status_code == 200
        assert UNAVAILABLE not in response.get_data(as_text=True)
        assert not service.rebuilding, f"{path} started a rebuild of the index"
    # The words inside deep brackets are still looked for.
    found = visitor.get("/zoeken", query_string={"q": "(" * 40 + "privacy" + ")" * 40})
    assert "privacy" in found.get_data(as_text=True).lower()
    assert UNAVAILABLE not in found.get_data(as_text=True)


# --- the public stakeholder page: query arguments of an old link ----------------------------


@pytest.mark.parametrize("query", ["stakeholder_id=1", "_method=POST", "_external=1",
                                   "_scheme=https&_external=1"])
def test_an_old_link_to_a_merged_stakeholder_takes_no_arguments_for_url_building(
        demo_app, query):
    """/indieners/<merged id> redirects to the stakeholder it was merged into, passing the
    query string on as keyword arguments of url_for: ?stakeholder_id=1 answered 500 (a
    keyword given twice), ?_method=POST 500 (BuildError), and ?_external=1 built an absolute
    link from the request's Host header. Only the page's own arguments go along."""
    with demo_app.app_context():
        session = get_session()
        by_name = {s.name: s for s in session.exec(select(Stakeholder))}
        merging.merge(session, None, by_name["Katwijk"], by_name["Lisse"])
        session.commit()
        gone, kept = by_name["Lisse"].id, by_name["Katwijk"].id
    visitor = demo_app.test_client()
    response = visitor.get(f"/indieners/{gone}?status=open&{query}",
                           headers={"Host": "localhost"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/indieners/{kept}?status=open"


# --- stored text rendered on every view: earlier wordings of a point --------------------------


def test_a_point_corrected_many_times_shows_its_versions_within_a_budget(demo_app):
    """Earlier wordings are rendered when the versions page is read (they are not stored as
    HTML), each within text.py's budget: a secretary correcting a point 40 times with 20,000
    brackets made the page cost every reader with an account 40 budgets (2 s of CPU; 60
    corrections: 11 s on a busy machine). The page now has one budget for all of them."""
    from consult.corrections import operations
    from consult.models import Point, User

    with demo_app.app_context():
        session = get_session()
        point_id = session.exec(select(Point.id).order_by(Point.id)).first()
        secretary = session.exec(select(User).where(
            User.email == "secretaris@consult.example")).one()
        for i in range(40):
            point = session.get(Point, point_id)
            operations.correct(session, secretary, point, point.version, number=point.number,
                               heading=point.heading, body="[" * 19_990 + str(i),
                               sender_id=point.stakeholder_id)
            session.commit()
    reader = Actor(demo_app.test_client(), "viewer")
    started = time.thread_time()  # the test client runs the request in this thread
    page = reader.get(f"/consultaties/{SLUG}/punten/{point_id}/versies")
    cpu = time.thread_time() - started
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("[" * 19_990) == 40  # every corrected wording is shown
    assert cpu < 1.0, f"the versions page took {cpu:.1f} s of CPU"
