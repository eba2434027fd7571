"""Follow-up reading: what happened to the points of a stakeholder (or a whole municipality).

A municipality "as a whole" is the stakeholder with everything under it (officials, executive,
council, advisory board: the stakeholders whose parent chain leads to it). A point belongs to
the stakeholder that sent it: in a joint letter that is the point's own sender, not the
letter's.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from . import hierarchy
from .consultations import Answer, _answered_points, _live_reaction, answers_with_routes, kept
from .models import (
    Consultation,
    Destination,
    Landing,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    ResponseVersion,
    Stakeholder,
)
from .processing import destination_path, destination_paths

OPEN = "open"
# Status order on the page and in the chart: what still needs work first.
STATUS_ORDER = (OPEN, ResponseStatus.proposed, ResponseStatus.adopted, ResponseStatus.done,
                ResponseStatus.not_adopted)


@dataclass
class Landed:
    landing: Landing
    destination: str  # its path


@dataclass
class FollowedPoint:
    point: Point
    reaction: Reaction
    consultation: Consultation
    sender: Stakeholder
    answers: list[Answer] = field(default_factory=list)
    landings: list[Landed] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The status of the latest answer, or "open" when there is none."""
        return self.answers[-1].response.status if self.answers else OPEN


@dataclass
class ReactionGroup:
    reaction: Reaction
    sender: Stakeholder
    points: list[FollowedPoint]


@dataclass
class ConsultationGroup:
    consultation: Consultation
    reactions: list[ReactionGroup]


@dataclass
class StakeholderReport:
    stakeholder: Stakeholder
    members: list[Stakeholder]
    points: list[FollowedPoint]
    only_open: bool = False

    @property
    def counts(self) -> list[tuple[str, int]]:
        """Points per status, in STATUS_ORDER (statuses with no points left out)."""
        tally = Counter(p.status for p in self.points)
        return [(s, tally[s]) for s in STATUS_ORDER if tally[s]]

    @property
    def open(self) -> int:
        return sum(1 for p in self.points if p.status == OPEN)

    @property
    def shown(self) -> list[FollowedPoint]:
        return [p for p in self.points if p.status == OPEN] if self.only_open else self.points

    @property
    def groups(self) -> list[ConsultationGroup]:
        """The shown points by consultation, then by reaction (and sender), in table order."""
        out: list[ConsultationGroup] = []
        for p in self.shown:
            if not out or out[-1].consultation.id != p.consultation.id:
                out.append(ConsultationGroup(p.consultation, []))
            reactions = out[-1].reactions
            if not reactions or (reactions[-1].reaction.id, reactions[-1].sender.id) != (
                p.reaction.id, p.sender.id
            ):
                reactions.append(ReactionGroup(p.reaction, p.sender, []))
            reactions[-1].points.append(p)
        return out


def family(session: Session, stakeholder: Stakeholder) -> list[Stakeholder]:
    """The stakeholder and everything under it, the stakeholder first."""
    children: dict[int | None, list[Stakeholder]] = defaultdict(list)
    for s in session.exec(select(Stakeholder).where(Stakeholder.archived == False)):  # noqa: E712
        children[s.parent_id].append(s)
    out, todo = [stakeholder], [stakeholder.id]
    while todo:
        for child in sorted(children.get(todo.pop(0), []), key=lambda s: s.name):
            out.append(child)
            todo.append(child.id)
    return out


def _sender():
    return sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)


def _live():
    """Points everyone may count: live point, live submitted reaction, live consultation."""
    return (Point.archived == sa.false()) & _live_reaction() & (Consultation.archived == sa.false())


def stakeholder_report(
    session: Session,
    stakeholder: Stakeholder,
    visible: Callable[[Consultation], bool],
    whole: bool = True,
    only_open: bool = False,
) -> StakeholderReport:
    """Every point of the stakeholder (with everything under it when ``whole``) in the
    consultations the reader may see, each with its answers and destinations."""
    members = family(session, stakeholder) if whole else [stakeholder]
    by_id = {s.id: s for s in members}
    rows = session.execute(
        sa.select(Point, Reaction, Consultation, _sender())
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .where(_sender().in_(list(by_id)), _live())
        .order_by(Consultation.id, Reaction.position, Reaction.id, Point.position, Point.id)
    ).all()
    points = [
        FollowedPoint(point, reaction, consultation, by_id[sender])
        for point, reaction, consultation, sender in rows
        if visible(consultation)
    ]
    _attach_answers(session, points)
    return StakeholderReport(stakeholder, members, points, only_open)


def _attach_answers(session: Session, points: list[FollowedPoint],
                    paths: dict[int, dict[int, str]] | None = None) -> None:
    """Live, non-draft answers of each point with their destination paths (a few queries;
    ``paths`` per consultation, when the caller has them, saves reading them again)."""
    ids = [p.point.id for p in points]
    if not ids:
        return
    links = session.execute(
        sa.select(ResponsePoint.point_id, ResponsePoint.response_id).where(
            ResponsePoint.point_id.in_(ids)
        )
    ).all()
    response_ids = sorted({r for _p, r in links})
    responses = {
        r.id: r
        for r in session.exec(
            select(Response).where(
                Response.id.in_(response_ids),
                Response.archived == False,  # noqa: E712
                Response.status != ResponseStatus.draft,
            )
        )
    } if response_ids else {}
    paths = {} if paths is None else paths
    answers = answers_with_routes(session, responses.values(), paths)
    answers_of: dict[int, list[Answer]] = defaultdict(list)
    for point_id, response_id in links:
        if response_id in answers:
            answers_of[point_id].append(answers[response_id])
    for p in points:
        p.answers = sorted(answers_of[p.point.id], key=lambda a: (a.response.position,
                                                                  a.response.id))
    landings: dict[int, list[Landing]] = defaultdict(list)
    for landing in session.exec(
        select(Landing).where(Landing.point_id.in_(ids), kept(Landing.archived))
        .order_by(Landing.created_at)
    ):
        landings[landing.point_id].append(landing)
    if landings:
        for p in points:
            if p.consultation.id not in paths:  # a consultation with landings but no answers
                paths[p.consultation.id] = destination_paths(session, p.consultation.id)
            where = paths[p.consultation.id]
            p.landings = [Landed(lg, where.get(lg.destination_id, "")) for lg in
                          landings[p.point.id]]


@dataclass
class StakeholderSummary:
    stakeholder: Stakeholder
    members: list["StakeholderSummary"] = field(default_factory=list)
    points: int = 0
    open: int = 0

    @property
    def total_points(self) -> int:
        return self.points + sum(m.total_points for m in self.members)

    @property
    def total_open(self) -> int:
        return self.open + sum(m.total_open for m in self.members)


def stakeholder_tree(session: Session, visible: Callable[[Consultation], bool]):
    """Top-level stakeholders with everything under them and their (open) point counts, for
    the stakeholders that have points the reader may see."""
    answered = _answered_points()
    counts: Counter = Counter()
    open_counts: Counter = Counter()
    for consultation, sender, total, done in session.execute(
        sa.select(Consultation, _sender(), sa.func.count(Point.id),
                  sa.func.count(answered.c.point_id))
        .select_from(Point)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .outerjoin(answered, answered.c.point_id == Point.id)
        .where(_live())
        .group_by(Consultation.id, _sender())
    ):
        if visible(consultation):
            counts[sender] += total
            open_counts[sender] += total - done
    nodes = {
        s.id: StakeholderSummary(s, points=counts[s.id], open=open_counts[s.id])
        for s in session.exec(select(Stakeholder).where(Stakeholder.archived == False))  # noqa: E712
    }
    roots = []
    for node in sorted(nodes.values(), key=lambda n: n.stakeholder.name):
        parent = nodes.get(node.stakeholder.parent_id)
        (parent.members if parent else roots).append(node)
    return [r for r in roots if r.total_points]


def consultation_points(session: Session, consultation: Consultation,
                        among=None, paths=None) -> list[FollowedPoint]:
    """Every live point of a consultation in the order of the table, with its answers (only
    those whose id is in the subquery `among`, when given). ``paths``: destination paths per
    consultation the caller already has."""
    query = (
        sa.select(Point, Reaction, Consultation, Stakeholder)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .join(Stakeholder, Stakeholder.id == _sender())
        .where(Consultation.id == consultation.id, _live())
        .order_by(Reaction.position, Reaction.id, Point.position, Point.id)
    )
    if among is not None:
        query = query.where(Point.id.in_(among))
    rows = session.execute(query).all()
    points = [FollowedPoint(p, r, c, s) for p, r, c, s in rows]
    _attach_answers(session, points, paths)
    return points


TODO_PAGE = 50  # rows of a destination's to-do list shown at once; more load on scrolling


@dataclass
class DestinationReport:
    """One page of a destination's to-do list (``points``, in table order) and the counts of
    the whole list: ``total`` routed here, ``done`` of them landed here."""

    destination: Destination
    path: str
    points: list[FollowedPoint]
    only_open: bool = False
    ids: set[int] = field(default_factory=set)
    total: int = 0
    done: int = 0
    # The last point shown when more follow: the next page starts after it.
    more_after: int | None = None

    def landing(self, point: FollowedPoint) -> Landed | None:
        """The point's landing at this destination (or one under it)."""
        return next((lg for lg in point.landings if lg.landing.destination_id in self.ids), None)

    @property
    def shown(self) -> list[FollowedPoint]:
        return self.points


def _routed_to(ids: set[int]):
    """Whether the point has a live, non-draft answer that routes it to one of ``ids``."""
    return (
        sa.select(ResponsePoint.point_id)
        .join(Response, Response.id == ResponsePoint.response_id)
        .join(ResponseDestination, ResponseDestination.response_id == Response.id)
        .where(ResponsePoint.point_id == Point.id, kept(Response.archived),
               Response.status != ResponseStatus.draft,
               ResponseDestination.destination_id.in_(sorted(ids)))
        .exists()
    )


def _landed_at(ids: set[int]):
    """Whether the point has a live landing at one of ``ids``."""
    return (
        sa.select(Landing.id)
        .where(Landing.point_id == Point.id, kept(Landing.archived),
               Landing.destination_id.in_(sorted(ids)))
        .exists()
    )


def _table_order():
    return (Reaction.position, Reaction.id, Point.position, Point.id)


def destination_report(session: Session, consultation: Consultation, destination: Destination,
                       only_open: bool = False, after: int | None = None,
                       limit: int = TODO_PAGE, point_id: int | None = None) -> DestinationReport:
    """Everything routed to a destination (or under it): the to-do list of its writer.

    The counts come from one aggregate; the points of one page (``limit`` after point
    ``after`` in table order; the ones still to do when ``only_open``; just ``point_id`` when
    given) with their answers and landings. Nothing is read for the points of other pages."""
    tree = {d.id: d for d in session.exec(
        select(Destination).where(Destination.consultation_id == consultation.id))}
    ids = hierarchy.with_descendants(destination.id, tree.values())
    paths = {consultation.id: {i: destination_path(d, tree) for i, d in tree.items()}}
    routed = ((Consultation.id == consultation.id) & kept(Point.archived) & _live_reaction()
              & kept(Consultation.archived) & _routed_to(ids))
    base = (
        sa.select(Point, Reaction, Consultation, Stakeholder)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .join(Stakeholder, Stakeholder.id == _sender())
    )
    total, done = session.execute(
        base.with_only_columns(sa.func.count(Point.id),
                               sa.func.count(sa.case((_landed_at(ids), Point.id))))
        .where(routed)
    ).one()
    query = base.where(routed).order_by(*_table_order())
    if point_id is not None:
        query = query.where(Point.id == point_id)
    if only_open:
        query = query.where(~_landed_at(ids))
    cursor = session.get(Point, after) if after else None
    if cursor is not None:
        reaction = session.get(Reaction, cursor.reaction_id)
        query = query.where(sa.tuple_(*_table_order()) > sa.tuple_(
            reaction.position, reaction.id, cursor.position, cursor.id))
    rows = session.execute(query.limit(limit + 1)).all()
    points = [FollowedPoint(p, r, c, s) for p, r, c, s in rows[:limit]]
    _attach_answers(session, points, paths)
    return DestinationReport(destination, paths[consultation.id][destination.id], points,
                             only_open, ids, total, done,
                             points[-1].point.id if len(rows) > limit else None)


def land(session: Session, actor, point: Point, destination: Destination, reference: str,
         path: str) -> Landing:
    """Mark a point done at a destination, with where it landed; its thread says so."""
    from .models import Message, MessageKind

    landing = Landing(point_id=point.id, destination_id=destination.id, reference=reference,
                      created_by_id=actor.id if actor else None)
    session.add(landing)
    session.add(Message(point_id=point.id, author_id=actor.id if actor else None,
                        kind=MessageKind.system, event="landed",
                        data={"destination": path, "reference": reference}))
    session.flush()
    return landing


def unland(session: Session, actor, landing: Landing, path: str) -> None:
    """Undo a landing (kept, archived); the thread says so."""
    from .models import Message, MessageKind

    landing.archived = True
    session.add(landing)
    session.add(Message(point_id=landing.point_id, author_id=actor.id if actor else None,
                        kind=MessageKind.system, event="landing_undone",
                        data={"destination": path, "reference": landing.reference}))
    session.flush()


def landings_of(session: Session, point: Point, consultation: Consultation) -> list[Landed]:
    """Where a point landed (live landings, oldest first), with the destinations' paths."""
    found = session.exec(
        select(Landing).where(Landing.point_id == point.id, Landing.archived == False)  # noqa: E712
        .order_by(Landing.created_at)
    ).all()
    if not found:
        return []
    paths = destination_paths(session, consultation.id)
    return [Landed(lg, paths.get(lg.destination_id, "")) for lg in found]


# --- the consultation dashboard ---------------------------------------------------------------


@dataclass
class Bar:
    label: str
    url_args: dict
    parts: tuple[int, ...]  # e.g. (answered, open) or (done, to do)

    @property
    def total(self) -> int:
        return sum(self.parts)


@dataclass
class Dashboard:
    consultation: Consultation
    points: list[FollowedPoint]
    by_stakeholder: list[Bar]
    by_destination: list[Bar]
    statuses: list[tuple[str, tuple[int, ...]]]  # (date, points per STATUS_ORDER by then)

    @property
    def total(self) -> int:
        return len(self.points)

    @property
    def answered(self) -> int:
        return sum(1 for p in self.points if p.answers)

    @property
    def unanswered(self) -> list[FollowedPoint]:
        return [p for p in self.points if not p.answers]


def dashboard(session: Session, consultation: Consultation) -> Dashboard:
    """Answered and open per municipality/subregion, routed and done per destination, each
    status over time, and the points still without an answer."""
    points = consultation_points(session, consultation)
    stakeholders = {s.id: s for s in session.exec(select(Stakeholder))}

    per_root: dict[int, list[int]] = {}
    for p in points:
        tally = per_root.setdefault(hierarchy.root(p.sender, stakeholders).id, [0, 0])
        tally[0 if p.answers else 1] += 1
    by_stakeholder = [
        Bar(stakeholders[i].name, {"stakeholder_id": i}, tuple(t))
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
        Bar(d.title, {"destination_id": d.id},
            (len(done[d.id] & routed[d.id]), len(routed[d.id] - done[d.id])))
        for d in destinations.values() if d.parent_id is None and routed[d.id]
    ]
    return Dashboard(consultation, points, by_stakeholder, by_destination,
                     status_timeline(session, points))


MAX_DAYS = 40


def status_timeline(session: Session, points: list[FollowedPoint],
                    max_days: int = MAX_DAYS) -> list[tuple[str, tuple[int, ...]]]:
    """How many points had each status (STATUS_ORDER) at the end of every day an answer was
    given or changed: replayed from the answers' saved versions, over the points' current
    answers (the last one decides, as on the pages). The last day equals today's statuses.
    At most ``max_days`` days, evenly picked, the last always included."""
    response_ids = sorted({a.response.id for p in points for a in p.answers})
    if not response_ids:
        return []
    history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for response_id, version, decided_on, created_at, status in session.execute(
        sa.select(ResponseVersion.response_id, ResponseVersion.version, ResponseVersion.decided_on,
                  ResponseVersion.created_at, ResponseVersion.status)
        .where(ResponseVersion.response_id.in_(response_ids))
        .order_by(ResponseVersion.response_id, ResponseVersion.version)
    ):  # the columns only: not every version's text
        steps = history[response_id]
        day = decided_on if version == 1 and decided_on else created_at.date()
        if steps and day < steps[-1][0]:
            day = steps[-1][0]  # a later version never goes back in time
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
