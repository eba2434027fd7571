"""Select all on a 10,000-point consultation (issue 17): the page stays paged and quick, and a
bulk action on all of it with its undo takes seconds, not minutes (~8 s of CPU each on this
machine, bench/bulk_bench.py; the limits leave room for a shared, loaded machine)."""

import random
import re

import sqlalchemy as sa

from bench import scale_data

from .conftest import time_limit

SLUG = "tienduizend-punten"
POINTS = 10_000


def test_select_all_of_10000_points_routes_and_undoes_in_seconds(demo_app, as_role):
    engine = demo_app.extensions["consult.engine"]
    cid = scale_data.add_consultation(engine, POINTS, random.Random(17), slug=SLUG)
    with engine.connect() as conn:
        destination = conn.execute(sa.text(
            "SELECT min(id) FROM destination WHERE consultation_id = :c"), {"c": cid}).scalar()
        answered = conn.execute(sa.text(
            "SELECT count(DISTINCT rp.point_id) FROM responsepoint rp JOIN response r "
            "ON r.id = rp.response_id WHERE r.consultation_id = :c AND NOT r.archived "
            "AND r.status <> 'draft'"),  # a bulk action leaves drafts alone
            {"c": cid}).scalar()
    routed_before = _routed(engine, cid, destination)
    admin = as_role("admin")
    url = f"/consultaties/{SLUG}/selectie"
    with time_limit(10, "the selection page of 10,000 points"):
        html = admin.get(url).get_data(as_text=True)
    assert f"{POINTS} punten voldoen" in html.replace(".", "")
    assert len(re.findall(r'name="point_ids"', html)) == 50  # one page, not 10,000 rows

    with time_limit(90, "routing all 10,000 points"):
        response = admin.form_post(url, {"action": "route", "scope": "all",
                                         "destination_id": destination})
    assert response.status_code == 303
    with engine.connect() as conn:
        action_id, audited = conn.execute(sa.text(
            "SELECT max(b.id), (SELECT count(*) FROM auditevent WHERE action = 'bulk_route') "
            "FROM bulkaction b")).one()
    assert _routed(engine, cid, destination) == answered
    assert 0 < audited <= answered
    with time_limit(90, "undoing it"):
        undone = admin.form_post(f"{url}/{action_id}/ongedaan", {})
    assert undone.status_code == 303
    assert "Ongedaan gemaakt" in admin.get(undone.headers["Location"]).get_data(as_text=True)
    assert _routed(engine, cid, destination) == routed_before


def _routed(engine, cid: int, destination: int) -> int:
    """How many points have a live released answer routed to the destination."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(DISTINCT rp.point_id) FROM responsepoint rp JOIN response r "
            "ON r.id = rp.response_id JOIN responsedestination rd ON rd.response_id = r.id "
            "WHERE r.consultation_id = :c AND NOT r.archived AND rd.destination_id = :d "
            "AND r.status <> 'draft'"),
            {"c": cid, "d": destination}).scalar()
