"""The answered table read a page at a time, for the table page and the public page.

``reports.answered_table`` builds the whole table (the Word and Excel downloads need all of
it); a page on screen needs a few dozen reactions. Here every query is limited to the
consultation and to the page's reactions, the filters run in SQL (the same rules as
``reports._keep``), and a page ends after ``PAGE_REACTIONS`` reactions or once it holds
``PAGE_POINTS`` points, whichever comes first, so a page of a 10,000-point consultation costs
what a page of the 200-point demo costs. Pages follow each other by the last reaction shown
(keyset on the table order: reaction position, then id), so page 1 + page 2 + ... is exactly
the whole table, block by block and row by row.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from . import revisions
from .consultations import Answer, _live_reaction, routed_answers
from .db import kept
from .followup import OPEN, FollowedPoint
from .models import (
    Consultation,
    Destination,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    Stakeholder,
)
from .reports import Block, Filters

PAGE_REACTIONS = 40
PAGE_POINTS = 200


@dataclass
class Page:
    """One page of the answered table: its blocks (as in ``reports.Table.blocks``), the
    filters, the reaction it continues after (None for the first page) and the one the next
    page continues after (None on the last page)."""

    blocks: list[Block]
    filters: Filters
    after: int | None = None
    next_after: int | None = None


def _sender():
    return sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)


def _live_answer():
    """A live, released answer."""
    return kept(Response.archived) & (Response.status != ResponseStatus.draft)


def _family(model, top_id: int, **anchor):
    """Subquery of the ids of ``top_id`` and everything under it (a recursive CTE, so no
    id list is bound, however big the tree); ``anchor`` adds column == value conditions
    the top itself must meet."""
    start = sa.select(model.id.label("id")).where(model.id == top_id)
    for column, value in anchor.items():
        start = start.where(getattr(model, column) == value)
    tree = start.cte(f"{model.__tablename__}_family", recursive=True)
    tree = tree.union(sa.select(model.id).where(model.parent_id == tree.c.id))
    return sa.select(tree.c.id)


def _consultation_points(consultation: Consultation) -> list:
    """Conditions of the consultation's live points (with Reaction joined), put so that
    SQLite goes from the consultation's reactions to their points (ix_point_reaction_live),
    not through every live point of the installation (ix_point_archived)."""
    reactions = sa.select(Reaction.id).where(Reaction.consultation_id == consultation.id,
                                             _live_reaction())
    return [Reaction.consultation_id == consultation.id, _live_reaction(),
            Point.reaction_id.in_(reactions), *_point_conditions(consultation, Filters())]


def _point_conditions(consultation: Consultation, f: Filters) -> list:
    """What a point (with its Reaction in the query) must meet to stand in the table: live,
    and the filters, as ``reports._keep`` reads them."""
    if consultation.archived:  # consultation_points reads no point of an archived one
        return [sa.false()]
    conditions = [Point.archived == sa.false()]
    if f.kind:
        conditions.append(_sender().in_(sa.select(Stakeholder.id).where(
            Stakeholder.kind == f.kind)))
    if f.subregion:
        # Its root is the subregion: the subregion is a top and the sender is under it.
        conditions.append(_sender().in_(_family(Stakeholder, f.subregion, parent_id=None)))
    if f.status:
        latest = (
            sa.select(Response.status)
            .join(ResponsePoint, ResponsePoint.response_id == Response.id)
            .where(ResponsePoint.point_id == Point.id, _live_answer())
            .order_by(Response.position.desc(), Response.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        conditions.append(sa.func.coalesce(latest, OPEN) == f.status)
    if f.destination is not None:
        wanted = _family(Destination, f.destination, consultation_id=consultation.id)
        conditions.append(sa.exists().where(
            ResponsePoint.point_id == Point.id,
            Response.id == ResponsePoint.response_id,
            Response.consultation_id == consultation.id,
            _live_answer(),
            ResponseDestination.response_id == Response.id,
            ResponseDestination.destination_id.in_(wanted),
        ))
    return conditions


def _whole_answers():
    """Conditions of an answer to a reaction as a whole (it covers no point). That it is an
    answer of the reaction's own consultation is checked on reading (``_answers``): named
    here, it makes SQLite walk every answer of the consultation for each reaction."""
    return [
        Response.reaction_id.is_not(None),
        _live_answer(),
        ~sa.exists().where(ResponsePoint.response_id == Response.id),
    ]


def _page_reactions(session: Session, consultation: Consultation, f: Filters,
                    conditions: list, after: int | None) -> list[tuple[Reaction, Stakeholder]]:
    """The next PAGE_REACTIONS + 1 reactions (with their stakeholder) that have a row in the
    table, in table order, after the reaction ``after``."""
    shown = sa.exists(sa.select(Point.id).where(Point.reaction_id == Reaction.id, *conditions))
    if not f.any():
        shown = shown | sa.exists(sa.select(Response.id).where(
            Response.reaction_id == Reaction.id, *_whole_answers()))
    query = (
        sa.select(Reaction, Stakeholder)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Reaction.consultation_id == consultation.id, _live_reaction(), shown)
        .order_by(Reaction.position, Reaction.id)
        .limit(PAGE_REACTIONS + 1)
    )
    if after is not None:
        last = aliased(Reaction)
        position = sa.select(last.position).where(
            last.id == after, last.consultation_id == consultation.id).scalar_subquery()
        query = query.where(sa.or_(Reaction.position > position,
                                   (Reaction.position == position) & (Reaction.id > after)))
    return session.execute(query).all()


def table_page(session: Session, consultation: Consultation, filters: Filters | None = None,
               after: int | None = None) -> Page:
    """The page of the answered table that follows reaction ``after`` (None: the first page).

    The blocks are those of ``reports.answered_table(session, consultation, filters)`` from
    that reaction on, up to PAGE_REACTIONS reactions or until the page holds PAGE_POINTS
    points (at least one reaction, however long). An ``after`` that is no reaction of the
    consultation gives an empty page. A fixed number of queries, none binding more than
    PAGE_REACTIONS + a few parameters."""
    f = filters or Filters()
    conditions = _point_conditions(consultation, f)
    candidates = _page_reactions(session, consultation, f, conditions, after)
    counts = dict(session.execute(
        sa.select(Point.reaction_id, sa.func.count(Point.id))
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(Point.reaction_id.in_([r.id for r, _s in candidates]), *conditions)
        .group_by(Point.reaction_id)
    ).all()) if candidates else {}
    chosen, points = [], 0
    for reaction, stakeholder in candidates[:PAGE_REACTIONS]:
        if chosen and points >= PAGE_POINTS:
            break
        chosen.append((reaction, stakeholder))
        points += counts.get(reaction.id, 0)
    blocks = _blocks(session, consultation, f, conditions, chosen)
    more = len(chosen) < len(candidates)
    return Page(blocks, f, after, chosen[-1][0].id if more else None)


def iter_blocks(session: Session, consultation: Consultation,
                filters: Filters | None = None) -> Iterator[Block]:
    """Every block of the answered table, read a page at a time (the same blocks, in the
    same order, as ``reports.answered_table``)."""
    after = None
    while True:
        page = table_page(session, consultation, filters, after)
        yield from page.blocks
        if page.next_after is None:
            return
        after = page.next_after


def _blocks(session: Session, consultation: Consultation, f: Filters, conditions: list,
            chosen: list[tuple[Reaction, Stakeholder]]) -> list[Block]:
    """The blocks of the chosen reactions: their matching points, each with its answers,
    then (without filters) the answers to the reaction as a whole."""
    if not chosen:
        return []
    ids = [r.id for r, _s in chosen]
    rows = session.execute(
        sa.select(Point, Stakeholder)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == _sender())
        .where(Point.reaction_id.in_(ids), *conditions)
        .order_by(Point.reaction_id, Point.position, Point.id)
    ).all()
    reactions = {r.id: r for r, _s in chosen}
    points = [FollowedPoint(p, reactions[p.reaction_id], consultation, s) for p, s in rows]
    answers_of, whole = _answers(session, consultation, ids, whole=not f.any())
    by_reaction: dict[int, list[FollowedPoint]] = defaultdict(list)
    for p in points:
        p.answers = answers_of.get(p.point.id, [])
        by_reaction[p.reaction.id].append(p)
    blocks = []
    for reaction, stakeholder in chosen:
        block = Block(reaction, stakeholder)
        block.fill(by_reaction[reaction.id], whole.get(reaction.id, []))
        if block.rows:
            blocks.append(block)
    return blocks


def _answers(session: Session, consultation: Consultation, reaction_ids: list[int],
             whole: bool) -> tuple[dict[int, list[Answer]], dict[int, list[Answer]]]:
    """Live, non-draft answers of the points of these reactions (by point id, in table
    order) and, when ``whole``, the answers to these reactions as a whole (by reaction id):
    three queries, limited by the reaction ids."""
    covering = (sa.select(ResponsePoint.response_id)
                .join(Point, Point.id == ResponsePoint.point_id)
                .where(Point.reaction_id.in_(reaction_ids)))
    if whole:  # a UNION, not an OR: an OR makes SQLite walk ix_response_archived
        covering = sa.union(covering, sa.select(Response.id).where(
            Response.reaction_id.in_(reaction_ids), *_whole_answers()))
    wanted = Response.id.in_(covering)
    responses = session.execute(
        sa.select(Response).where(wanted, _live_answer()).order_by(Response.position, Response.id)
    ).scalars().all()
    routed: dict[int, list[int]] = defaultdict(list)
    for response_id, destination_id in session.execute(
        sa.select(ResponseDestination.response_id, ResponseDestination.destination_id)
        .where(ResponseDestination.response_id.in_(
            sa.select(Response.id).where(wanted, _live_answer())))
        .order_by(ResponseDestination.response_id, ResponseDestination.destination_id)
    ):
        routed[response_id].append(destination_id)
    found = routed_answers(session, responses, routed, {})
    answers_of: dict[int, list[Answer]] = defaultdict(list)
    for point_id, response_id in session.execute(
        sa.select(ResponsePoint.point_id, ResponsePoint.response_id)
        .join(Point, Point.id == ResponsePoint.point_id)
        .where(Point.reaction_id.in_(reaction_ids))
    ):
        if response_id in found:
            answers_of[point_id].append(found[response_id])
    for answers in answers_of.values():
        answers.sort(key=lambda a: (a.response.position, a.response.id))
    by_reaction: dict[int, list[Answer]] = defaultdict(list)
    if whole:
        covered = {r for answers in answers_of.values() for r in (a.response.id for a in answers)}
        for answer in found.values():  # in (position, id) order
            r = answer.response
            if r.id not in covered and r.reaction_id in reaction_ids and \
                    r.consultation_id == consultation.id:
                by_reaction[r.reaction_id].append(answer)
    return answers_of, by_reaction


# --- the public page's figures ------------------------------------------------------------


def subregions(session: Session, consultation: Consultation) -> list[Stakeholder]:
    """The top-level stakeholders with live points in the consultation, by name: the
    choices of the table's subregion filter. Their ids are kept per figures revision
    (revisions.memo: a point, reaction or stakeholder change raises it): finding them walks
    every live point's sender chain (10,000 points: 10 ms on PostgreSQL, every request of the
    answered table); the few stakeholders are then read by id."""
    ids = revisions.memo(consultation, "subregions", lambda: _subregion_ids(session, consultation))
    if not ids:
        return []
    found = session.execute(sa.select(Stakeholder).where(Stakeholder.id.in_(ids))).scalars()
    return sorted(found, key=lambda s: s.name)


def _subregion_ids(session: Session, consultation: Consultation) -> tuple[int, ...]:
    """subregions' ids, asked in one query (a sender's chain is walked in SQL)."""
    senders = (
        sa.select(_sender().label("id"))
        .select_from(Point)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(*_consultation_points(consultation))
        .cte("sender_chain", recursive=True)
    )
    senders = senders.union(
        sa.select(Stakeholder.parent_id).where(Stakeholder.id == senders.c.id,
                                               Stakeholder.parent_id.is_not(None)))
    return tuple(sorted(session.execute(
        sa.select(Stakeholder.id).where(Stakeholder.id.in_(sa.select(senders.c.id)),
                                        Stakeholder.parent_id.is_(None))
    ).scalars()))
