"""The answered table read in chunks of reactions, for the exports.

`reports.answered_table` reads every point and answer of a consultation at once (and, as an
IN list, binds every point id). Here the same blocks come a chunk of reactions at a time:
per chunk one query for the points, one for their live answers, one for the routes and one
for answers to a reaction as a whole, each limited by the chunk's reaction ids. Memory is
that of one chunk (plus the stakeholders and the reaction ids of the consultation).

Points, reactions and answers are read as plain rows of the columns the table shows (named
as the model's attributes, so `reports.flat_rows` and the writers read them alike): no ORM
objects to build (and Core, not ORM, row processing), no letter texts or stored HTML loaded.
"""

from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa
from sqlmodel import Session

from .. import hierarchy
from ..consultations import Answer, _live_reaction, routed_answers
from ..db import kept
from ..documents.operations import landed_references
from ..followup import FollowedPoint
from ..models import (
    Consultation,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    Stakeholder,
)
from ..reports import Block, Filters, Row, Table, _keep, _with_children, natural_order

CHUNK = 200  # reactions a chunk, at most
CHUNK_POINTS = 1_000  # points a chunk, at most (unless one reaction has more: read whole)
BATCH = 500  # ids bound in one statement, at most


def iter_tables(session: Session, consultation: Consultation, filters: Filters | None = None,
                chunk: int = CHUNK) -> Iterator[Table]:
    """The answered table of ``consultation`` as consecutive partial Tables, each with the
    blocks of at most ``chunk`` reactions: together exactly `reports.answered_table`'s
    blocks, in its order, with the same rows, answers and filters (``subregions`` is left
    empty). A chunk ends at ``chunk`` reactions or CHUNK_POINTS points. Yields nothing for
    a consultation without points or answers to show."""
    reader = Reader(session, consultation, filters)
    for ids in _chunks(session, consultation, chunk):
        blocks = [block for reaction, stakeholder, points, whole in reader.read(ids)
                  if (block := _block(reaction, stakeholder, points, whole))]
        if blocks:
            yield reader.table(blocks)


class Reader:
    """Reads reactions of one consultation for the table, a chunk at a time: the
    stakeholders (with their top-level ones) and the destination paths are read once."""

    def __init__(self, session: Session, consultation: Consultation,
                 filters: Filters | None = None):
        self.session, self.consultation = session, consultation
        self.filters = filters or Filters()
        self.stakeholders = {s.id: s for s in session.execute(sa.select(Stakeholder)).scalars()}
        self.roots = {i: hierarchy.root(s, self.stakeholders)
                      for i, s in self.stakeholders.items()}
        self.wanted = _with_children(session, self.filters.destination)
        self.paths: dict[int, dict[int, str]] = {}
        self.landings: dict[int, list[str]] = {}  # point id -> where (see _landed)
        self.landed_read: set[int] = set()  # the reaction ids whose landings are read

    def read(self, ids: list[int], only: set[int] | None = None) -> list[tuple]:
        """The reactions ``ids`` in table order, each as (reaction row, its stakeholder, its
        points that pass the filters (with their answers), its answers as a whole (none when
        filtered)). ``only``: read just these of their points (the ids bound BATCH at a
        time), for a grouping that shows a few points of many reactions. A fixed number of
        queries, each limited by these reaction (or point) ids."""
        session, consultation = self.session, self.consultation
        reactions = session.connection().execute(
            sa.select(Reaction.id, Reaction.title, Reaction.channel, Reaction.stakeholder_id)
            .where(Reaction.id.in_(ids)).order_by(Reaction.position, Reaction.id)
        ).all()
        points = _points(session, consultation, reactions, self.stakeholders, only)
        _attach(session, points, ids, self.paths, only)
        whole = {} if self.filters.any() else \
            _whole_reaction_answers(session, consultation, ids, self.paths)
        by_reaction: dict[int, list[FollowedPoint]] = defaultdict(list)
        for p in points:
            if _keep(p, self.filters, self.roots, self.wanted):
                by_reaction[p.reaction.id].append(p)
        return [(reaction, self.stakeholders[reaction.stakeholder_id], by_reaction[reaction.id],
                 whole.get(reaction.id, [])) for reaction in reactions]

    def table(self, blocks: list[Block], section=None) -> Table:
        """A partial Table of these blocks (``section``: the part of a theme they are)."""
        return Table(self.consultation, blocks, self.filters, self.roots, section=section,
                     landed=self._landed([b.reaction.id for b in blocks]))

    def _landed(self, reaction_ids: list[int]) -> dict[int, list[str]]:
        """Where the points of these reactions were taken in (landed_references), each
        reaction read once per Reader: the table per theme shows a reaction under several
        themes, and must not read its landings once per theme."""
        new = [i for i in dict.fromkeys(reaction_ids) if i not in self.landed_read]
        if new:
            self.landings.update(landed_references(self.session, new, batch=BATCH))
            self.landed_read.update(new)
        return self.landings


def _chunks(session: Session, consultation: Consultation, chunk: int) -> Iterator[list[int]]:
    """The ids of the consultation's live reactions in table order, cut into chunks of at
    most ``chunk`` reactions and (where a reaction allows) CHUNK_POINTS points."""
    counted = session.connection().execute(
        sa.select(Reaction.id, sa.func.count(Point.id))
        .outerjoin(Point, (Point.reaction_id == Reaction.id) & (Point.archived == sa.false()))
        .where(Reaction.consultation_id == consultation.id, _live_reaction())
        .group_by(Reaction.id, Reaction.position)
        .order_by(Reaction.position, Reaction.id)
    ).all()
    ids: list[int] = []
    points = 0
    for reaction_id, count in counted:
        if ids and (len(ids) == chunk or points + count > CHUNK_POINTS):
            yield ids
            ids, points = [], 0
        ids.append(reaction_id)
        points += count
    if ids:
        yield ids


def _block(reaction, stakeholder: Stakeholder, points: list[FollowedPoint],
           extra: list[Answer]) -> Block | None:
    """The rows of one reaction (as answered_table makes them): consecutive points with the
    same, non-empty answers share a row (in natural order: `reports.natural_order`); answers
    to the reaction as a whole follow."""
    if not points and not extra:
        return None
    block = Block(reaction, stakeholder)
    for p in natural_order(points):
        key = [a.response.id for a in p.answers]
        last = block.rows[-1] if block.rows else None
        if last and last.points and key and [a.response.id for a in last.answers] == key:
            last.points.append(p)
        else:
            block.rows.append(Row([p], p.answers))
    block.rows.extend(Row([], [answer]) for answer in extra)
    block.rows[0].first_of_reaction = True
    return block


def _points(session: Session, consultation: Consultation, reactions: list,
            stakeholders: dict[int, Stakeholder],
            only: set[int] | None = None) -> list[FollowedPoint]:
    """The live points of these reactions (in their order) in table order, each with its
    sender (consultation_points' rule); ``only``: just those of these ids."""
    if consultation.archived:
        return []
    query = (sa.select(Point.id, Point.reaction_id, Point.number, Point.heading, Point.body,
                       Point.body_html, Point.stakeholder_id, Point.position)
             .where(Point.reaction_id.in_([r.id for r in reactions]),
                    Point.archived == sa.false()))
    found = []
    if only is None:
        found = session.connection().execute(query).all()
    else:
        wanted = sorted(only)
        for start in range(0, len(wanted), BATCH):
            found += session.connection().execute(
                query.where(Point.id.in_(wanted[start:start + BATCH]))).all()
    by_reaction: dict[int, list] = defaultdict(list)
    for point in sorted(found, key=lambda p: (p.position, p.id)):
        by_reaction[point.reaction_id].append(point)
    return [FollowedPoint(point, reaction, consultation,
                          stakeholders[point.stakeholder_id or reaction.stakeholder_id])
            for reaction in reactions for point in by_reaction[reaction.id]]


_ANSWER_COLUMNS = (Response.id, Response.body, Response.body_html, Response.status,
                   Response.position, Response.consultation_id, Response.reaction_id)


def _live_answers():
    return kept(Response.archived) & (Response.status != ResponseStatus.draft)


def _attach(session: Session, points: list[FollowedPoint], reaction_ids: list[int],
            paths: dict[int, dict[int, str]], only: set[int] | None = None) -> None:
    """Each point's live, non-draft answers, by (position, id), with their destinations
    (``only``: the answers of those points are read, BATCH ids at a time)."""
    query = (sa.select(ResponsePoint.point_id, *_ANSWER_COLUMNS)
             .join(Response, Response.id == ResponsePoint.response_id)
             .where(_live_answers()))
    if only is None:
        links = session.connection().execute(query.join(
            Point, Point.id == ResponsePoint.point_id).where(
            Point.reaction_id.in_(reaction_ids))).all()
    else:
        wanted, links = sorted(only), []
        for start in range(0, len(wanted), BATCH):
            links += session.connection().execute(query.where(
                ResponsePoint.point_id.in_(wanted[start:start + BATCH]))).all()
    answers = _answers(session, {link.id: link for link in links}.values(), paths)
    answers_of: dict[int, list[Answer]] = defaultdict(list)
    for link in links:
        answers_of[link.point_id].append(answers[link.id])
    for p in points:
        p.answers = sorted(answers_of[p.point.id],
                           key=lambda a: (a.response.position, a.response.id))


def _whole_reaction_answers(session: Session, consultation: Consultation,
                            reaction_ids: list[int], paths) -> dict[int, list[Answer]]:
    """Answers to a reaction as a whole (covering no point), per reaction, in their order."""
    responses = session.connection().execute(
        sa.select(*_ANSWER_COLUMNS).where(
            Response.consultation_id == consultation.id,
            Response.reaction_id.in_(reaction_ids),
            _live_answers(),
            ~sa.exists().where(ResponsePoint.response_id == Response.id),
        ).order_by(Response.position, Response.id)
    ).all()
    answers = _answers(session, responses, paths)
    out: dict[int, list[Answer]] = defaultdict(list)
    for response in responses:
        out[response.reaction_id].append(answers[response.id])
    return out


def _answers(session: Session, responses, paths: dict[int, dict[int, str]]) -> dict[int, Answer]:
    """Each response as an Answer with its destination paths (answers_with_routes' rule:
    live destinations of its own consultation, sorted), the ids bound BATCH at a time."""
    responses = list(responses)
    routed: dict[int, list[int]] = defaultdict(list)
    ids = [r.id for r in responses]
    for start in range(0, len(ids), BATCH):
        for response_id, destination_id in session.connection().execute(
            sa.select(ResponseDestination.response_id, ResponseDestination.destination_id)
            .where(ResponseDestination.response_id.in_(ids[start:start + BATCH]))
        ):
            routed[response_id].append(destination_id)
    return routed_answers(session, responses, routed, paths)
