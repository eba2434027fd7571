"""Follow-up reading: what happened to the points of a stakeholder (or a whole municipality).

A municipality "as a whole" is the stakeholder with everything under it (officials, executive,
council, advisory board: the stakeholders whose parent chain leads to it). A point belongs to
the stakeholder that sent it: in a joint letter that is the point's own sender, not the
letter's.
"""

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import sqlalchemy as sa
from flask_babel import get_locale
from markupsafe import Markup
from sqlmodel import Session, select

from . import hierarchy, revisions
from .consultations import Answer, _live_reaction, answers_with_routes
from .db import kept, unindexed
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
    Stakeholder,
)
from .processing import destination_path, destination_paths
from .tallies import OPEN, tallies

# Status order on the page and in the chart: what still needs work first.
STATUS_ORDER = (OPEN, ResponseStatus.proposed, ResponseStatus.adopted, ResponseStatus.done,
                ResponseStatus.not_adopted)


@dataclass
class Landed:
    landing: Landing
    destination: str  # its path


def names_destination(reference: str, path: str) -> bool:
    """Whether a landing's reference names its destination already: a landing in a section
    reads "Inkoopplan 2017, §4.3 Sturing en monitoring", the document's destination (this one
    or an ancestor: a part of ``path``, "Inkoopplan 2017 › Privacy"), so a page says "Landed
    in Inkoopplan 2017, §4.3 ..." and not the destination's name twice."""
    reference = " ".join(reference.split())
    return any(part.strip() and reference.startswith(f"{part.strip()}, ")
               for part in path.split("›"))


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
    """The stakeholder and everything under it, the stakeholder first, then level by level
    (siblings by name). Only the family's rows are read (a recursive query over parent_id),
    not the registry; UNION (not UNION ALL) ends even on a loop in the parent chain."""
    tree = sa.select(Stakeholder.id).where(Stakeholder.id == stakeholder.id).cte(
        "family", recursive=True)
    tree = tree.union(
        sa.select(Stakeholder.id).join(tree, Stakeholder.parent_id == tree.c.id)
        .where(Stakeholder.archived == sa.false())
    )
    children: dict[int | None, list[Stakeholder]] = defaultdict(list)
    for s in session.exec(select(Stakeholder).where(Stakeholder.id.in_(sa.select(tree.c.id)),
                                                    Stakeholder.id != stakeholder.id)):
        children[s.parent_id].append(s)
    out, todo, seen = [stakeholder], [stakeholder.id], {stakeholder.id}
    while todo:
        for child in sorted(children.get(todo.pop(0), []), key=lambda s: s.name):
            if child.id not in seen:
                seen.add(child.id)
                out.append(child)
                todo.append(child.id)
    return out


def _sender():
    return sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)


def _live():
    """Points everyone may count: live point, live submitted reaction, live consultation."""
    return (Point.archived == sa.false()) & _live_reaction() & (Consultation.archived == sa.false())


def _visible_consultations(session: Session, visible: Callable[[Consultation], bool]):
    """The live consultations the reader may see, by id (the order of the follow-up pages)."""
    return [c for c in session.exec(select(Consultation).where(
        Consultation.archived == sa.false()).order_by(Consultation.id)) if visible(c)]


def _member_points(session: Session, members: dict[int, Stakeholder],
                   consultation_ids: list[int], only_open: bool = False, offset: int = 0,
                   limit: int | None = None, after: int | None = None) -> list[FollowedPoint]:
    """The live points the ``members`` sent in these consultations, in table order (from
    ``offset``, or after point ``after`` when given: keyset paging, so a point merged, split,
    withdrawn or answered on an earlier page since it was shown moves no later point past
    the reader; ``after`` may have left the list meanwhile; one of other consultations is
    ignored), at most ``limit``, without their
    answers.

    A point's sender is its own stakeholder, else its letter's: asked as two branches that
    each have an index (point.stakeholder_id; reaction.stakeholder_id, then point.reaction_id),
    not as ``coalesce(...) IN``, which no index serves (it read every point there is)."""
    if not members or not consultation_ids:
        return []
    # Plain columns: the expressions that kept SQLite (without statistics) off the archived
    # indexes (gone since 0024; upgrade runs ANALYZE) made PostgreSQL estimate one row and pick
    # a parallel plan: 66 ms at 120k points, 14 ms now.
    live = [Reaction.consultation_id.in_(consultation_ids),
            kept(Reaction.archived),
            Reaction.status == ReactionStatus.submitted,
            kept(Point.archived)]
    if only_open:
        live.append(~sa.exists().where(
            ResponsePoint.point_id == Point.id, Response.id == ResponsePoint.response_id,
            Response.archived == sa.false(), Response.status != ResponseStatus.draft))

    cursor = session.execute(
        sa.select(Reaction.consultation_id, Reaction.position, Reaction.id, Point.position,
                  Point.id).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Point.id == after, Reaction.consultation_id.in_(consultation_ids))
    ).first() if after is not None else None
    if cursor is not None:  # in each branch, where its indexes serve it
        live.append(sa.tuple_(Reaction.consultation_id, Reaction.position, Reaction.id,
                              Point.position, Point.id) > sa.tuple_(*cursor))

    def branch(sender, *where):
        return (sa.select(Point.id.label("pid"), sender.label("sender"),
                          Reaction.consultation_id.label("cid"), Reaction.position.label("rpos"),
                          Reaction.id.label("rid"), Point.position.label("ppos"))
                .select_from(Point).join(Reaction, Reaction.id == Point.reaction_id)
                .where(*where, *live))

    ids = list(members)
    both = sa.union_all(
        branch(Point.stakeholder_id, Point.stakeholder_id.in_(ids)),
        branch(Reaction.stakeholder_id, Reaction.stakeholder_id.in_(ids),
               unindexed(Point.stakeholder_id).is_(None)),
    ).subquery()
    page = session.execute(
        sa.select(both.c.pid, both.c.sender)
        .order_by(both.c.cid, both.c.rpos, both.c.rid, both.c.ppos, both.c.pid)
        .offset(0 if cursor is not None else offset).limit(limit)
    ).all()
    if not page:
        return []
    rows = {point.id: (point, reaction, consultation) for point, reaction, consultation in
            session.execute(
                sa.select(Point, Reaction, Consultation)
                .join(Reaction, Reaction.id == Point.reaction_id)
                .join(Consultation, Consultation.id == Reaction.consultation_id)
                .where(Point.id.in_([pid for pid, _s in page]))
            ).all()}
    return [FollowedPoint(*rows[pid], members[sender]) for pid, sender in page if pid in rows]


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
    cids = [c.id for c in _visible_consultations(session, visible)]
    points = _member_points(session, by_id, cids)
    _attach_answers(session, points)
    return StakeholderReport(stakeholder, members, points, only_open)


PAGE_SIZE = 40  # points on a page of a stakeholder's follow-up; more load on a click


@dataclass
class Share:
    """One consultation's part of a stakeholder's page: how many of its points count (only
    the open ones when the page shows those), and the ones shown, from ``start``."""

    consultation: Consultation
    total: int
    start: int = 0
    points: list[FollowedPoint] = field(default_factory=list)
    more: int | None = None  # the number of the next page's first point less one, if any
    after: int | None = None  # the last point shown when more follow: the next page's cursor

    @property
    def reactions(self) -> list[ReactionGroup]:
        """The shown points by reaction (and sender), in table order."""
        out: list[ReactionGroup] = []
        for p in self.points:
            if not out or (out[-1].reaction.id, out[-1].sender.id) != (p.reaction.id,
                                                                       p.sender.id):
                out.append(ReactionGroup(p.reaction, p.sender, []))
            out[-1].points.append(p)
        return out


@dataclass
class StakeholderPage:
    """A stakeholder's follow-up: its figures over every consultation the reader may see, and
    at most a page of its points (the rest of each consultation loads when reached)."""

    stakeholder: Stakeholder
    members: list[Stakeholder]
    statuses: Counter
    shares: list[Share]
    only_open: bool = False

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def open(self) -> int:
        return self.statuses[OPEN]

    @property
    def counts(self) -> list[tuple[str, int]]:
        """Points per status, in STATUS_ORDER (statuses with no points left out)."""
        return [(s, self.statuses[s]) for s in STATUS_ORDER if self.statuses[s]]

    @property
    def points(self) -> list[FollowedPoint]:
        return [p for share in self.shares for p in share.points]


def stakeholder_page(session: Session, stakeholder: Stakeholder,
                     visible: Callable[[Consultation], bool], whole: bool = True,
                     only_open: bool = False, consultation_id: int | None = None,
                     start: int = 0, size: int | None = None,
                     after: int | None = None) -> StakeholderPage:
    """The stakeholder's page (with everything under it when ``whole``): figures from the
    consultations' tallies, and ``size`` points in table order: from the first consultation
    on, or, with ``consultation_id``, the points of that consultation only that follow point
    ``after`` (numbered from ``start`` + 1; without ``after``, from offset ``start``: an
    address of before keyset paging). A share whose points did not fit has ``more`` (how
    many come before its next page) and ``after`` (its last point shown) set. ``size``:
    PAGE_SIZE when None."""
    size = size or PAGE_SIZE
    members = family(session, stakeholder) if whole else [stakeholder]
    by_id = {s.id: s for s in members}
    consultations = _visible_consultations(session, visible)
    counted = tallies(session, consultations)
    statuses: Counter = Counter()
    shares = []
    for c in consultations:
        for sid in by_id:
            statuses.update(counted[c.id].senders.get(sid, {}))
        total = counted[c.id].of(by_id, OPEN if only_open else None)
        if total:
            shares.append(Share(c, total))
    window = [s for s in shares if consultation_id in (None, s.consultation.id)]
    offset = start if consultation_id is not None else 0
    found: list[FollowedPoint] = []
    for share in window:  # one consultation at a time: a query sorts that one's points only
        if len(found) > size:
            break
        found += _member_points(session, by_id, [share.consultation.id], only_open, offset,
                                size + 1 - len(found),
                                after if consultation_id is not None else None)
    shown, beyond = found[:size], found[size:]
    _attach_answers(session, shown)
    by_consultation = {s.consultation.id: s for s in window}
    for p in shown:
        by_consultation[p.consultation.id].points.append(p)
    for share in window:
        share.start = offset if consultation_id is not None else 0
        if share.points and (share.start + len(share.points) < share.total or (
                beyond and beyond[0].consultation.id == share.consultation.id)):
            share.more = share.start + len(share.points)
            share.after = share.points[-1].point.id
    return StakeholderPage(stakeholder, members, statuses, shares, only_open)


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
        select(Landing).where(Landing.point_id.in_(ids),  # by point, not by ix_landing_archived
                              kept(Landing.archived))
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
    """A stakeholder of the index with its own (open) points and its members. The totals are
    summed once, when first asked for after the tree is built (the page asks each node a few
    times; summed anew they cost depth x nodes additions per question)."""

    stakeholder: "TreeStakeholder"
    members: list["StakeholderSummary"] = field(default_factory=list)
    points: int = 0
    open: int = 0

    @cached_property
    def total_points(self) -> int:
        return self.points + sum(m.total_points for m in self.members)

    @cached_property
    def total_open(self) -> int:
        return self.open + sum(m.total_open for m in self.members)

    @cached_property
    def shown_members(self) -> list["StakeholderSummary"]:
        """The members with points the reader may see, in name order."""
        return [m for m in self.members if m.total_points]


def stakeholder_tree(session: Session, visible: Callable[[Consultation], bool],
                     render: Callable[[list[StakeholderSummary]], str]) -> Markup:
    """The stakeholder index's tree as HTML: ``render(roots)`` of the top-level stakeholders
    with everything under them and their (open) point counts, for the stakeholders that have
    points the reader may see (from the consultations' tallies; [] when none has).

    Rendered once per process for each combination of what it shows (revisions.remember): the
    visible consultations at their figures revisions, every live stakeholder's name, kind and
    place in the tree, and the language. 115 stakeholders cost 12-17 ms to render at 120,000
    points, against 1-2 ms to read the key."""
    consultations = _visible_consultations(session, visible)
    rows = tuple(sorted((tuple(row) for row in session.execute(
        sa.select(Stakeholder.id, Stakeholder.name, Stakeholder.kind, Stakeholder.parent_id)
        .where(Stakeholder.archived == sa.false()))), key=lambda row: (row[1], row[0])))
    key = ("stakeholder_tree", str(get_locale()),
           tuple((c.id, c.figures_revision, c.created_at) for c in consultations), rows)

    def build() -> str:
        counts: Counter = Counter()
        open_counts: Counter = Counter()
        for tally in tallies(session, consultations).values():
            for sender, statuses in tally.senders.items():
                counts[sender] += sum(statuses.values())
                open_counts[sender] += statuses.get(OPEN, 0)
        nodes = {sid: StakeholderSummary(TreeStakeholder(sid, name, kind, parent_id),
                                         points=counts[sid], open=open_counts[sid])
                 for sid, name, kind, parent_id in rows}
        roots = []
        for node in nodes.values():  # in name order
            parent = nodes.get(node.stakeholder.parent_id)
            (parent.members if parent else roots).append(node)
        return render([r for r in roots if r.total_points])

    return revisions.kept_html(key, build)


@dataclass(frozen=True)
class TreeStakeholder:
    """What the stakeholder index shows of a stakeholder."""

    id: int
    name: str
    kind: str
    parent_id: int | None


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

    The counts and the order come from the list of routed points kept per figures revision
    (``_routed_points``); a page reads its ``limit`` points (after point ``after`` in table
    order; the ones still to do when ``only_open``; just ``point_id`` when given) by id, with
    their answers and landings. Nothing is read for the points of other pages."""
    tree = {d.id: d for d in session.exec(
        select(Destination).where(Destination.consultation_id == consultation.id))}
    ids = hierarchy.with_descendants(destination.id, tree.values())
    paths = {consultation.id: {i: destination_path(d, tree) for i, d in tree.items()}}
    order, landed = _routed_points(session, consultation, ids)
    wanted = [i for i in order if i not in landed] if only_open else order
    if point_id is not None:
        chosen = [point_id] if point_id in set(wanted) else []
    else:
        start = 0
        if after is not None:
            start = _place_after(session, wanted, after)
        chosen = wanted[start:start + limit + 1]
    rows = {p.id: (p, r, c, s) for p, r, c, s in session.execute(
        sa.select(Point, Reaction, Consultation, Stakeholder)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .join(Stakeholder, Stakeholder.id == _sender())
        .where(Point.id.in_(chosen[:limit]))
    )} if chosen else {}
    points = [FollowedPoint(*rows[i]) for i in chosen[:limit] if i in rows]
    _attach_answers(session, points, paths)
    return DestinationReport(destination, paths[consultation.id][destination.id], points,
                             only_open, ids, len(order), len(landed),
                             points[-1].point.id if len(chosen) > limit and points else None)


def _routed_points(session: Session, consultation: Consultation,
                   ids: set[int]) -> tuple[list[int], frozenset[int]]:
    """(the ids of the consultation's live points routed to one of ``ids``, in table order;
    those of them landed at one of ``ids``), worked out once per figures revision and kept
    (revisions.memo): every answer, route, landing, archive and move raises it. A to-do page
    then reads its 50 points by id: sorting the destination's routed points for each page
    cost what it holds (999 routed points: 10 ms of the page and 9 ms for its counts on
    PostgreSQL at 10,000 points, 15 ms on SQLite)."""
    def compute() -> tuple[list[int], frozenset[int]]:
        rows = session.execute(
            sa.select(Point.id, _landed_at(ids))
            .join(Reaction, Reaction.id == Point.reaction_id)
            .join(Consultation, Consultation.id == Reaction.consultation_id)
            .join(Stakeholder, Stakeholder.id == _sender())
            .where(Consultation.id == consultation.id, kept(Point.archived), _live_reaction(),
                   kept(Consultation.archived), _routed_to(ids))
            .order_by(*_table_order())
        ).all()
        return [i for i, _landed in rows], frozenset(i for i, landed in rows if landed)
    key = "routed:" + ",".join(map(str, sorted(ids)))
    return revisions.memo(consultation, key, compute)


def _place_after(session: Session, wanted: list[int], after: int) -> int:
    """Where the page after point ``after`` starts in ``wanted`` (ids in table order): right
    after it, or, when it left the list since the page before was shown (landed, answered
    elsewhere, archived), at the first point that comes after it in table order: a binary
    search that reads the order of ~log2(n) points, one at a time (not an IN list of the
    whole list: 10,000 parameters in one statement)."""
    try:
        return wanted.index(after) + 1
    except ValueError:
        pass

    def order_of(point_id: int) -> tuple | None:
        return session.execute(
            sa.select(*_table_order()).join(Reaction, Reaction.id == Point.reaction_id)
            .where(Point.id == point_id)).first()

    cursor = order_of(after)
    if cursor is None:
        return 0
    return bisect.bisect_right(wanted, tuple(cursor), key=lambda i: tuple(order_of(i) or ()))


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
