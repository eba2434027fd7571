"""Reading a consultation: the list, the overview with its progress, and one reaction's points."""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import case, func, union
from sqlmodel import Session, select

from . import hierarchy, revisions
from .db import kept, unindexed
from .models import (
    AuditEvent,
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
    utcnow,
)
from .processing import destination_paths
from .tallies import tallies


def _live_reaction():
    """Reactions everyone may count: submitted and not archived."""
    return kept(Reaction.archived) & (Reaction.status == ReactionStatus.submitted)


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


def _answered(point=Point):
    """Whether ``point`` is covered by a live, non-draft response (an EXISTS probe through the
    answer links' point index: it reads that point's answers, nothing else)."""
    return (
        select(ResponsePoint.point_id)
        .join(Response, Response.id == ResponsePoint.response_id)
        .where(ResponsePoint.point_id == point.id, kept(Response.archived),
               Response.status != ResponseStatus.draft)
        .exists()
    )


def _progress_by_reaction(session: Session, consultation_id: int,
                          reaction_ids: list[int] | None = None) -> dict[int, Progress]:
    """Points and answered points per reaction of one consultation (of the reactions in
    ``reaction_ids`` only, when given), in one aggregate over that consultation's points."""
    query = (
        select(Point.reaction_id, func.count(Point.id),
               func.count(case((_answered(), Point.id))))
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(Reaction.consultation_id == consultation_id, kept(Point.archived))
        .where(_live_reaction())
        .group_by(Point.reaction_id)
    )
    if reaction_ids is not None:
        query = query.where(Point.reaction_id.in_(reaction_ids))
    return {rid: Progress(answered=a, total=t) for rid, t, a in session.exec(query)}


@dataclass
class ConsultationRow:
    consultation: Consultation
    reactions: int
    progress: Progress


def list_consultations(session: Session, visible=lambda c: True,
                       include_archived: bool = False) -> list[ConsultationRow]:
    """The consultations the viewer may see, newest first (concepts, not yet opened, on top),
    with counts and progress; archived ones only when asked for."""
    return _rows_of(session, _listed(session, visible, include_archived))


def consultation_cards(session: Session, visible, include_archived: bool,
                       render: Callable[[list[ConsultationRow]], str]) -> Markup:
    """The home page's cards as HTML: ``render(rows)`` of ``list_consultations``, rendered
    once per process for each combination of what they show (revisions.remember): the
    listed consultations, each at its figures revision (raised by every write to it or
    under it but a thread message, which no card shows; with its ``updated_at`` in the key,
    the first reader after every message rendered them again), and the language. Twenty
    cards cost four times the rest of the page to render. "" when the reader may see none."""
    consultations = _listed(session, visible, include_archived)
    if not consultations:
        return Markup("")
    key = ("consultation_cards", str(get_locale()),
           tuple((c.id, c.figures_revision, c.created_at) for c in consultations))
    return revisions.kept_html(key, lambda: render(_rows_of(session, consultations)))


def _listed(session: Session, visible, include_archived: bool) -> list[Consultation]:
    query = select(Consultation).order_by(
        Consultation.opened_on.desc().nulls_first(), Consultation.id.desc())
    if not include_archived:
        query = query.where(Consultation.archived == False)  # noqa: E712
    return [c for c in session.exec(query) if visible(c)]


def _rows_of(session: Session, consultations: list[Consultation]) -> list[ConsultationRow]:
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


PAGE_SIZE = 20  # reactions the channel shows at once (the demo has 17); more load on scrolling
# A write stamps ``updated_at`` before it commits: a poll looks this far back for changes, so
# a request still running when the page was read is not missed (requests end well within it).
CHANGE_MARGIN = timedelta(seconds=60)
# What makes an older reaction live (audit actions: portal.submit, processing.set_archived).
BECAME_LIVE = ("submit", "restore")


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
    # The newest live reaction's id, shown or not: the poll asks for what came after it.
    last_reaction_id: int = 0
    # The last reaction shown when more follow in the channel: the next page starts after it.
    more_after: int | None = None
    # The reactions (id -> progress) a poll refreshes: their points or answers changed.
    changed: dict[int, Progress] = field(default_factory=dict)
    # Unix seconds: the next poll refreshes what changed from then on (CHANGE_MARGIN).
    changes_from: int = 0

    @property
    def max_destination_points(self) -> int:
        return max((d.points for d in self.destinations), default=0)


def _channel_key(row) -> tuple:
    """A channel reads in time order: when it was received, else when it was logged."""
    return (row.received_on or row.created_at.date(), row.position, row.id)


def _channel_order(session: Session, consultation_id: int) -> list:
    """Every live reaction of the consultation as a row (id, stakeholder_id, received_on,
    created_at, position), in channel order: a few columns each, no objects."""
    rows = session.execute(
        select(Reaction.id, Reaction.stakeholder_id, Reaction.received_on, Reaction.created_at,
               Reaction.position)
        .where(Reaction.consultation_id == consultation_id, _live_reaction())
    ).all()
    return sorted(rows, key=_channel_key)


def _page(session: Session, order: list, after: int | None, upto: int | None,
          limit: int) -> tuple[list[int], int | None]:
    """The ids of one page of the channel (``limit`` reactions after reaction ``after``, none
    newer than ``upto``) and the id the next page starts after (None on the last page).

    The cursor is the reaction's place in the channel, so a page follows on exactly even when
    the cursor reaction was withdrawn meanwhile."""
    if upto is not None:
        order = [r for r in order if r.id <= upto]
    start = 0
    if after is not None:
        cursor = next((r for r in order if r.id == after), None) or session.get(Reaction, after)
        if cursor is not None:
            start = bisect_right([_channel_key(r) for r in order], _channel_key(cursor))
    ids = [r.id for r in order[start:start + limit]]
    return ids, (ids[-1] if ids and start + limit < len(order) else None)


def _stakeholders(session: Session, consultation_id: int,
                  extra: set[int]) -> dict[int, Stakeholder]:
    """The senders of the consultation's live reactions with every stakeholder above them
    (one recursive query), and the stakeholders in ``extra``; by id."""
    up = (
        select(Reaction.stakeholder_id.label("id"))
        .where(Reaction.consultation_id == consultation_id, _live_reaction())
        .cte("up", recursive=True)
    )
    up = up.union(
        select(Stakeholder.parent_id).join(up, Stakeholder.id == up.c.id)
        .where(Stakeholder.parent_id.is_not(None))
    )
    wanted = Stakeholder.id.in_(select(up.c.id))
    if extra:
        wanted = wanted | Stakeholder.id.in_(sorted(extra))
    return {s.id: s for s in session.exec(select(Stakeholder).where(wanted))}


def _groups(order: list, progress: dict[int, Progress],
            stakeholders: dict[int, Stakeholder]) -> tuple[list[StakeholderGroup], Progress]:
    """Reacting stakeholders under their top-level stakeholder (municipality, subregion), in
    order of first reaction, with their progress; and the progress of the whole."""
    groups: dict[int, StakeholderGroup] = {}
    members: set[int] = set()
    total = Progress()
    for row in order:
        sender = stakeholders[row.stakeholder_id]
        group = groups.setdefault(hierarchy.root(sender, stakeholders).id,
                                  StakeholderGroup(hierarchy.root(sender, stakeholders)))
        if sender.id not in members:
            members.add(sender.id)
            group.members.append(sender)
        found = progress.get(row.id)
        if found:
            group.progress.answered += found.answered
            group.progress.total += found.total
            total.answered += found.answered
            total.total += found.total
    return list(groups.values()), total


def _memo_groups(consultation: Consultation, order: list, progress: dict[int, Progress],
                 stakeholders: dict[int, Stakeholder]) -> tuple[list[StakeholderGroup], Progress]:
    """``_groups``, worked out once per figures revision (revisions.memo) as ids and counts
    and given this request's stakeholders: the walk over every reaction and up its sender's
    tree cost 5-8 ms a channel page at 1,000 reactions. The stakeholders' tree is part of the
    figures (a change in the registry raises every consultation's figures revision)."""
    def plain():
        groups, total = _groups(order, progress, stakeholders)
        return ([(g.stakeholder.id, [m.id for m in g.members], g.progress.answered,
                  g.progress.total) for g in groups], (total.answered, total.total))

    groups, (answered, total) = revisions.memo(consultation, "channel_groups", plain)
    if any(top not in stakeholders or not stakeholders.keys() >= set(members)
           for top, members, _a, _t in groups):
        # A registry change committed between reading the consultation's revision and its
        # stakeholders (the reads share no snapshot): the kept groups name a top that is
        # gone; this request works them out from the stakeholders it read.
        return _groups(order, progress, stakeholders)
    return ([StakeholderGroup(stakeholders[top], [stakeholders[m] for m in members],
                              Progress(answered=a, total=t))
             for top, members, a, t in groups], Progress(answered=answered, total=total))


def _rows(session: Session, scope, order_ids: list[int] | None, progress: dict[int, Progress],
          stakeholders: dict[int, Stakeholder]) -> list[ReactionRow]:
    """The reactions in ``scope`` (a condition on Reaction) as channel rows, with the other
    senders of their points; in ``order_ids`` order, else in channel order."""
    reactions = session.exec(select(Reaction).where(scope, _live_reaction())).all()
    if order_ids is None:
        reactions.sort(key=_channel_key)
    else:
        place = {rid: i for i, rid in enumerate(order_ids)}
        reactions.sort(key=lambda r: place[r.id])
    rows = [ReactionRow(r, stakeholders[r.stakeholder_id], progress.get(r.id, Progress()))
            for r in reactions]
    _add_contributors(session, scope, rows, stakeholders)
    return rows


def _contributor_ids(session: Session, scope) -> list[tuple[int, int, str]]:
    """(reaction id, sender id, number) of points in the reactions in ``scope`` that carry an
    own sender (a joint letter), in point order."""
    return session.execute(
        select(Point.reaction_id, Point.stakeholder_id, Point.number)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(scope, _live_reaction(), Point.stakeholder_id.is_not(None),
               kept(Point.archived))
        .order_by(Point.reaction_id, Point.position)
    ).all()


def _add_contributors(session, scope, rows, stakeholders) -> None:
    """Senders of points inside another's reaction (a joint letter), with their first point;
    the senders not yet in ``stakeholders`` are read (and added) in one query."""
    senders = _contributor_ids(session, scope)
    missing = {s for _r, s, _n in senders} - stakeholders.keys()
    if missing:
        stakeholders.update({s.id: s for s in session.exec(
            select(Stakeholder).where(Stakeholder.id.in_(sorted(missing))))})
    by_reaction = {row.reaction.id: row for row in rows}
    listed: dict[int, set[int]] = defaultdict(set)  # per reaction: its contributors' ids
    for reaction_id, stakeholder_id, number in senders:
        row = by_reaction.get(reaction_id)
        if row is None or stakeholder_id == row.stakeholder.id:
            continue
        if stakeholder_id not in listed[reaction_id]:
            listed[reaction_id].add(stakeholder_id)
            row.contributors.append(Contributor(stakeholders[stakeholder_id], number))


def _changes_from() -> int:
    return int((utcnow() - CHANGE_MARGIN).timestamp())


def overview(session: Session, consultation: Consultation, after: int | None = None,
             upto: int | None = None, limit: int | None = None) -> Overview:
    """What the consultation page shows: the figures of the whole consultation (progress,
    stakeholder groups, destination shares; aggregates over this consultation only) and its
    reactions in channel order. With ``limit``, one page: at most that many reactions, after
    reaction ``after`` (from the start when None), none with an id above ``upto`` (the page's
    poll appends those). A fixed number of queries, however long the consultation."""
    order = _memo_order(session, consultation)
    progress = _memo_progress(session, consultation)
    stakeholders = _stakeholders(session, consultation.id, set())
    groups, total = _memo_groups(consultation, order, progress, stakeholders)
    if limit is None:
        shown, more = None, None
        scope = Reaction.consultation_id == consultation.id
    else:
        shown, more = _page(session, order, after, upto, limit)
        scope = Reaction.id.in_(shown)
    return Overview(
        consultation=consultation,
        reactions=_rows(session, scope, shown, progress, stakeholders) if shown != [] else [],
        groups=groups,
        progress=total,
        destinations=_destination_shares(session, consultation),
        last_reaction_id=max((r.id for r in order), default=0),
        more_after=more,
        changes_from=_changes_from(),
    )


def _memo_order(session: Session, consultation: Consultation) -> list:
    """``_channel_order``, kept per figures revision (revisions.memo): rows, no objects."""
    return revisions.memo(consultation, "channel_order",
                          lambda: _channel_order(session, consultation.id))


def _memo_progress(session: Session, consultation: Consultation) -> dict[int, "Progress"]:
    """``_progress_by_reaction`` of the whole consultation, kept per figures revision (the
    Progress values are shared: never changed by a caller)."""
    return revisions.memo(consultation, "progress_by_reaction",
                          lambda: _progress_by_reaction(session, consultation.id))


def more_reactions(session: Session, consultation: Consultation, after: int | None,
                   upto: int | None, limit: int = PAGE_SIZE) -> Overview:
    """The next page of the channel (see ``overview``) without the figures: for scrolling on.
    ``reactions`` and ``more_after`` are filled; the figures are left empty."""
    order = _memo_order(session, consultation)
    shown, more = _page(session, order, after, upto, limit)
    rows = []
    if shown:
        progress = _progress_by_reaction(session, consultation.id, shown)
        senders = {r.stakeholder_id for r in order if r.id in set(shown)}
        stakeholders = {s.id: s for s in session.exec(
            select(Stakeholder).where(Stakeholder.id.in_(sorted(senders))))}
        rows = _rows(session, Reaction.id.in_(shown), shown, progress, stakeholders)
    return Overview(consultation, rows, [], Progress(), [], more_after=more)


@dataclass(frozen=True)
class ChannelPlaces:
    """Where each live reaction sits in channel order (``place``: id -> index in the order),
    and the ids in ascending order (``ids``): kept per figures revision with the order."""

    place: dict[int, int]
    ids: list[int]


def _memo_places(consultation: Consultation, order: list) -> ChannelPlaces:
    return revisions.memo(consultation, "channel_places", lambda: ChannelPlaces(
        {r.id: n for n, r in enumerate(order)}, sorted(r.id for r in order)))


def _shown(order: list, places: ChannelPlaces, upto: int | None, loaded: int | None,
           start: int | None) -> set[int]:
    """The reactions a page has: of those up to id ``upto``, the pages after reaction ``start``
    up to reaction ``loaded`` (to the end when None); and everything newer (polls added it).
    ``order`` is in channel order and ``places`` its positions, so a poll reads the slice it
    has, not every reaction's channel key (4 ms a poll at 1,000 reactions)."""
    if upto is None:
        return {r.id for r in order}
    low = places.place[start] + 1 if start in places.place else 0
    high = places.place[loaded] + 1 if loaded in places.place else len(order)
    return ({r.id for r in order[low:high]}
            | set(places.ids[bisect_right(places.ids, upto):]))


def changes(session: Session, consultation: Consultation, after: int, since: datetime | None,
            upto: int | None = None, loaded: int | None = None,
            start: int | None = None) -> Overview:
    """What a poll of the channel sends once something changed: the figures, the reactions
    newer than reaction id ``after`` or that became live from ``since`` on (in channel order),
    and in ``changed`` the progress of the reactions the page has (``_shown``: paged from
    ``start`` to ``loaded`` of those up to ``upto``) whose points or answers changed from
    ``since`` on (of all of them when None: a poll from an older page)."""
    progress = _memo_progress(session, consultation)
    order = _memo_order(session, consultation)
    shown = _shown(order, _memo_places(consultation, order), upto, loaded, start)
    newer = (Reaction.consultation_id == consultation.id) & (Reaction.id > after)
    if since is not None:
        # And those that became live since with an older id (a board's draft submitted, a
        # withdrawn one restored: their audit events): the page puts each in the place of a
        # row it has, else appends it (static/consult.js). Within CHANGE_MARGIN a poll may
        # send one again.
        late = session.execute(
            select(AuditEvent.entity_id).join(Reaction, Reaction.id == AuditEvent.entity_id)
            .where(AuditEvent.at >= since, AuditEvent.entity == "reaction",
                   AuditEvent.action.in_(BECAME_LIVE), Reaction.id <= after,
                   Reaction.consultation_id == consultation.id, _live_reaction())
            .distinct().limit(PAGE_SIZE)).scalars().all()
        if late:
            newer = (Reaction.consultation_id == consultation.id) & (
                (Reaction.id > after) | Reaction.id.in_(late))
    new_senders = select(Reaction.stakeholder_id).where(newer, _live_reaction())
    stakeholders = {s.id: s for s in session.exec(
        select(Stakeholder).where(Stakeholder.id.in_(new_senders)))}
    rows = _rows(session, newer, None, progress, stakeholders)
    if since is None:
        changed = progress
    else:
        changed = {rid: progress.get(rid, Progress())
                   for rid in _changed_reactions(session, consultation.id, since)}
    new_ids = {row.reaction.id for row in rows}
    total = Progress(answered=sum(p.answered for p in progress.values()),
                     total=sum(p.total for p in progress.values()))
    return Overview(
        consultation=consultation, reactions=rows, groups=[], progress=total,
        destinations=_destination_shares(session, consultation),
        last_reaction_id=max([after, *new_ids]),
        changed={rid: p for rid, p in changed.items() if rid in shown and rid not in new_ids},
        changes_from=_changes_from(),
    )


def _changed_reactions(session: Session, consultation_id: int, since: datetime) -> list[int]:
    """Live reactions of the consultation with a point or an answer to one of their points
    written from ``since`` on (both through an index on ``updated_at``: the consultation of a
    point's reaction through unindexed(), else SQLite read every point of the consultation by
    its reaction, 7 ms a poll at 10,000 points, instead of the few written since the page's
    last poll)."""
    by_point = (
        select(Point.reaction_id).join(Reaction, Reaction.id == Point.reaction_id)
        .where(unindexed(Reaction.consultation_id) == consultation_id, Point.updated_at >= since)
    )
    by_answer = (
        select(Point.reaction_id)
        .join(ResponsePoint, ResponsePoint.point_id == Point.id)
        .join(Response, Response.id == ResponsePoint.response_id)
        .where(Response.consultation_id == consultation_id, Response.updated_at >= since)
    )
    return list(session.exec(
        select(Reaction.id).where(
            Reaction.consultation_id == consultation_id, _live_reaction(),
            Reaction.id.in_(union(by_point, by_answer)),  # one set, not "a OR b"
        )
    ))


def _destination_shares(session: Session, consultation: Consultation) -> list[DestinationShare]:
    """Distinct points routed to each top-level destination (children roll up) by a live,
    released answer, in tree order: the dashboard's figures, kept per figures revision."""
    consultation_id = consultation.id
    tops = session.exec(
        select(Destination)
        .where(Destination.consultation_id == consultation_id, kept(Destination.archived),
               Destination.parent_id.is_(None))
        .order_by(Destination.position)
    ).all()
    if not tops:
        return []
    from .dashboard import routed_by_destination  # the dashboard's figures (no import loop)

    counts = routed_by_destination(session, consultation)
    return [DestinationShare(d, counts.get(d.id, 0)) for d in tops]


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
    return routed_answers(session, responses, routed, {} if paths is None else paths)


def routed_answers(session: Session, responses, routed: dict[int, list[int]],
                   paths: dict[int, dict[int, str]]) -> dict[int, Answer]:
    """Each response (an ORM row or a plain row with ``id`` and ``consultation_id``) as an
    Answer, given the destination ids it routed to (``routed``, by response id): only live
    destinations of its own consultation count, their paths sorted. The paths are read once
    per consultation and kept in ``paths`` (by consultation id) for the caller to reuse."""
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
        .where(Response.id.in_(union(  # two index lookups; "a OR b" read every answer on PG
            select(Response.id).where(Response.reaction_id == reaction.id),
            select(ResponsePoint.response_id).where(ResponsePoint.point_id.in_(point_ids)),
        )))
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
