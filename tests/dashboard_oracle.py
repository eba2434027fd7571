"""The dashboard's figures as they were computed before issue 15, kept as the oracle the new
SQL aggregates and the timeline sweep are compared with (tests/test_dashboard.py).

Copied from consult/followup.py (dashboard, status_timeline) at commit 9601a2f: every point as
an object with its answers and landings, tallied in Python, the timeline replayed days ×
points × answers. Slow at size, but plainly right.
"""

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from sqlmodel import select

from consult import hierarchy
from consult.followup import OPEN, STATUS_ORDER, consultation_points
from consult.models import Destination, ResponseStatus, ResponseVersion, Stakeholder


def old_figures(session, consultation, max_days: int = 40) -> dict:
    """total, answered, by_stakeholder / by_destination as (label, url_args, parts), the
    timeline, and the ids of every unanswered point in table order."""
    points = consultation_points(session, consultation)
    stakeholders = {s.id: s for s in session.exec(select(Stakeholder))}
    per_root: dict[int, list[int]] = {}
    for p in points:
        tally = per_root.setdefault(hierarchy.root(p.sender, stakeholders).id, [0, 0])
        tally[0 if p.answers else 1] += 1
    by_stakeholder = [
        (stakeholders[i].name, {"stakeholder_id": i}, tuple(t))
        for i, t in sorted(per_root.items(), key=lambda item: stakeholders[item[0]].name)
    ]
    destinations = {d.id: d for d in session.exec(
        select(Destination).where(Destination.consultation_id == consultation.id,
                                  Destination.archived == False)  # noqa: E712
        .order_by(Destination.position, Destination.id)
    )}
    top = {i: hierarchy.root(d, destinations).id for i, d in destinations.items()}
    routed: dict[int, set[int]] = defaultdict(set)
    done: dict[int, set[int]] = defaultdict(set)
    for p in points:
        for a in p.answers:
            for d in a.destination_ids:
                if d in top:
                    routed[top[d]].add(p.point.id)
        for lg in p.landings:
            if lg.landing.destination_id in top:
                done[top[lg.landing.destination_id]].add(p.point.id)
    by_destination = [
        (d.title, {"destination_id": d.id},
         (len(done[d.id] & routed[d.id]), len(routed[d.id] - done[d.id])))
        for d in destinations.values() if d.parent_id is None and routed[d.id]
    ]
    return {
        "total": len(points),
        "answered": sum(1 for p in points if p.answers),
        "by_stakeholder": by_stakeholder,
        "by_destination": by_destination,
        "statuses": old_status_timeline(session, points, max_days),
        "unanswered": [p.point.id for p in points if not p.answers],
    }


def old_status_timeline(session, points, max_days: int = 40):
    """The timeline as it was replayed before issue 15 (verbatim)."""
    response_ids = sorted({a.response.id for p in points for a in p.answers})
    if not response_ids:
        return []
    history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for response_id, version, decided_on, created_at, status in session.execute(
        sa.select(ResponseVersion.response_id, ResponseVersion.version, ResponseVersion.decided_on,
                  ResponseVersion.created_at, ResponseVersion.status)
        .where(ResponseVersion.response_id.in_(response_ids))
        .order_by(ResponseVersion.response_id, ResponseVersion.version)
    ):
        steps = history[response_id]
        day = decided_on if version == 1 and decided_on else created_at.date()
        if steps and day < steps[-1][0]:
            day = steps[-1][0]
        steps.append((day, status))
    days = sorted({day for steps in history.values() for day, _s in steps})
    if len(days) > max_days:
        step = (len(days) - 1) / (max_days - 1)
        days = [days[round(i * step)] for i in range(max_days)]

    def status_on(response_id: int, day: date) -> str | None:
        found = None
        for when, status in history.get(response_id, ()):
            if when > day:
                break
            found = status
        return found

    index = {s: i for i, s in enumerate(STATUS_ORDER)}
    timeline = []
    for day in days:
        tally = [0] * len(STATUS_ORDER)
        for p in points:
            status = OPEN
            for a in p.answers:
                then = status_on(a.response.id, day)
                if then and then != ResponseStatus.draft:
                    status = then
            tally[index.get(status, 0)] += 1
        timeline.append((day.isoformat(), tuple(tally)))
    return timeline


def new_figures(session, consultation, max_days: int = 40) -> dict:
    """The same shape from consult.dashboard (the unanswered list: the whole list asked for)."""
    from consult import dashboard

    d = dashboard.dashboard(session, consultation)
    return {
        "total": d.total,
        "answered": d.answered,
        "by_stakeholder": [(b.label, b.url_args, b.parts) for b in d.by_stakeholder],
        "by_destination": [(b.label, b.url_args, b.parts) for b in d.by_destination],
        "statuses": dashboard.status_timeline(session, consultation.id, max_days),
        "unanswered": [p.point.id for p in
                       dashboard.unanswered(session, consultation.id, limit=10**6)],
    }
