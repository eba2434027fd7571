"""Importing an answered table from Excel or CSV into a consultation.

Columns (first row, in any order, Dutch or English names): stakeholder, kind, channel,
number, heading, text, answer, destinations, status. Consecutive rows of the same stakeholder
and channel form one reaction; rows of one reaction with the same answer text share one answer
(as "De punten 1 t/m 5 ..." does). Every row is checked first; one bad row and nothing is
written, and each problem names its row and column.
"""

import csv
import io
from dataclasses import dataclass, field

from sqlmodel import Session, select

from .cleantext import clean_value
from .intake import DraftPoint, create_stakeholder, log_reaction
from .labels import LABELS
from .models import (
    Channel,
    Consultation,
    Destination,
    Point,
    ResponseStatus,
    Stakeholder,
    StakeholderKind,
)
from .processing import answer, destination_paths
from .reports import unquote_csv_cell
from .slugs import unique_slug

COLUMNS = {
    "stakeholder": ("stakeholder", "indiener", "gemeente / subregio", "gemeente"),
    "kind": ("kind", "soort", "soort indiener"),
    "channel": ("channel", "kanaal"),
    "number": ("number", "nummer", "punt nr", "nr"),
    "heading": ("heading", "kop"),
    "text": ("text", "tekst", "punt", "uitgangspunt"),
    "answer": ("answer", "antwoord", "toelichting"),
    "destinations": ("destinations", "bestemmingen", "bestemming"),
    "status": ("status",),
}
REQUIRED = ("stakeholder", "channel", "number", "text")
MAX_ROWS = 20_000


class RowImportError(ValueError):
    """The file as a whole cannot be read (the message is Dutch)."""


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Rij {self.row}, kolom {self.column}: {self.message}"


@dataclass
class Row:
    number: int  # the row in the file (the header is row 1)
    values: dict


@dataclass
class Plan:
    rows: list[Row]
    problems: list[Problem] = field(default_factory=list)
    new_stakeholders: list[str] = field(default_factory=list)
    reactions: int = 0
    answers: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def read_rows(filename: str, data: bytes) -> list[Row]:
    """The file's rows as dictionaries keyed by our column names."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            raw = [["" if v is None else str(v) for v in row]
                   for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # noqa: BLE001 - any damage to the workbook
            raise RowImportError("Dit Excel-bestand kan niet worden gelezen.") from exc
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RowImportError("Het CSV-bestand is geen UTF-8-tekst.") from exc
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t") if text.strip() else None
        if dialect is not None:
            dialect.doublequote = True  # RFC 4180's "" in a quoted cell, which Sniffer misses
        raw = [[unquote_csv_cell(v) for v in row]
               for row in csv.reader(io.StringIO(text), dialect or csv.excel)]
    else:
        raise RowImportError("Alleen .xlsx, .csv en .json kunnen worden ingelezen.")
    raw = clean_value(raw)  # control characters would break every export of these points
    if not raw:
        raise RowImportError("Het bestand is leeg.")
    header = [h.strip().lower() for h in raw[0]]
    where: dict[str, int] = {}
    for column, names in COLUMNS.items():
        for name in names:  # the first name in our list wins ("Indiener" before "Gemeente")
            if name in header:
                where[column] = header.index(name)
                break
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise RowImportError("De eerste rij mist de kolom(men): " + ", ".join(missing) + ".")
    if len(raw) - 1 > MAX_ROWS:
        raise RowImportError(f"Meer dan {MAX_ROWS:,} rijen: splits het bestand.".replace(",", "."))
    rows = []
    for n, values in enumerate(raw[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append(Row(n, {c: (values[i].strip() if i < len(values) else "")
                            for c, i in where.items()}))
    return rows


def _code(value: str, allowed: set[str]) -> str | None:
    """A stored code from its code or its Dutch/English label."""
    v = value.strip().lower()
    if v in allowed:
        return v
    for code in allowed:
        label = LABELS.get(code)
        if label is not None and v in (str(label).lower(), label._args[0].lower()):
            return code
    return None


def plan(session: Session, consultation: Consultation, rows: list[Row]) -> Plan:
    """Check every row; say what would be created."""
    result = Plan(rows)
    kinds = {k.value for k in StakeholderKind}
    channels = {c.value for c in Channel}
    statuses = {s.value for s in ResponseStatus}
    paths = {p.lower(): i for i, p in destination_paths(session, consultation.id).items()}
    known = {s.name.lower() for s in session.exec(select(Stakeholder))}
    seen: dict[tuple, set[str]] = {}
    previous = None
    answers = set()
    for row in rows:
        v = row.values
        for column in REQUIRED:
            if not v.get(column):
                result.problems.append(Problem(row.number, column, "is leeg."))
        if v.get("channel") and _code(v["channel"], channels) is None:
            result.problems.append(Problem(row.number, "channel",
                                           f"onbekend kanaal “{v['channel']}”."))
        name = v.get("stakeholder", "").lower()
        if name and name not in known:
            if not v.get("kind") or _code(v["kind"], kinds) is None:
                result.problems.append(Problem(
                    row.number, "kind",
                    f"“{v.get('stakeholder')}” is nieuw: geef een geldige soort indiener."))
            elif v["stakeholder"] not in result.new_stakeholders:
                result.new_stakeholders.append(v["stakeholder"])
        if v.get("status") and _code(v["status"], statuses) is None:
            result.problems.append(Problem(row.number, "status",
                                           f"onbekende status “{v['status']}”."))
        for path in filter(None, (p.strip() for p in v.get("destinations", "").split(";"))):
            if path.lower() not in paths:
                result.problems.append(Problem(row.number, "destinations",
                                               f"onbekende bestemming “{path}”."))
        if v.get("destinations") and not v.get("answer"):
            result.problems.append(Problem(row.number, "answer",
                                           "bestemmingen zonder antwoord."))
        key = (name, (v.get("channel") or "").lower())
        if key != previous:
            result.reactions += 1
            seen[key] = set()
            previous = key
        number = v.get("number", "").rstrip(".)")
        if number and number in seen[key]:
            result.problems.append(Problem(row.number, "number",
                                           f"punt {number} staat al eerder in deze reactie."))
        seen[key].add(number)
        if v.get("answer"):
            answers.add((result.reactions, v["answer"]))
    result.answers = len(answers)
    return result


def apply(session: Session, actor, consultation: Consultation, checked: Plan) -> int:
    """Create what the plan says (flushes; the caller commits). Returns the number of points."""
    if not checked.ok:
        raise ValueError("plan has problems")
    kinds = {k.value for k in StakeholderKind}
    channels = {c.value for c in Channel}
    statuses = {s.value for s in ResponseStatus}
    by_name = {s.name.lower(): s for s in session.exec(select(Stakeholder))}
    paths = {p.lower(): i for i, p in destination_paths(session, consultation.id).items()}
    groups: list[list[Row]] = []
    for row in checked.rows:
        key = (row.values["stakeholder"].lower(), row.values["channel"].lower())
        if groups and (groups[-1][0].values["stakeholder"].lower(),
                       groups[-1][0].values["channel"].lower()) == key:
            groups[-1].append(row)
        else:
            groups.append([row])
    count = 0
    for group in groups:
        first = group[0].values
        stakeholder = by_name.get(first["stakeholder"].lower())
        if stakeholder is None:
            stakeholder = create_stakeholder(
                session, actor, slug=unique_slug(session, Stakeholder, first["stakeholder"]),
                name=first["stakeholder"], kind=_code(first["kind"], kinds))
            by_name[stakeholder.name.lower()] = stakeholder
        channel = _code(first["channel"], channels)
        reaction = log_reaction(
            session, actor, consultation, stakeholder,
            [DraftPoint(r.values["number"], r.values["text"], r.values.get("heading") or None)
             for r in group],
            channel=channel, title=str(LABELS.get(channel, channel)).capitalize(),
        )
        points = {p.number: p for p in session.exec(
            select(Point).where(Point.reaction_id == reaction.id))}
        by_answer: dict[str, list[Row]] = {}
        for r in group:
            if r.values.get("answer"):
                by_answer.setdefault(r.values["answer"], []).append(r)
        for body, rows in by_answer.items():
            v = rows[0].values
            wanted = {paths[p.strip().lower()] for r in rows
                      for p in r.values.get("destinations", "").split(";") if p.strip()}
            destinations = [session.get(Destination, d) for d in sorted(wanted)]
            status = _code(v["status"], statuses) if v.get("status") else ResponseStatus.adopted
            answer(session, actor, consultation,
                   [points[r.values["number"].rstrip(".)")] for r in rows],
                   destinations, body, status, reaction_id=reaction.id)
        count += len(group)
    return count
