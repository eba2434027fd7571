"""The answered table as files (Word, Excel, CSV), written in constant memory.

The rows come from `rows.iter_tables`: the table of `reports.answered_table`, read ~200
reactions at a time, answers queried per chunk (no IN list of every point). Each writer
streams those chunks into a file object (a temporary file for a download): Excel through
openpyxl's write-only mode, Word as table XML spliced into a python-docx skeleton, CSV line by
line. Word and Excel end with the commitments made in the answers they show (`promises`).
The cells are the same as before: `reports.flat_rows` for Excel and CSV, and for Word
the runs python-docx made (tests/old_exports.py is the old builder they are compared with).
"""

import tempfile
from collections.abc import Iterable
from typing import BinaryIO

from sqlalchemy.orm import object_session
from sqlmodel import Session

from ..models import Consultation
from ..reports import Filters, Table
from . import promises
from .excel import write_xlsx
from .promises import Promise
from .rows import iter_tables
from .text import write_csv
from .word import write_docx

WRITERS = {"docx": write_docx, "xlsx": write_xlsx, "csv": write_csv}
MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
IN_MEMORY = 4 * 2**20  # bytes a file may take before it moves to disk


def write(fmt: str, consultation: Consultation, tables: Iterable[Table], out: BinaryIO,
          commitments: list[Promise] | None = None, by_theme: bool = False) -> int:
    """Write the table (its chunks, in order) as ``fmt`` ("docx", "xlsx" or "csv") to ``out``,
    with those of ``commitments`` made in the answers it shows (not in a CSV; None: read
    through the consultation's session); returns the number of points written (a point in
    two themes counts twice). ``by_theme``: the tables are the table per theme
    (consult.themes.table), the theme's columns come first in Excel and CSV. KeyError for
    another format."""
    writer = WRITERS[fmt]
    if commitments is None:
        session = object_session(consultation) if fmt != "csv" else None
        commitments = promises.promises(session, consultation) if session is not None else []
    return writer(consultation, tables, out, commitments, by_theme=by_theme)


def export_file(session: Session, consultation: Consultation, fmt: str,
                filters: Filters | None = None,
                by_theme: bool = False) -> tuple[BinaryIO, int, int]:
    """The table of the consultation as a file: (a temporary file at its start, its size in
    bytes, the number of points). ``by_theme``: the table per theme. The file is deleted
    when closed; at most IN_MEMORY bytes of it are kept in memory."""
    from ..themes import table as per_theme

    read = per_theme.iter_tables if by_theme else iter_tables
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    try:
        points = write(fmt, consultation, read(session, consultation, filters), out,
                       by_theme=by_theme)
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out, size, points
