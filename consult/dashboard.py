"""The consultation dashboard in figures: answered and open per municipality or subregion,
routed and done per destination, each status over time, and the first points still open.

Every figure is an SQL aggregate limited to the one consultation (issue 15): the page costs
what it shows, not how many points the consultation or the installation holds. The status
timeline reads light (point, answer) and (answer, version) tuples and sweeps them once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy.orm import aliased
from sqlmodel import Session

from . import labels, revisions
from .db import kept
from .followup import OPEN, STATUS_ORDER, _sender
from .models import (
    Consultation,
    Destination,
    Landing,
    Point,
    Reaction,
    ReactionStatus,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    ResponseVersion,
    Stakeholder,
)

MAX_DAYS = 40
UNANSWERED_SHOWN = 20


@dataclass
class Bar:
    label: str
    url_args: dict
    parts: tuple[int, ...]  # e.g. (answered, open) or (done, to do)

    @property
    def total(self) -> int:
        return sum(self.parts)


@dataclass
class Summary:
    """The figures the public page shows too: points answered of all, and per destination."""
    consultation: Consultation
    total: int
    answered: int
    by_destination: list[Bar]

    @property
    def open(self) -> int:
        return self.total - self.answered


@dataclass
class OpenPoint:
    point: Point
    sender: Stakeholder


@dataclass
class Dashboard(Summary):
    by_stakeholder: list[Bar]
    statuses: list[tuple[str, tuple[int, ...]]]  # (date, points per STATUS_ORDER by then)
    unanswered: list[OpenPoint]  # the first UNANSWERED_SHOWN in table order; ``open`` counts all


def _points(consultation_id: int, *columns) -> sa.Select:
    """SELECT ``columns`` over the live points of one consultation (live point, live
    submitted reaction, live consultation), reached through the consultation's reactions."""
    return (
        sa.select(*columns).select_from(Point)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .where(Reaction.consultation_id == consultation_id, kept(Point.archived),
               kept(Reaction.archived), Reaction.status == ReactionStatus.submitted,
               kept(Consultation.archived))
    )


def _live_answer():
    """The condition on Response for an answer that counts: live and not a draft."""
    return kept(Response.archived) & (Response.status != ResponseStatus.draft)


def _answered():
    """EXISTS: the point (of the outer query) has a live, non-draft answer."""
    return sa.exists().where(
        ResponsePoint.point_id == Point.id, Response.id == ResponsePoint.response_id,
        _live_answer(),
    )


def summary(session: Session, consultation: Consultation) -> Summary:
    """Live points answered of all (2 queries, whatever the size; both kept per figures
    revision). A point counts as answered when a live, non-draft answer covers it, as on every
    other page."""
    total, answered = revisions.memo(consultation, "answered_of_all", lambda: tuple(
        session.execute(_points(consultation.id, sa.func.count(Point.id),
                                sa.func.count(sa.case((_answered(), 1))))).one()))
    return Summary(consultation, total, answered or 0, _destination_bars(session, consultation))


def _destination_bars(session: Session, consultation: Consultation) -> list[Bar]:
    """``by_destination``, kept per figures revision."""
    return revisions.memo(consultation, "by_destination",
                          lambda: by_destination(session, consultation.id))


def routed_by_destination(session: Session, consultation: Consultation) -> dict[int, int]:
    """{top-level destination id: distinct points routed to it or under it} (those with
    none left out), from the dashboard's bars kept per figures revision."""
    return {bar.url_args["destination_id"]: bar.total
            for bar in _destination_bars(session, consultation)}


def by_destination(session: Session, consultation_id: int) -> list[Bar]:
    """Per top-level live destination (in its order) the points routed to it or anything
    under it by a live, non-draft answer, split in done (a live landing at it or under it)
    and to do. Destinations nothing was routed to are left out. One query."""
    tree = (
        sa.select(Destination.id, Destination.id.label("top"))
        .where(Destination.consultation_id == consultation_id, Destination.parent_id.is_(None),
               kept(Destination.archived))
        .cte("tree", recursive=True)
    )
    child = aliased(Destination)
    tree = tree.union_all(
        sa.select(child.id, tree.c.top).join(tree, child.parent_id == tree.c.id)
        .where(kept(child.archived))
    )
    routed = (
        _points(consultation_id, tree.c.top, Point.id.label("point_id"))
        .join(ResponsePoint, ResponsePoint.point_id == Point.id)
        .join(Response, Response.id == ResponsePoint.response_id)
        .join(ResponseDestination, ResponseDestination.response_id == Response.id)
        .join(tree, tree.c.id == ResponseDestination.destination_id)
        .where(_live_answer())
        .distinct().cte("routed")
    )
    # Read from the consultation's destinations: its landings, not every landing of a point.
    landed = (
        sa.select(tree.c.top, Landing.point_id)
        .join(tree, tree.c.id == Landing.destination_id)
        .where(kept(Landing.archived))
        .distinct().cte("landed")
    )
    rows = session.execute(
        sa.select(Destination.id, Destination.title, sa.func.count(),
                  sa.func.count(landed.c.point_id))
        .select_from(routed)
        .join(Destination, Destination.id == routed.c.top)
        .outerjoin(landed, (landed.c.top == routed.c.top)
                   & (landed.c.point_id == routed.c.point_id))
        .group_by(Destination.id, Destination.title, Destination.position)
        .order_by(Destination.position, Destination.id)
    ).all()
    return [Bar(title, {"destination_id": i}, (done, routed - done))
            for i, title, routed, done in rows]


def by_stakeholder(session: Session, consultation_id: int,
                   points: PerPoint | None = None) -> list[Bar]:
    """Answered and open points per top-level stakeholder (a municipality or subregion, with
    everything under it), by name. Two queries: the tallies per sender (taken from
    ``points`` when the caller read them already), and the senders' chains up to their tops
    (a few rows, not the registry)."""
    if points is None:
        tallies = session.execute(
            _points(consultation_id, _sender(), sa.func.count(Point.id),
                    sa.func.count(sa.case((_answered(), 1))))
            .group_by(_sender())
        ).all()
    else:
        tallies = points.tallies()
    senders = _points(consultation_id, _sender()).distinct()
    chain = (
        sa.select(Stakeholder.id, Stakeholder.parent_id, Stakeholder.name)
        .where(Stakeholder.id.in_(senders)).cte("chain", recursive=True)
    )
    parent = aliased(Stakeholder)
    chain = chain.union(
        sa.select(parent.id, parent.parent_id, parent.name)
        .join(chain, parent.id == chain.c.parent_id)
    )
    known = {i: (parent_id, name) for i, parent_id, name in session.execute(sa.select(chain))}

    def top(i: int) -> int:
        while known[i][0] in known:
            i = known[i][0]
        return i

    per_top: dict[int, list[int]] = {}
    for sender, total, answered in tallies:
        tally = per_top.setdefault(top(sender), [0, 0])
        tally[0] += answered
        tally[1] += total - answered
    return [Bar(known[i][1], {"stakeholder_id": i}, tuple(t))
            for i, t in sorted(per_top.items(), key=lambda item: known[item[0]][1])]


def unanswered(session: Session, consultation_id: int,
               limit: int = UNANSWERED_SHOWN) -> list[OpenPoint]:
    """The first ``limit`` live points without an answer, in the order of the table."""
    rows = session.execute(
        _points(consultation_id, Point, Stakeholder)
        .join(Stakeholder, Stakeholder.id == _sender())
        .where(~_answered())
        .order_by(Reaction.position, Reaction.id, Point.position, Point.id)
        .limit(limit)
    ).all()
    return [OpenPoint(point, sender) for point, sender in rows]


def dashboard(session: Session, consultation: Consultation) -> Dashboard:
    """Answered and open per municipality/subregion, routed and done per destination, each
    status over time, and the first points still without an answer: 8 queries, whatever the
    size of the consultation or of the installation.

    The per-point figures come first: the one read of the points they make also gives the
    summary's counts and the destination bars when those are not kept yet (after every
    answer; each read the consultation's points again, 55 and 80 ms on PostgreSQL at 10,000
    points under load)."""
    figures = revisions.memo(consultation, "per_point_figures",
                             lambda: _per_point_figures(session, consultation))
    s = summary(session, consultation)
    return Dashboard(
        s.consultation, s.total, s.answered, s.by_destination, *figures,
        unanswered=unanswered(session, consultation.id) if s.open else [],
    )


def rendered_figures(consultation: Consultation, render: Callable[[], str]) -> Markup:
    """The dashboard's figures as HTML (``render()``: the template's ``figures`` block),
    rendered once per figures revision, language, address and the consultation's own state
    words, and kept (revisions.memo): they are the same for every reader, and rendering a
    10,000-point consultation's charts (a month of days, a bar per stakeholder and destination)
    cost more than reading them. Everything they show comes from figures that only change with
    that revision; the key holds the rest."""
    words = tuple(sorted(labels.own_words().items()))
    key = f"figures_html:{get_locale()}:{consultation.slug}:{words!r}"
    return Markup(revisions.memo(consultation, key, lambda: str(render())))


@dataclass
class PerPoint:
    """Per live point of a consultation: its sender and its live, non-draft answers in table
    order (one query; the dashboard's bars per stakeholder and its timeline both read it)."""

    answers_of: dict[int, list[int]]
    sender_of: dict[int, int]

    def counts(self) -> tuple[int, int]:
        """(points, answered points), as ``summary`` counts them."""
        return len(self.answers_of), sum(1 for a in self.answers_of.values() if a)

    def tallies(self) -> list[tuple[int, int, int]]:
        """(sender id, points, answered points) per sender."""
        per_sender: dict[int, list[int]] = {}
        for point_id, sender in self.sender_of.items():
            tally = per_sender.setdefault(sender, [0, 0])
            tally[0] += 1
            tally[1] += bool(self.answers_of[point_id])
        return [(sender, total, answered) for sender, (total, answered) in per_sender.items()]


def per_point(session: Session, consultation_id: int) -> PerPoint:
    """The consultation's live points with their senders and live answers (see PerPoint)."""
    answers_of: dict[int, list[int]] = {}
    sender_of: dict[int, int] = {}
    for point_id, sender, response_id in session.execute(
        _points(consultation_id, Point.id, _sender(), Response.id)
        .outerjoin(ResponsePoint, ResponsePoint.point_id == Point.id)
        .outerjoin(Response, (Response.id == ResponsePoint.response_id) & _live_answer())
        .order_by(Point.id, Response.position, Response.id)
    ):
        answers = answers_of.setdefault(point_id, [])
        sender_of[point_id] = sender
        if response_id is not None:  # not a point without (or only with draft) answers
            answers.append(response_id)
    return PerPoint(answers_of, sender_of)


def _per_point_figures(session: Session, consultation: Consultation):
    """(bars per stakeholder, status timeline) from one read of the points: after every
    answer both are recounted, and each read every point again (on PostgreSQL at 10,000
    points the tallies' EXISTS per point alone cost ~70 ms). The summary's counts and the
    destination bars, kept under their own names, are taken from the same read when they are
    not kept yet."""
    points = per_point(session, consultation.id)
    revisions.memo(consultation, "answered_of_all", points.counts)
    revisions.memo(consultation, "by_destination",
                   lambda: destination_bars(session, consultation.id, points))
    return (by_stakeholder(session, consultation.id, points),
            status_timeline(session, consultation.id, points=points))


def destination_bars(session: Session, consultation_id: int, points: PerPoint) -> list[Bar]:
    """``by_destination`` (the same bars) from the points already read: three small queries
    (the consultation's destinations, its answers' routes, the landings at its destinations)
    instead of joining every point to its answers again."""
    top_of: dict[int, int] = {}
    shown: dict[int, tuple] = {}  # top id -> (position, id, title)
    rows = session.execute(
        sa.select(Destination.id, Destination.parent_id, Destination.title, Destination.position)
        .where(Destination.consultation_id == consultation_id, kept(Destination.archived))
    ).all()
    parent_of = {i: parent for i, parent, _t, _p in rows}
    for i, parent, title, position in rows:
        if parent is None:
            shown[i] = (position, i, title)
    for i in parent_of:  # the live tree: every ancestor live, up to a live top
        node, seen = i, set()
        while parent_of.get(node) is not None and node not in seen:
            seen.add(node)
            node = parent_of[node]
        if node in shown:
            top_of[i] = node
    tops_of: dict[int, set[int]] = defaultdict(set)
    for response_id, destination_id in session.execute(
        sa.select(ResponseDestination.response_id, ResponseDestination.destination_id)
        .join(Response, Response.id == ResponseDestination.response_id)
        .where(Response.consultation_id == consultation_id, _live_answer())
    ):
        if destination_id in top_of:
            tops_of[response_id].add(top_of[destination_id])
    landed = {(top_of[d], p) for p, d in session.execute(
        sa.select(Landing.point_id, Landing.destination_id)
        .join(Destination, Destination.id == Landing.destination_id)
        .where(Destination.consultation_id == consultation_id, kept(Landing.archived))
    ) if d in top_of}
    routed: Counter = Counter()
    done: Counter = Counter()
    for point_id, answers in points.answers_of.items():
        for top in {t for a in answers for t in tops_of.get(a, ())}:
            routed[top] += 1
            done[top] += (top, point_id) in landed
    return [Bar(shown[t][2], {"destination_id": t}, (done[t], routed[t] - done[t]))
            for t in sorted(routed, key=lambda t: shown[t][:2])]


def _histories(session: Session, consultation_id: int,
               wanted: set[int]) -> dict[int, list[tuple[date, str]]]:
    """Per answer in ``wanted`` (ids): (day, status) of each saved version, in order. The
    first version counts from its decision date; a later one never goes back in time.

    The versions are read by the consultation's live answers (an index on response), not by
    joining every point to its answers again: on PostgreSQL at 10,000 points that join made
    the planner hash all 60k versions (38-63 ms; by consultation ~10 ms)."""
    history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for response_id, version, decided_on, created_at, status in session.execute(
        sa.select(ResponseVersion.response_id, ResponseVersion.version, ResponseVersion.decided_on,
                  ResponseVersion.created_at, ResponseVersion.status)
        .join(Response, Response.id == ResponseVersion.response_id)
        .where(Response.consultation_id == consultation_id, _live_answer())
        .order_by(ResponseVersion.response_id, ResponseVersion.version)
    ):  # the columns only: not every version's text
        if response_id not in wanted:  # an answer to archived points only
            continue
        steps = history[response_id]
        day = decided_on if version == 1 and decided_on else created_at.date()
        if steps and day < steps[-1][0]:
            day = steps[-1][0]
        steps.append((day, status))
    return history


def _picked_days(days: list[date], max_days: int) -> list[date]:
    """At most ``max_days`` of the sorted ``days``, evenly picked, first and last included."""
    if len(days) <= max_days:
        return days
    step = (len(days) - 1) / (max_days - 1)
    return [days[round(i * step)] for i in range(max_days)]


def status_timeline(session: Session, consultation_id: int, max_days: int = MAX_DAYS,
                    points: PerPoint | None = None) -> list[tuple[str, tuple[int, ...]]]:
    """How many live points had each status (STATUS_ORDER) at the end of every day an answer
    was given or changed: replayed from the answers' saved versions, over the points' current
    live, non-draft answers (the last one in table order that had a non-draft status by then
    decides, as on the pages). The last day equals today's statuses. At most ``max_days``
    days, evenly picked, the last always included; [] when nothing was answered.

    Points with the same answers share a group; one sweep over the versions in day order
    changes only the groups of the answer that changed: O(links + versions + days)."""
    answers_of = (points or per_point(session, consultation_id)).answers_of
    wanted = {response_id for answers in answers_of.values() for response_id in answers}
    history = _histories(session, consultation_id, wanted)
    days = _picked_days(sorted({day for steps in history.values() for day, _s in steps}),
                        max_days)
    if not days:
        return []
    return _sweep(history, Counter(tuple(a) for a in answers_of.values()), set(days))


def _group_status(answers: tuple[int, ...], now: dict[int, str]) -> str:
    """A point's status given its answers' statuses now: the last non-draft one decides."""
    status = OPEN
    for response_id in answers:
        then = now.get(response_id)
        if then and then != ResponseStatus.draft:
            status = then
    return status


def _sweep(history: dict[int, list[tuple[date, str]]], groups: Counter,
           days: set[date]) -> list[tuple[str, tuple[int, ...]]]:
    """The tally per STATUS_ORDER at the end of each of ``days``: the versions applied in day
    order, each changing only the groups (points with the same answers) that hold it."""
    index = {s: i for i, s in enumerate(STATUS_ORDER)}
    groups_of: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for group in groups:
        for response_id in group:
            groups_of[response_id].append(group)
    tally = [0] * len(STATUS_ORDER)
    tally[index[OPEN]] = sum(groups.values())
    status_of = dict.fromkeys(groups, OPEN)
    now: dict[int, str] = {}
    events = sorted(((day, response_id, status) for response_id, steps in history.items()
                     for day, status in steps), key=lambda e: e[0])  # stable: versions in order
    timeline = []
    for k, (day, response_id, status) in enumerate(events):
        now[response_id] = status
        for group in groups_of[response_id]:
            new = _group_status(group, now)
            if new != status_of[group]:
                tally[index.get(status_of[group], 0)] -= groups[group]
                tally[index.get(new, 0)] += groups[group]
                status_of[group] = new
        if day in days and (k + 1 == len(events) or events[k + 1][0] != day):
            timeline.append((day.isoformat(), tuple(tally)))
    return timeline
