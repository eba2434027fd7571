"""The dry run and the import of an uploaded table or archive (operations: they only flush).

`dry_run` says what an upload would create, row by row, with every problem; `run` creates it
and fails (`Refused`) on any problem, so that nothing is written. A table (.xlsx, .csv) goes
through consult.rowimport; a consultation archive (.json) through consult.archive.load_into,
into a consultation without reactions.
"""

from dataclasses import dataclass, field

from sqlmodel import Session, func, select

from .. import archive, reports, rowimport
from ..labels import label
from ..models import Consultation, Point, Reaction
from ..rowimport import Plan

SHOWN_ROWS = 500  # rows of the would-be table on the dry-run page; every problem is listed
# Points one upload may bring in the browser: importing takes ~20 ms a point here (every point
# and answer goes through the same operations as typed ones: threads, versions, audit;
# bench/rowimport_bench.py), so 1,000 points stay well inside a web worker's 60 s. Larger
# tables: `flask consult import` (20,000 rows).
MAX_POINTS = 1_000
TOO_MANY = ("Deze tabel heeft {points} punten; in de browser worden er hoogstens {most} "
            "tegelijk ingelezen. Splits de tabel, of laat haar inlezen met "
            "flask consult import.")


@dataclass
class PreviewRow:
    """One row of the table that would be created."""

    row: int | None  # the row in the file (None for an archive)
    stakeholder: str
    channel: str
    title: str
    number: str
    heading: str
    text: str
    answer: str
    destinations: str
    status: str
    problems: list[str] = field(default_factory=list)
    first_of_reaction: bool = False


@dataclass
class Match:
    """A name in the file and the stakeholder it stands for (None: a new one, of `kind`)."""

    typed: str
    found: str | None
    kind: str = ""


@dataclass
class Preview:
    filename: str
    kind: str  # "table" or "archive"
    rows: list[PreviewRow] = field(default_factory=list)
    total_rows: int = 0
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    new_destinations: list[str] = field(default_factory=list)
    reactions: int = 0
    points: int = 0
    answers: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def hidden_rows(self) -> int:
        return max(0, self.total_rows - len(self.rows))


class Refused(ValueError):
    """The upload cannot be imported as it is; `preview` says why (nothing was written)."""

    def __init__(self, preview: Preview):
        super().__init__("; ".join(preview.problems[:3]))
        self.preview = preview


def is_archive(filename: str, data: bytes) -> bool:
    """A consultation archive: a .json file (or JSON content under another name)."""
    return filename.lower().endswith(".json") or data.lstrip()[:1] == b"{"


def dry_run(session: Session, consultation: Consultation, filename: str, data: bytes
            ) -> Preview:
    """What the upload would create, and every problem. A table writes nothing; an archive is
    loaded to be shown: the caller rolls the session back."""
    if is_archive(filename, data):
        return _archive_preview(session, consultation, filename, data)
    try:
        table = rowimport.read_table(filename, data)
    except rowimport.RowImportError as exc:
        return Preview(filename, "table", problems=[str(exc)])
    return table_preview(filename, _checked(session, consultation, table))


def _checked(session: Session, consultation: Consultation, table) -> Plan:
    """The plan of a table, with the browser's limit on its size as one more problem."""
    checked = rowimport.plan(session, consultation, table)
    if checked.points > MAX_POINTS:
        checked.problems.insert(0, rowimport.Problem(
            0, "-", TOO_MANY.format(points=f"{checked.points:,}".replace(",", "."),
                                    most=f"{MAX_POINTS:,}".replace(",", "."))))
    return checked


def table_preview(filename: str, plan: Plan) -> Preview:
    """The preview of a checked table."""
    by_row: dict[int, list[str]] = {}
    for problem in plan.problems:
        by_row.setdefault(problem.row, []).append(str(problem))
    preview = Preview(filename, "table",
                      problems=[str(p) if p.row else p.message for p in plan.problems],
                      notices=plan.notices, new_destinations=plan.new_destinations,
                      reactions=plan.reactions, points=plan.points, answers=plan.answers,
                      total_rows=len(plan.rows))
    for key, found in plan.matches.items():
        preview.matches.append(Match(plan.names[key], found.name if found else None,
                                     label(plan.kinds.get(key)) if found is None else ""))
    for group in plan.groups:
        for i, row in enumerate(group.rows):
            if len(preview.rows) == SHOWN_ROWS:
                return preview
            v = row.values
            preview.rows.append(PreviewRow(
                row.number, v.get("stakeholder", ""), label(group.channel), group.reaction_title,
                v.get("number", ""), v.get("heading", ""), v.get("text", ""),
                v.get("answer", ""), v.get("destinations", ""), v.get("status", ""),
                by_row.get(row.number, []), i == 0))
    return preview


def _archive_preview(session: Session, consultation: Consultation, filename: str,
                     data: bytes) -> Preview:
    """An archive loaded into the consultation to show its table (the caller rolls back)."""
    preview = Preview(filename, "archive")
    try:
        matched = archive.load_into(session, _json(data), consultation)
    except archive.ArchiveError as exc:
        preview.problems.append(str(exc))
        return preview
    preview.matches = [Match(name, found or None) for name, found in matched.items()]
    table = reports.answered_table(session, consultation)
    flat = reports.flat_rows(table)
    preview.total_rows = len(flat)
    previous = None
    for cells in flat[:SHOWN_ROWS]:
        _root, who, _kind, channel, title, number, heading, text, body, where, status, *_ = cells
        preview.rows.append(PreviewRow(None, who, channel, title, number, heading, text, body,
                                       where, status, first_of_reaction=title != previous))
        previous = title
    preview.reactions = len(table.blocks)
    preview.points = len(table.points)
    preview.answers = len({a.response.id for b in table.blocks for r in b.rows
                           for a in r.answers})
    return preview


def _json(data: bytes) -> dict:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise archive.ArchiveError("Dit archief is geen UTF-8-tekst.") from exc
    return archive.read(text)


@dataclass
class Imported:
    points: int
    reactions: int
    first_reaction_id: int | None


def run(session: Session, actor, consultation: Consultation, filename: str, data: bytes
        ) -> Imported:
    """Import the upload (flushes; the caller commits). Raises Refused on any problem."""
    before = session.exec(select(func.max(Reaction.id))).one() or 0
    if is_archive(filename, data):
        try:
            archive.load_into(session, _json(data), consultation)
        except archive.ArchiveError as exc:
            raise Refused(Preview(filename, "archive", problems=[str(exc)])) from exc
    else:
        try:
            table = rowimport.read_table(filename, data)
        except rowimport.RowImportError as exc:
            raise Refused(Preview(filename, "table", problems=[str(exc)])) from exc
        checked = _checked(session, consultation, table)
        if not checked.ok:
            raise Refused(table_preview(filename, checked))
        rowimport.apply(session, actor, consultation, checked)
    new = select(Reaction.id).where(Reaction.consultation_id == consultation.id,
                                    Reaction.id > before)
    points = session.exec(select(func.count()).select_from(Point)
                          .where(Point.reaction_id.in_(new))).one()
    reactions = session.exec(select(func.count()).select_from(new.subquery())).one()
    first = session.exec(new.order_by(Reaction.id)).first()
    return Imported(points, reactions, first)
