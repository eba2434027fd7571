"""The answered table per theme: the shape of a "nota van beantwoording per thema".

Each theme of the consultation (board order) with, per reaction (table order), what was said
(the points of that reaction in the theme) and the answers beside them; then "Zonder thema":
the points in no theme and the answers to a reaction as a whole. A point in two themes stands
under both. The rows are the answered table's own (`exports.rows.Reader`, `reports.Block`),
with its filters; only the grouping is added here.

The order is worked out from ids alone, in four queries for the whole consultation (its live
themes, their point links, the ids of the points that pass the filters, its reactions), so a
theme's points are never read theme by theme. A page keeps it per figures revision
(``revisions.memo``, as plain ids): the next pages and visits until the consultation changes
cost what they show (the page's own rows), not the whole consultation. The rows are then
read a part at a time: the page a part, the downloads chunk by chunk (constant memory, as the
answered table's).
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from .. import revisions
from ..consultations import _live_reaction
from ..db import kept
from ..exports.rows import BATCH, CHUNK_POINTS, Reader
from ..models import Consultation, Point, Reaction, Response
from ..reports import Block, Filters, Section, Table
from ..table_pages import PAGE_POINTS, PAGE_REACTIONS, _point_conditions, _whole_answers
from . import operations
from .models import Theme, ThemePoint


@dataclass(frozen=True)
class Entry:
    """One reaction's part of one theme: the ids of its points in the theme; ``whole``: with
    its answers to the reaction as a whole (in "Zonder thema" only)."""

    section: int  # index in Order.themes; len(themes) is "Zonder thema"
    theme_id: int  # 0 for "Zonder thema"
    reaction_id: int
    point_ids: frozenset[int]
    whole: bool = False

    @property
    def key(self) -> str:
        """Where a page goes on after this entry: "<theme id>-<reaction id>" (0: no theme)."""
        return f"{self.theme_id}-{self.reaction_id}"


@dataclass
class Order:
    """The table per theme as ids: its themes and its entries in table order."""

    themes: list[Theme]
    entries: list[Entry]


@dataclass
class ThemePage:
    """One page of the table per theme: its sections (a theme cut by the page comes back on
    the next one, ``first`` False), the filters, the entry it continues after and the one the
    next page continues after (None on the last)."""

    sections: list[Section]
    filters: Filters
    after: str | None = None
    next_after: str | None = None

    @property
    def blocks(self) -> list[Block]:
        return [b for s in self.sections for b in s.blocks]


def order(session: Session, consultation: Consultation, filters: Filters | None = None) -> Order:
    """The entries of the table per theme: for each live theme (board order), then for the
    points in none, the reactions with points in it that pass ``filters``, in table order
    (reaction position, id); "Zonder thema" also holds, without filters, each reaction
    answered as a whole. Four queries, however many themes and points."""
    f = filters or Filters()
    themes = operations.themes(session, consultation.id)
    index = {t.id: n for n, t in enumerate(themes)}
    held: dict[int, list[int]] = defaultdict(list)
    for point_id, theme_id in session.connection().execute(
        sa.select(ThemePoint.point_id, ThemePoint.theme_id)
        .join(Theme, Theme.id == ThemePoint.theme_id)
        .where(Theme.consultation_id == consultation.id, kept(Theme.archived))
    ):
        held[point_id].append(index[theme_id])
    live = sa.select(Reaction.id).where(Reaction.consultation_id == consultation.id,
                                        _live_reaction())
    unthemed = len(themes)
    found: list[dict[int, set[int]]] = [defaultdict(set) for _ in range(unthemed + 1)]
    for point_id, reaction_id in session.connection().execute(
        sa.select(Point.id, Point.reaction_id).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Point.reaction_id.in_(live), *_point_conditions(consultation, f))
    ):
        for section in held.get(point_id) or [unthemed]:
            found[section][reaction_id].add(point_id)
    answered = sa.exists().where(Response.reaction_id == Reaction.id, *_whole_answers())
    rank, whole = {}, set()
    for n, (reaction_id, is_answered) in enumerate(session.connection().execute(
        sa.select(Reaction.id, answered if not f.any() else sa.false())
        .where(Reaction.consultation_id == consultation.id, _live_reaction())
        .order_by(Reaction.position, Reaction.id)
    )):
        rank[reaction_id] = n
        if is_answered:
            whole.add(reaction_id)
            found[unthemed].setdefault(reaction_id, set())
    theme_ids = [t.id for t in themes] + [0]
    entries = [Entry(s, theme_ids[s], r, frozenset(reactions[r]), s == unthemed and r in whole)
               for s, reactions in enumerate(found)
               for r in sorted(reactions, key=rank.__getitem__)]
    return Order(themes, entries)


def _sections(reader: Reader, themes: list[Theme], entries: list[Entry],
              begun: set[int]) -> list[Section]:
    """The sections of these consecutive entries, their rows read in one go (each point
    once, however many themes it is in; only the points shown). ``begun``: the sections
    begun on earlier parts (updated)."""
    ids = list(dict.fromkeys(e.reaction_id for e in entries))
    only = {i for e in entries for i in e.point_ids}
    read = {reaction.id: (reaction, stakeholder, points, whole)
            for reaction, stakeholder, points, whole in reader.read(ids, only)}
    out: list[Section] = []
    current = None
    for entry in entries:
        reaction, stakeholder, points, whole = read[entry.reaction_id]
        block = Block(reaction, stakeholder)
        block.fill([p for p in points if p.point.id in entry.point_ids],
                   whole if entry.whole else [])
        if entry.section != current:
            current = entry.section
            theme = themes[current] if current < len(themes) else None
            out.append(Section(theme, [], first=current not in begun))
            begun.add(current)
        if block.rows:
            out[-1].blocks.append(block)
    return [s for s in out if s.blocks]


def _parts(entries: list[Entry], reactions: int, points: int) -> Iterator[list[Entry]]:
    """The entries cut into consecutive parts of at most ``reactions`` entries, ending once a
    part holds ``points`` points (at least one entry a part, however long)."""
    part: list[Entry] = []
    count = 0
    for entry in entries:
        if part and (len(part) == reactions or count >= points):
            yield part
            part, count = [], 0
        part.append(entry)
        count += len(entry.point_ids)
    if part:
        yield part


def _kept_order(session: Session, consultation: Consultation, f: Filters
                ) -> tuple[list[Theme], list[Entry], dict[str, int]]:
    """``order``'s themes and entries, and each entry's place by key, the entries kept per
    figures revision and filters (revisions.memo): every change the table shows (points,
    answers, themes and their points, stakeholders) raises it. The themes are read fresh
    (one query; kept would be ORM objects) and must be the ones the entries were made with:
    a theme change raises the revision too."""
    def compute():
        found = order(session, consultation, f)
        return [t.id for t in found.themes], found.entries, {
            e.key: n for n, e in enumerate(found.entries)}

    theme_ids, entries, places = revisions.memo(
        consultation, f"themes.table.order:{f.kind}:{f.subregion}:{f.destination}:{f.status}",
        compute)
    themes = operations.themes(session, consultation.id)
    if [t.id for t in themes] != theme_ids:  # changed within this revision: read again
        found = order(session, consultation, f)
        themes, entries = found.themes, found.entries
        places = {e.key: n for n, e in enumerate(entries)}
    return themes, entries, places


def theme_page(session: Session, consultation: Consultation, filters: Filters | None = None,
               after: str | None = None) -> ThemePage:
    """The page of the table per theme after the entry ``after`` (an Entry.key; None: the
    first page): up to PAGE_REACTIONS reactions' parts or until it holds PAGE_POINTS points.
    An ``after`` that is no entry (any more) gives an empty page."""
    f = filters or Filters()
    themes, entries, places = _kept_order(session, consultation, f)
    start = 0 if after is None else places.get(after, len(entries) - 1) + 1
    part = next(_parts(entries[start:], PAGE_REACTIONS, PAGE_POINTS), [])
    begun = {entries[start - 1].section} if start else set()
    sections = _sections(Reader(session, consultation, f), themes, part, begun) \
        if part else []
    end = start + len(part)
    return ThemePage(sections, f, after, entries[end - 1].key if end < len(entries) else None)


def iter_tables(session: Session, consultation: Consultation,
                filters: Filters | None = None) -> Iterator[Table]:
    """The table per theme as consecutive partial Tables for the exports, one per section
    part (``Table.section``), read BATCH reactions' parts or CHUNK_POINTS points at a time
    (no statement binds more than BATCH ids)."""
    reader = Reader(session, consultation, filters)
    found = order(session, consultation, reader.filters)
    begun: set[int] = set()
    for part in _parts(found.entries, BATCH, CHUNK_POINTS):
        for section in _sections(reader, found.themes, part, begun):
            yield reader.table(section.blocks, section)
