"""The answered table ("Bijlage 2") as it leaves the app: Word, Excel, CSV and a printable page.

The shape of the 2016 table: "Gemeente / subregio" (who), "Uitgangspunten" (the numbered
points, under the reaction's title and the points' own headings) and "Toelichting" (each answer
beside the points it covers); since issue 18 a fourth column, "Verwerkt in": where each point
was taken in (`documents.operations.told`, the words of the answer letter). Stakeholders in
the order of the table. Consecutive points of one reaction that share their answers form one
row, so "De punten 1 t/m 7 ..." stands once, beside points 1 to 7.

Every cell is plain text, whatever was typed: no formula in Excel or CSV, no field or link in
Word (the text of a point or a stakeholder's name is the sender's, and the table is public),
and no character a format cannot hold (see cleantext), even in rows stored before the input
was cleaned.
"""

import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from natsort import natsort_keygen
from sqlmodel import Session

from . import hierarchy, richtext
from .cleantext import clean_text
from .consultations import answers_with_routes
from .documents.operations import landed_references
from .followup import OPEN, FollowedPoint, consultation_points
from .labels import LABELS
from .models import (
    Consultation,
    Destination,
    Reaction,
    Response,
    ResponsePoint,
    ResponseStatus,
    Stakeholder,
)

COLUMNS = ("Gemeente / subregio", "Uitgangspunten", "Toelichting", "Verwerkt in")
FLAT_COLUMNS = ("Gemeente / subregio", "Indiener", "Soort indiener", "Kanaal", "Reactie",
                "Nummer", "Kop", "Punt", "Toelichting", "Bestemmingen", "Status",
                "Verwerkt in")
# The table per theme (consult.themes.table) puts the theme before each row.
THEME_COLUMNS = ("Thema", "Beschrijving thema", *FLAT_COLUMNS)
UNTHEMED = "Zonder thema"  # the points in no theme, last in the table per theme


natural_key = natsort_keygen()  # "1.10" -> a key after "1.2" (natsort)


def natural_order(points: list[FollowedPoint]) -> list[FollowedPoint]:
    """The points in the order their letter has them (position within the reaction), as the
    reaction page shows them and as every query that feeds a table reads them. Not sorted by
    number: natsort put "ix." before "v." (Roman numerals as words), and a letter that
    answers point 10 first is read that way. Plain numbers are Excel number cells, so a
    reader can still sort them 1, 2, 10 there."""
    return list(points)


@dataclass
class Row:
    """One row of the table: consecutive points with the same answers (or an answer to the
    reaction as a whole, with no points)."""

    points: list[FollowedPoint]
    answers: list  # followup.Answer
    first_of_reaction: bool = False

    def landed_lines(self, landed: dict[int, list[str]]) -> list[str]:
        """The "Verwerkt in" cell: where each point of the row was taken in (``landed``:
        point id -> `told` references), "Punt 3: " before it when the row has several
        points, as the letter names them; [] when none landed."""
        several = len(self.points) > 1
        return [f"Punt {p.point.number}: {where}" if several else where
                for p in self.points for where in landed.get(p.point.id, [])]


@dataclass
class Block:
    """All rows of one stakeholder's reaction."""

    reaction: Reaction
    stakeholder: Stakeholder
    rows: list[Row] = field(default_factory=list)

    def fill(self, points, whole) -> None:
        """Rows for the points (in table order; consecutive points with the same answers share
        one row) and then one row per answer to the reaction as a whole."""
        for p in natural_order(points):
            key = [a.response.id for a in p.answers]
            last = self.rows[-1] if self.rows else None
            if last and last.points and [a.response.id for a in last.answers] == key and key:
                last.points.append(p)
            else:
                self.rows.append(Row([p], p.answers))
        self.rows.extend(Row([], [answer]) for answer in whole)
        if self.rows:
            self.rows[0].first_of_reaction = True


@dataclass
class Filters:
    kind: str | None = None  # stakeholder kind
    subregion: int | None = None  # a top-level stakeholder: everything under it
    destination: int | None = None  # with everything under it
    status: str | None = None

    def any(self) -> bool:
        return any(v is not None for v in (self.kind, self.subregion, self.destination,
                                           self.status))


@dataclass
class Section:
    """A theme's part of the table per theme (consult.themes.table): its blocks hold only
    the points of each reaction that sit in the theme. ``theme`` None is "Zonder thema": the
    points in no theme and the answers to a reaction as a whole. ``first``: this part begins
    the theme (a long theme comes in several parts; its heading stands before the first)."""

    theme: object | None  # consult.themes.models.Theme
    blocks: list[Block]
    first: bool = True

    @property
    def title(self) -> str:
        return self.theme.title if self.theme is not None else UNTHEMED

    @property
    def description(self) -> str:
        return self.theme.description if self.theme is not None else ""


@dataclass
class Table:
    consultation: Consultation
    blocks: list[Block]
    filters: Filters
    roots: dict[int, Stakeholder]  # stakeholder id -> its top-level stakeholder
    # The top-level stakeholders with points in the consultation (whatever the filters): the
    # choices of the subregion filter, never a stakeholder of another consultation.
    subregions: list[Stakeholder] = field(default_factory=list)
    # point id -> where it was taken in (documents.operations.landed_references)
    landed: dict[int, list[str]] = field(default_factory=dict)
    section: Section | None = None  # in the table per theme: the theme these blocks are of

    @property
    def points(self) -> list[FollowedPoint]:
        return [p for b in self.blocks for r in b.rows for p in r.points]


def answered_table(session: Session, consultation: Consultation,
                   filters: Filters | None = None) -> Table:
    filters = filters or Filters()
    stakeholders = {s.id: s for s in session.execute(sa.select(Stakeholder)).scalars()}

    roots = {i: hierarchy.root(s, stakeholders) for i, s in stakeholders.items()}
    wanted_destinations = _with_children(session, filters.destination)
    every_point = consultation_points(session, consultation)
    subregions = sorted({roots[p.sender.id].id: roots[p.sender.id] for p in every_point}.values(),
                        key=lambda s: s.name)
    points = [p for p in every_point if _keep(p, filters, roots, wanted_destinations)]
    reactions = session.execute(
        sa.select(Reaction).where(
            Reaction.consultation_id == consultation.id,
            Reaction.archived == sa.false(),
            Reaction.status == "submitted",
        ).order_by(Reaction.position, Reaction.id)
    ).scalars().all()
    whole = _reaction_answers(session, consultation) if not filters.any() else {}
    by_reaction: dict[int, list[FollowedPoint]] = {}
    for p in points:
        by_reaction.setdefault(p.reaction.id, []).append(p)
    blocks = []
    for reaction in reactions:
        mine = by_reaction.get(reaction.id, [])
        extra = whole.get(reaction.id, [])
        if not mine and not extra:
            continue
        block = Block(reaction, stakeholders[reaction.stakeholder_id])
        block.fill(mine, extra)
        blocks.append(block)
    landed = landed_references(session, [b.reaction.id for b in blocks], batch=500)
    return Table(consultation, blocks, filters, roots, subregions, landed)


def _keep(p: FollowedPoint, f: Filters, roots, destinations: set[int] | None) -> bool:
    if f.kind and p.sender.kind != f.kind:
        return False
    if f.subregion and roots[p.sender.id].id != f.subregion:
        return False
    if f.status and p.status != f.status:
        return False
    if destinations is not None:
        routed = {d for a in p.answers for d in getattr(a, "destination_ids", [])}
        if not routed & destinations:
            return False
    return True


def _with_children(session: Session, destination_id: int | None) -> set[int] | None:
    if destination_id is None:
        return None
    return hierarchy.with_descendants(
        destination_id, session.execute(sa.select(Destination.id, Destination.parent_id)).all())


def _reaction_answers(session: Session, consultation: Consultation) -> dict[int, list]:
    """Answers to a reaction as a whole (no points), per reaction."""
    covered = sa.select(ResponsePoint.response_id)
    responses = session.execute(
        sa.select(Response).where(
            Response.consultation_id == consultation.id,
            Response.reaction_id.is_not(None),
            Response.archived == sa.false(),
            Response.status != ResponseStatus.draft,
            Response.id.not_in(covered),
        ).order_by(Response.position, Response.id)
    ).scalars().all()
    out: dict[int, list] = {}
    for answer in answers_with_routes(session, responses).values():
        out.setdefault(answer.response.reaction_id, []).append(answer)
    return out


# --- plain text of the cells ------------------------------------------------------------------


def point_runs(p: FollowedPoint) -> list[list[richtext.Run]]:
    """The point for a Word document: its paragraphs as (text, style) runs, rendered from
    its Markdown as the pages show it (bold, italics, list items; never "**" or "- "),
    "3. " before the first. A plain point is one run "3. Its text"."""
    # cleaned first when rendered here (a row written outside the ORM): a page break
    # (\x0c) is a line break, as everywhere a document takes text (consult.cleantext)
    paragraphs = richtext.runs(p.point.body_html, clean_text(p.point.body)) or [[]]
    first = paragraphs[0]
    number = clean_text(f"{p.point.number}. ")
    if first and first[0][1] == "":
        first[0] = (number + first[0][0], "")
    else:
        first.insert(0, (number, ""))
    return paragraphs


def flat_rows(table: Table) -> list[list[str]]:
    """One row per point (and per answer to a whole reaction), for Excel and CSV: 12 cleaned
    strings each (FLAT_COLUMNS), or 14 (THEME_COLUMNS: the theme's title and description
    first) for a part of the table per theme; the point's and the answers' text as plain text
    (no Markdown markers: consult.richtext.text); still to be kept from reading as formulas
    by the writer."""

    names: dict = {}  # a lazy label costs a translation lookup each time it is read

    def label(value):
        if value not in names:
            names[value] = str(LABELS.get(value, value)) if value else ""
        return names[value]

    out = []
    theme = (table.section.title, table.section.description) if table.section else ()
    for block in table.blocks:
        for row in block.rows:
            for p in row.points or [None]:
                who = p.sender if p else block.stakeholder
                answers = row.answers
                out.append([clean_text(cell) for cell in (
                    *theme,
                    table.roots[who.id].name,
                    who.name,
                    label(who.kind),
                    label(block.reaction.channel),
                    block.reaction.title,
                    p.point.number if p else "",
                    (p.point.heading or "") if p else "",
                    # Plain text, as Word shows it without its styles (issue 16): never
                    # "**" or "- ". One line per paragraph, answers included, so that the
                    # cell imports back (as one answer) into the same text.
                    richtext.text(p.point.body_html, p.point.body) if p else "",
                    "\n".join(richtext.text(a.response.body_html, a.response.body)
                               for a in answers),
                    "; ".join(d for a in answers for d in a.destinations),
                    label(p.status if p else (answers[-1].response.status if answers else OPEN)),
                    "; ".join(table.landed.get(p.point.id, [])) if p else "",
                )])
    return out


# --- the formats ----------------------------------------------------------------------------------


# What makes a spreadsheet read a cell as a formula: OWASP's list ("CSV Injection") and the
# full-width forms of its signs, which some spreadsheet programs fold into them.
_FULL_WIDTH = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", *_FULL_WIDTH)
# What defusedcsv (and _csv_cell) put a quote before; the import takes exactly that quote off
# again (rowimport.reading.unquote_csv_cell).
CSV_QUOTED = ("=", "+", "-", "@", "|", "%", *_FULL_WIDTH)


def _csv_cell(text: str) -> str:
    """A cell as CSV text that no spreadsheet reads as a formula: leading white space dropped
    (OWASP counts tab and CR as formula starts; leading space means nothing in a table cell),
    then defusedcsv's quote before = + - @ | %, and ours before the full-width forms."""
    text = text.lstrip()
    if text.startswith(_FULL_WIDTH):
        text = "'" + text
    return text


def to_csv(table: Table) -> bytes:
    """Semicolon-separated UTF-8 with a byte-order mark: what Dutch Excel opens as columns.
    A cell that would start a formula gets a leading apostrophe (OWASP's rule, by defusedcsv)."""
    return _written("csv", table)


def to_xlsx(table: Table) -> bytes:
    """One row a point, FLAT_COLUMNS, every cell text (consult.exports.excel)."""
    return _written("xlsx", table)


def to_docx(table: Table) -> bytes:
    """The four-column Word table, landscape (consult.exports.word)."""
    return _written("docx", table)


def _written(fmt: str, table: Table) -> bytes:
    """A table already read, as a file in memory. Downloads stream the table in chunks
    instead (consult.exports.export_file)."""
    from . import exports

    out = io.BytesIO()
    exports.write(fmt, table.consultation, [table], out)
    return out.getvalue()


FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", to_docx),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "csv": ("text/csv; charset=utf-8", to_csv),
}
