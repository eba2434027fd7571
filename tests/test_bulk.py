"""Bulk actions on a selection of points (issue 17): filters, select all or some, set status,
route, apply an answer template, one undo; every point audited; bad input answered in Dutch."""

import re

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from consult.bulk.models import BulkAction
from consult.models import (
    AuditEvent,
    Destination,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    Stakeholder,
)

SLUG = "holland-rijnland-jeugdhulp-2016"
URL = f"/consultaties/{SLUG}/selectie"


@pytest.fixture
def secretary(as_role):
    return as_role("secretary")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _points_of(session, name):
    sender = sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)
    return session.exec(
        select(Point).join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == sender)
        .where(Stakeholder.name == name, Point.archived == False)  # noqa: E712
        .order_by(Reaction.position, Point.position)).all()


def _state(session, point_ids):
    """Per point: (status of latest live answer or None, sorted destination titles)."""
    out = {}
    for pid in point_ids:
        rows = session.exec(
            select(Response).join(ResponsePoint, ResponsePoint.response_id == Response.id)
            .where(ResponsePoint.point_id == pid, Response.archived == False)  # noqa: E712
            .order_by(Response.position, Response.id)).all()
        dests = sorted(session.exec(
            select(Destination.title).join(ResponseDestination,
                                           ResponseDestination.destination_id == Destination.id)
            .where(ResponseDestination.response_id.in_([r.id for r in rows] or [0]))).all())
        out[pid] = (rows[-1].status if rows else None, dests)
    return out


def _destination(session, title):
    return session.exec(select(Destination).where(Destination.title == title)).first()


def test_the_selection_page_filters_and_pages(secretary, session):
    """All 204 points in pages of 50; a sender filter narrows it to that sender's points."""
    page = secretary.get(URL)
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    total = session.exec(select(func.count()).select_from(Point).where(
        Point.archived == False)).one()  # noqa: E712
    assert f"{total} punten voldoen" in text
    assert "Pagina 1 van 5" in text
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    page = secretary.get(f"{URL}?stakeholder={leiden.id}")
    html = page.get_data(as_text=True)
    expected = _points_of(session, "Leiden")
    assert f"{len(expected)} punten voldoen" in _text(html)
    assert set(map(int, re.findall(r'name="point_ids" value="(\d+)"', html))) == {
        p.id for p in expected}


def test_route_all_matching_then_undo_puts_everything_back(secretary, session):
    """Routing every point of one sender to a destination changes their latest answers, writes
    one audit event per point, and one undo puts every answer back as it was."""
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    points = _points_of(session, "Leiden")
    before = _state(session, [p.id for p in points])
    target = _destination(session, "Strategisch overleg jeugd")
    answered = [p for p in points if before[p.id][0]]
    assert answered and any(target.title not in before[p.id][1] for p in answered)
    response = secretary.form_post(URL, {"action": "route", "scope": "all",
                                         "stakeholder": leiden.id, "destination_id": target.id})
    assert response.status_code == 303
    session.expire_all()
    after = _state(session, [p.id for p in points])
    for p in answered:
        assert target.title in after[p.id][1]
    action = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    audited = session.exec(select(AuditEvent).where(AuditEvent.action == "bulk_route")).all()
    moved = {p.id for p in answered if target.title not in before[p.id][1]}
    assert {e.entity_id for e in audited} >= moved
    assert all(target.title in e.after["destinations"][-1] or target.title in " ".join(
        e.after["destinations"]) for e in audited)
    assert all(e.after["bulk_action"] == action.id for e in audited)
    page = secretary.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    undo_url = f"/consultaties/{SLUG}/selectie/{action.id}/ongedaan"
    assert undo_url in html
    undone = secretary.form_post(undo_url, {"next": response.headers["Location"]})
    assert undone.status_code == 303
    session.expire_all()
    assert _state(session, [p.id for p in points]) == before
    again = secretary.form_post(undo_url, {})
    assert "al ongedaan gemaakt" in _text(secretary.get(again.headers["Location"]).get_data(
        as_text=True))
