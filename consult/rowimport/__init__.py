"""Importing an answered table from Excel or CSV into a consultation.

Columns (found in a header row near the top, in any order, Dutch or English names): stakeholder,
kind, channel, number, heading, text, answer, destinations, status; and, as our own export
writes them, the reaction's title and the stakeholder's municipality or subregion. Every row
is checked first; one bad row and nothing is written, and each problem names its row and
column ("Rij 4, kolom status: ...").

- `read_table(filename, data)`: the file's rows (`reading`, `csvfile`, `xlsxfile`), read in
  the upload sandbox (consult.extract.sandbox) within `LIMITS`;
- `plan(session, consultation, table)`: every row checked, what would be created (`planning`);
- `apply(session, actor, consultation, plan)`: create it (`applying`; flushes only).
"""

from ..extract import ExtractError, sandbox
from ..extract.errors import TOO_SLOW, Limits
from ..extract.sandbox import TOO_MUCH_MEMORY
from .applying import apply
from .planning import Group, Plan, plan
from .reading import COLUMNS, MAX_ROWS, REQUIRED, Problem, Row, RowImportError, Table

__all__ = [
    "COLUMNS", "LIMITS", "MAX_BYTES", "MAX_ROWS", "REQUIRED", "Group", "Plan", "Problem", "Row",
    "RowImportError", "Table", "apply", "plan", "read_rows", "read_table",
]  # fmt: skip

MAX_BYTES = 10 * 1024 * 1024
# A table of 10,000 answered points is ~2 MB as .xlsx and unpacks to ~15 MB of XML; reading it
# takes ~4 s here (bench/rowimport_bench.py). Twice that margin, and the sandbox's memory cap.
LIMITS = Limits(seconds=30.0, xml_part=96 * 1024 * 1024)
TOO_BIG_TABLE = "Deze tabel vraagt te veel geheugen om te lezen. Splits haar in delen."
TOO_SLOW_TABLE = (
    "Het lezen van deze tabel duurde te lang (meer dan {seconds} seconden). Splits de tabel in "
    "delen of sla haar op als CSV."
)


def read_table(filename: str, data: bytes, limits: Limits | None = None) -> Table:
    """The rows of an uploaded .xlsx or .csv file, read in a sandboxed child process. Raises
    RowImportError with a Dutch message for a file that cannot be read as a table."""
    from .files import read_table as read_here

    limits = limits or LIMITS
    if not data:
        raise RowImportError("Het bestand is leeg.")
    if len(data) > MAX_BYTES:
        raise RowImportError("Het bestand is groter dan 10 MB. Splits de tabel in delen.")
    try:
        return sandbox.run(read_here, (filename, data, limits), limits)
    except RowImportError:
        raise
    except ExtractError as exc:
        if str(exc) == TOO_SLOW.format(seconds=f"{limits.seconds:g}"):
            raise RowImportError(TOO_SLOW_TABLE.format(seconds=f"{limits.seconds:g}")) from exc
        if str(exc) == TOO_MUCH_MEMORY:
            raise RowImportError(TOO_BIG_TABLE) from exc
        raise RowImportError(str(exc)) from exc


def read_rows(filename: str, data: bytes) -> list[Row]:
    """The rows of a file (see read_table), without what the reader noticed."""
    return read_table(filename, data).rows
