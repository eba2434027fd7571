"""The commitments (toezeggingen) of a consultation as the exports show them: their own sheet
in Excel and their own section after the table in Word. Not in the CSV: a CSV holds one table,
and it is also the import format, where commitment rows would read as points.

Cancelled commitments are left out, as on the public page ("You said, we did"): the table
files are for everyone who may read the consultation. A filtered table file has the
commitments of the answers it shows.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from .. import commitments
from ..cleantext import clean_text
from ..labels import label
from ..models import Consultation, Point, ResponsePoint
from ..reports import Table, natural_key

COLUMNS = ("Toezegging", "Wie komt haar na", "Gereed op", "Gereed in vergadering", "Status",
           "Nagekomen in", "Indiener", "Punten")
WORD_COLUMNS = ("Toezegging", "Wie", "Gereed", "Status", "Indiener en punten")


@dataclass
class Promise:
    """One commitment, its cells as plain cleaned text (COLUMNS), and the answer it was made
    in (to keep those of the answers a filtered file shows)."""

    response_id: int
    cells: list[str]
    due_on: date | None = None
    numbers: list[str] = field(default_factory=list)  # of the points, natural order

    def word_cells(self) -> list[str]:
        """The five cells of the Word section (WORD_COLUMNS)."""
        (what, who, _on, meeting, status, evidence, sender, points) = self.cells
        when = ", ".join(v for v in (_long(self.due_on), meeting) if v)
        state = f"{status}: {evidence}" if evidence else status
        if self.numbers:
            points = ("punt " if len(self.numbers) == 1 else "punten ") + points
        return [what, who, when, state, ", ".join(v for v in (sender, points) if v)]


def promises(session: Session, consultation: Consultation) -> list[Promise]:
    """The live, not cancelled commitments of the consultation, in the commitments page's
    order (open first, overdue first, then by due date), each with the numbers of the points
    its answer covers (natural order). One query beyond commitments.overview."""
    rows = [r for r in commitments.overview(session, consultation.id)
            if r.commitment.status != "cancelled"]
    numbers: dict[int, list[str]] = defaultdict(list)
    ids = sorted({r.response.id for r in rows})
    if ids:
        for response_id, number in session.execute(
            sa.select(ResponsePoint.response_id, Point.number)
            .join(Point, Point.id == ResponsePoint.point_id)
            .where(ResponsePoint.response_id.in_(ids), Point.archived == sa.false())
        ):
            numbers[response_id].append(number)
    out = []
    for r in rows:
        c = r.commitment
        points = sorted(numbers[r.response.id], key=natural_key)
        cells = [c.description, c.owner, c.due_on.isoformat() if c.due_on else "",
                 c.due_meeting, label(c.status), c.evidence if c.status == "done" else "",
                 r.stakeholder.name if r.stakeholder else "",
                 ", ".join(points) if points else "de reactie als geheel"]
        out.append(Promise(r.response.id, [clean_text(v or "") for v in cells], c.due_on,
                           points))
    return out


def answered(table: Table) -> set[int]:
    """The ids of the answers a (partial) table shows."""
    return {a.response.id for b in table.blocks for row in b.rows for a in row.answers}


def shown(all_promises: list[Promise], answers: set[int]) -> list[Promise]:
    """The commitments made in the answers a file shows, in their order."""
    return [p for p in all_promises if p.response_id in answers]


def _long(day) -> str:
    if day is None:
        return ""
    from babel.dates import format_date

    return format_date(day, format="long", locale="nl")
