"""The CSV table, streamed line by line."""

import io
from collections.abc import Iterable
from typing import BinaryIO

from ..models import Consultation
from ..reports import FLAT_COLUMNS, THEME_COLUMNS, Table, _csv_cell, flat_rows


def write_csv(consultation: Consultation, tables: Iterable[Table], out: BinaryIO,
              commitments=(), by_theme: bool = False) -> int:
    """Semicolon-separated UTF-8 with a byte-order mark (what Dutch Excel opens as columns),
    as `reports.to_csv`: a cell that would start a formula gets a leading apostrophe.
    Returns the number of points. ``commitments`` are not written: a CSV is one table, and
    the import format (exports.promises). ``by_theme``: THEME_COLUMNS (the table per theme)."""
    from defusedcsv import csv as defused

    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        text.write("\ufeff")
        writer = defused.writer(text, delimiter=";", lineterminator="\r\n")
        writer.writerow(THEME_COLUMNS if by_theme else FLAT_COLUMNS)
        points = 0
        for table in tables:
            writer.writerows([_csv_cell(cell) for cell in row] for row in flat_rows(table))
            points += len(table.points)
    finally:
        text.detach()  # leave ``out`` open for the caller
    return points
