"""Reading a consultation: the list, the overview with its progress, and one reaction's points."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from . import hierarchy
from .models import (
    Consultation,
    Destination,
    Point,
    Reaction,
    ReactionStatus,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    Stakeholder,
)
from .processing import destination_paths
from .tallies import tallies


def _live_reaction():
    """Reactions everyone may count: submitted and not archived."""
    return (Reaction.archived == False) & (Reaction.status == ReactionStatus.submitted)  # noqa: E712


def _answered_points(consultation_ids=None):
    """Subquery of the ids of points covered by a live, non-draft response.

    ``consultation_ids``: limit it to the answers of these consultations (an iterable of ids,
    or one id); an answer and the points it covers always share their consultation. Without
    it the subquery spans every answer of the installation: pass it wherever the caller serves
    known consultations, so a page costs what it shows (issue 15)."""
    query = (
        select(ResponsePoint.point_id)
        .join(Response, Response.id == ResponsePoint.response_id)
        .where(Response.archived == False, Response.status != ResponseStatus.draft)  # noqa: E712
    )
    if isinstance(consultation_ids, int):
        query = query.where(Response.consultation_id == consultation_ids)
    elif consultation_ids is not None:
        query = query.where(Response.consultation_id.in_(list(consultation_ids)))
    return query.distinct().subquery()


@dataclass
class Progress:
    answered: int = 0
    total: int = 0

    @property
    def open(self) -> int:
        return self.total - self.answered

    @property
    def percent(self) -> int:
        """Answered share, rounded down so that 100 means truly all."""
        return (100 * self.answered // self.total) if self.total else 0


def _progress_by_reaction(session: Session, consultation_id: int) -> dict[int, Progress]:
    """Points and answered points per reaction of one consultation, in one query."""
    answered = _answered_points(consultation_id)
    rows = session.exec(
        select(Point.reaction_id, func.count(Point.id), func.count(answered.c.point_id))
        .join(Reaction, Reaction.id == Point.reaction_id)
        .outerjoin(answered, answered.c.point_id == Point.id)
        .where(Reaction.consultation_id == consultation_id, Point.archived == False)  # noqa: E712
        .where(_live_reaction())
        .group_by(Point.reaction_id)
    )
    return {rid: Progress(answered=a, total=t) for rid, t, a in rows}


@dataclass
class ConsultationRow:
    consultation: Consultation
    reactions: int
    progress: Progress


def list_consultations(session: Session, visible=lambda c: True,
                       include_archived: bool = False) -> list[ConsultationRow]:
    """The consultations the viewer may see, newest first (concepts, not yet opened, on top),
    with counts and progress; archived ones only when asked for."""
    query = select(Consultation).order_by(
        Consultation.opened_on.desc().nulls_first(), Consultation.id.desc())
    if not include_archived:
        query = query.where(Consultation.archived == False)  # noqa: E712
    consultations = [c for c in session.exec(query) if visible(c)]
    # Only what the page shows, and each consultation counted once per revision (tallies).
    counted = tallies(session, consultations)
    return [
        ConsultationRow(c, counted[c.id].reactions,
                        Progress(answered=counted[c.id].points - counted[c.id].open,
                                 total=counted[c.id].points))
        for c in consultations
    ]


def get_consultation(session: Session, slug: str,
                     include_archived: bool = False) -> Consultation | None:
    """A live consultation by its slug (an archived one too when asked for: the admin's)."""
    query = select(Consultation).where(Consultation.slug == slug)
    if not include_archived:
        query = query.where(Consultation.archived == False)  # noqa: E712
    return session.exec(query).first()


@dataclass
class Contributor:
    stakeholder: Stakeholder
    first_number: str


@dataclass
class ReactionRow:
    reaction: Reaction
    stakeholder: Stakeholder
    progress: Progress
    contributors: list[Contributor] = field(default_factory=list)


@dataclass
class StakeholderGroup:
    stakeholder: Stakeholder
    members: list[Stakeholder] = field(default_factory=list)
    progress: Progress = field(default_factory=Progress)


@dataclass
class DestinationShare:
    destination: Destination
    points: int


@dataclass
class Overview:
    consultation: Consultation
    reactions: list[ReactionRow]
    groups: list[StakeholderGroup]
    progress: Progress
    destinations: list[DestinationShare]

    @property
    def max_destination_points(self) -> int:
        return max((d.points for d in self.destinations), default=0)

    @property
    def last_reaction_id(self) -> int:
        return max((r.reaction.id for r in self.reactions), default=0)


def overview(session: Session, consultation: Consultation) -> Overview:
    """Everything the consultation page shows, in a handful of queries."""
    reactions = session.exec(
        select(Reaction, Stakeholder)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Reaction.consultation_id == consultation.id, _live_reaction())
        .order_by(Reaction.position, Reaction.id)
    ).all()
    # A channel reads in time order: when it was received, else when it was logged.
    reactions = sorted(
        reactions, key=lambda rs: (rs[0].received_on or rs[0].created_at.date(), rs[0].position)
    )
    progress = _progress_by_reaction(session, consultation.id)
    rows = [ReactionRow(r, s, progress.get(r.id, Progress())) for r, s in reactions]

    # Group reacting stakeholders under their top-level stakeholder (municipality, subregion).
    stakeholders = {s.id: s for s in session.exec(select(Stakeholder))}
    _add_contributors(session, consultation.id, rows, stakeholders)

    groups: dict[int, StakeholderGroup] = {}
    total = Progress()
    for row in rows:
        top = hierarchy.root(row.stakeholder, stakeholders)
        group = groups.setdefault(top.id, StakeholderGroup(top))
        if row.stakeholder not in group.members:
            group.members.append(row.stakeholder)
        group.progress.answered += row.progress.answered
        group.progress.total += row.progress.total
        total.answered += row.progress.answered
        total.total += row.progress.total

    return Overview(
        consultation=consultation,
        reactions=rows,
        groups=list(groups.values()),
        progress=total,
        destinations=_destination_shares(session, consultation.id),
    )


def _add_contributors(session, consultation_id, rows, stakeholders) -> None:
    """Senders of points inside another's reaction (a joint letter), with their first point."""
    by_reaction = {row.reaction.id: row for row in rows}
    senders = session.exec(
        select(Point.reaction_id, Point.stakeholder_id, Point.number)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(
            Reaction.consultation_id == consultation_id,
            Point.stakeholder_id.is_not(None),
            Point.archived == False,  # noqa: E712
            _live_reaction(),
        )
        .order_by(Point.reaction_id, Point.position)
    )
    for reaction_id, stakeholder_id, number in senders:
        row = by_reaction.get(reaction_id)
        if row is None or stakeholder_id == row.stakeholder.id:
            continue
        if all(c.stakeholder.id != stakeholder_id for c in row.contributors):
            row.contributors.append(Contributor(stakeholders[stakeholder_id], number))


def _destination_shares(session: Session, consultation_id: int) -> list[DestinationShare]:
    """Distinct points routed to each top-level destination (children roll up), in tree order."""
    destinations = {
        d.id: d
        for d in session.exec(
            select(Destination)
            .where(Destination.consultation_id == consultation_id, Destination.archived == False)  # noqa: E712
            .order_by(Destination.position)
        )
    }

    pairs = session.exec(
        select(ResponseDestination.destination_id, ResponsePoint.point_id)
        .join(ResponsePoint, ResponsePoint.response_id == ResponseDestination.response_id)
        .join(Response, Response.id == ResponseDestination.response_id)
        .join(Point, Point.id == ResponsePoint.point_id)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(Response.consultation_id == consultation_id, Response.archived == False)  # noqa: E712
        .where(Point.archived == False, _live_reaction())  # noqa: E712
        .distinct()
    )
    points: dict[int, set[int]] = defaultdict(set)
    for destination_id, point_id in pairs:
        if destination_id in destinations:
            points[hierarchy.root(destinations[destination_id], destinations).id].add(point_id)
    tops = [d for d in destinations.values() if d.parent_id is None]
    return [DestinationShare(d, len(points[d.id])) for d in tops]


@dataclass
class Answer:
    """A live answer to a point, with the paths of the destinations it routed the point to
    (and their ids)."""

    response: Response
    destinations: list[str]
    destination_ids: list[int] = field(default_factory=list)


def answers_with_routes(session: Session, responses,
                        paths: dict[int, dict[int, str]] | None = None) -> dict[int, Answer]:
    """Each response as an Answer: the paths of the destinations it routed its points to (in
    its own consultation, live ones only), sorted. One query for the routes; the paths once
    per consultation (kept in ``paths``, by consultation id, for the caller to reuse)."""
    responses = list(responses)
    routed: dict[int, list[int]] = defaultdict(list)
    if responses:
        for response_id, destination_id in session.execute(
            select(ResponseDestination.response_id, ResponseDestination.destination_id)
            .where(ResponseDestination.response_id.in_([r.id for r in responses]))
        ):
            routed[response_id].append(destination_id)
    paths = {} if paths is None else paths
    found = {}
    for r in responses:
        if r.consultation_id not in paths:
            paths[r.consultation_id] = destination_paths(session, r.consultation_id)
        where = paths[r.consultation_id]
        ids = [d for d in routed[r.id] if d in where]
        found[r.id] = Answer(r, sorted(where[d] for d in ids), ids)
    return found


@dataclass
class PointRow:
    point: Point
    sender: Stakeholder | None
    answers: list[Answer]


@dataclass
class ReactionDetail:
    reaction: Reaction
    stakeholder: Stakeholder
    points: list[PointRow]
    reaction_answers: list[Answer]
    progress: Progress


def reaction_detail(
    session: Session, consultation: Consultation, reaction_id: int, include_archived: bool = False,
    point_id: int | None = None, drafts: bool = False,
):
    """One reaction with its points, each with its answers and their destinations; or None.

    Access (draft reactions, archived reactions) is the caller's to check; archived points are
    left out unless asked for, draft answers unless ``drafts`` (the secretariat's view). With
    ``point_id`` only that point's row is read (a thread shows one; the progress then counts
    that point alone).
    """
    found = session.exec(
        select(Reaction, Stakeholder)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Reaction.id == reaction_id, Reaction.consultation_id == consultation.id)
    ).first()
    if found is None:
        return None
    reaction, stakeholder = found
    query = select(Point).where(Point.reaction_id == reaction.id)
    if not include_archived:
        query = query.where(Point.archived == False)  # noqa: E712
    if point_id is not None:
        query = query.where(Point.id == point_id)
    points = session.exec(query.order_by(Point.position, Point.id)).all()
    point_ids = [p.id for p in points]

    live = Response.archived == False  # noqa: E712
    if not drafts:
        live = live & (Response.status != ResponseStatus.draft)
    responses = session.exec(
        select(Response)
        .where(live)
        .where(
            (Response.reaction_id == reaction.id)
            | Response.id.in_(
                select(ResponsePoint.response_id).where(ResponsePoint.point_id.in_(point_ids))
            )
        )
        .order_by(Response.position, Response.id)
    ).all()
    response_ids = [r.id for r in responses]
    links = session.exec(
        select(ResponsePoint).where(ResponsePoint.response_id.in_(response_ids))
    ).all()
    answers = answers_with_routes(session, responses)

    answers_of_point: dict[int, list[Answer]] = defaultdict(list)
    covered: set[int] = set()
    for link in links:
        covered.add(link.response_id)
        answers_of_point[link.point_id].append(answers[link.response_id])

    sender_ids = {p.stakeholder_id for p in points if p.stakeholder_id}
    senders = (
        {s.id: s for s in session.exec(select(Stakeholder).where(Stakeholder.id.in_(sender_ids)))}
        if sender_ids
        else {}
    )
    rows = [
        PointRow(
            p,
            senders.get(p.stakeholder_id),
            sorted(answers_of_point[p.id], key=lambda a: a.response.position),
        )
        for p in points
    ]
    answered = sum(
        1 for row in rows if any(a.response.status != ResponseStatus.draft for a in row.answers)
    )
    return ReactionDetail(
        reaction=reaction,
        stakeholder=stakeholder,
        points=rows,
        reaction_answers=[a for rid, a in answers.items() if rid not in covered],
        progress=Progress(answered=answered, total=len(rows)),
    )
