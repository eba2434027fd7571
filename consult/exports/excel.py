"""The Excel table, streamed: openpyxl's write-only mode makes the workbook (styles, column
widths, frozen header row, filters); the body rows are written as XML text straight into the
worksheet part, chunk by chunk.

openpyxl builds, checks and styles a Cell object for every value, even in write-only mode
(~20 µs a cell, 110,000 cells for 10,000 points): writing its cells with WriteOnlyCell only
made the export 1.4x faster. The rows here are the XML openpyxl writes for such cells (an
inline string with the shared wrap style; the quote-prefix style where a text would read as a
formula), so every cell is still text, never a formula. Two exceptions to "text": a plain
point number (1, 2, 10) is a number cell, so the column sorts 1, 2, 10 and not 1, 10, 2 (the
import reads it back as the same number); and a text longer than Excel holds in a cell is cut
with a visible note (`fit`).
"""

import io
import re
import zipfile
from collections.abc import Iterable
from typing import BinaryIO
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from ..models import Consultation
from ..reports import FLAT_COLUMNS, FORMULA_START, THEME_COLUMNS, Table, flat_rows
from . import promises

SHEET = "Beantwoorde punten"
WIDTHS = (22, 26, 16, 18, 24, 8, 20, 60, 60, 36, 14, 40)  # characters, per FLAT_COLUMNS
_PART = "xl/worksheets/sheet1.xml"
_END_OF_ROWS = b"</sheetData>"
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS = _ALPHABET[:len(FLAT_COLUMNS)]
_FILTER = '<autoFilter ref="A1:{last}{rows}"/>'
NUMBER = FLAT_COLUMNS.index("Nummer")
# The table per theme: the theme's title and description before FLAT_COLUMNS.
THEME_SHEET = "Beantwoording per thema"
THEME_WIDTHS = (28, 40, *WIDTHS)
PROMISES_SHEET = "Toezeggingen"
PROMISE_WIDTHS = (60, 24, 12, 24, 12, 40, 26, 14)  # characters, per promises.COLUMNS
_PROMISES_PART = "xl/worksheets/sheet2.xml"
_PROMISE_LETTERS = _ALPHABET[:len(PROMISE_WIDTHS)]
MAX_CELL = 32_767  # Excel's limit: characters (UTF-16 code units) in one cell
_PLAIN_NUMBER = re.compile(r"[1-9][0-9]{0,14}")  # no leading zero, exact as a double


def plain_number(text: str) -> int | None:
    """The point number as a number when it is plain digits ("10" -> 10); None for "1.2",
    "2a", "007" or "" (those stay text: a number would lose how they were written)."""
    return int(text) if _PLAIN_NUMBER.fullmatch(text) else None


def fit(text: str) -> str:
    """The text as an Excel cell can hold it: whole when it fits in MAX_CELL, else cut with a
    note at its end that says so and where the whole text is (Excel refuses a longer cell:
    the file would open as damaged)."""
    if _units(text) <= MAX_CELL:
        return text
    size = f"{len(text):,}".replace(",", ".")  # Dutch thousands: 40.000
    note = " " + _("[… cut off: this text has %(n)s characters, more than an Excel cell "
                   "holds; the CSV and Word files have it whole.]", n=size)
    room = MAX_CELL - _units(note)
    kept = text[:room]
    while _units(kept) > room:  # characters outside the BMP count twice
        kept = kept[:-1]
    return kept + note


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def write_xlsx(consultation: Consultation, tables: Iterable[Table], out: BinaryIO,
               commitments: list[promises.Promise] = (), by_theme: bool = False) -> int:
    """Write one row a point (and a row per answer to a reaction as a whole), FLAT_COLUMNS,
    to ``out``: bold header, frozen, with filters; wrapped text aligned to the top; every
    cell text, never a formula. A second sheet ("Toezeggingen") has those of ``commitments``
    made in the answers the first shows. Returns the number of points. ``by_theme``: the
    table per theme, THEME_COLUMNS on a sheet of its own name (a point in two themes has a
    row under each)."""
    columns = THEME_COLUMNS if by_theme else FLAT_COLUMNS
    letters = _ALPHABET[:len(columns)]
    skeleton, styles = _skeleton(by_theme)
    points = 0
    answers: set[int] = set()
    with zipfile.ZipFile(io.BytesIO(skeleton)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        # compresslevel 1 for the rows (most of the file): faster, a few % larger.
        for info in source.infolist():
            if info.filename == _PROMISES_PART:  # after _PART: every table is read by now
                xml = source.read(info.filename)
                at = xml.rindex(_END_OF_ROWS)
                rows = [_row(n, p.cells, styles, _PROMISE_LETTERS) for n, p in enumerate(
                    promises.shown(commitments, answers), start=2)]
                target.writestr(info, xml[:at] + "".join(rows).encode("utf-8") + xml[at:])
                continue
            if info.filename != _PART:
                target.writestr(info, source.read(info.filename))
                continue
            xml = source.read(info.filename)
            at = xml.rindex(_END_OF_ROWS)
            row = 1  # the header row
            with target.open(info.filename, "w") as sheet:
                sheet.write(xml[:at])
                for table in tables:
                    points += len(table.points)
                    answers |= promises.answered(table)
                    lines = []
                    for cells in flat_rows(table):
                        row += 1
                        lines.append(_row(row, cells, styles, letters,
                                          number_column=columns.index("Nummer")))
                    sheet.write("".join(lines).encode("utf-8"))
                sheet.write(_with_filter(xml[at:], row, letters[-1]))
    return points


def _skeleton(by_theme: bool = False) -> tuple[bytes, tuple[int, int]]:
    """The workbook with its header rows only (the table's sheet, then the commitments'),
    and the style ids of a body cell (wrapped, aligned to the top) and of one that would read
    as a formula (also the quote prefix). ``by_theme``: the sheet of the table per theme."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    columns, widths = (THEME_COLUMNS, THEME_WIDTHS) if by_theme else (FLAT_COLUMNS, WIDTHS)
    letters = _ALPHABET[:len(columns)]
    sheet = book.create_sheet(THEME_SHEET if by_theme else SHEET)
    for letter, width in zip(letters, widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title in columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    ids = []
    for quote in (False, True):  # reading style_id registers the style with the workbook
        cell = WriteOnlyCell(sheet, value="")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.quotePrefix = quote
        ids.append(cell.style_id)
    sheet.auto_filter.ref = f"A1:{letters[-1]}1"
    second = book.create_sheet(PROMISES_SHEET)
    for letter, width in zip(_PROMISE_LETTERS, PROMISE_WIDTHS, strict=True):
        second.column_dimensions[letter].width = width
    second.freeze_panes = "A2"
    bold = []
    for title in promises.COLUMNS:
        cell = WriteOnlyCell(second, value=title)
        cell.font = Font(bold=True)
        bold.append(cell)
    second.append(bold)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), (ids[0], ids[1])


def _with_filter(tail: bytes, rows: int, last: str = _LETTERS[-1]) -> bytes:
    """The end of the sheet with the filter over every row written (``last``: the letter of
    the last column)."""
    placeholder = _FILTER.format(last=last, rows=1).encode()
    if placeholder not in tail:
        raise RuntimeError("openpyxl wrote the sheet's filter in another way")
    return tail.replace(placeholder, _FILTER.format(last=last, rows=rows).encode())


def _row(number: int, cells: list[str], styles: tuple[int, int], letters: str = _LETTERS,
         number_column: int | None = None) -> str:
    """One sheet row as openpyxl writes it: each value an inline string (t="inlineStr"),
    but a plain number in ``number_column`` a number."""
    out = [f'<row r="{number}">']
    for column, (letter, text) in enumerate(zip(letters, cells, strict=True)):
        style = styles[text.lstrip().startswith(FORMULA_START)]
        if column == number_column and (value := plain_number(text)) is not None:
            out.append(f'<c r="{letter}{number}" s="{style}"><v>{value}</v></c>')
            continue
        text = fit(text)
        where = f'<c r="{letter}{number}" s="{style}" t="inlineStr">'
        if not text:
            out.append(where + "</c>")
            continue
        space = "" if text == text.strip() else ' xml:space="preserve"'
        if _SPECIAL.search(text):
            text = escape(text, _CR)
        out.append(f'{where}<is><t{space}>{text}</t></is></c>')
    out.append("</row>")
    return "".join(out)


_CR = {"\r": "&#13;"}  # a bare CR would be read back as LF
_SPECIAL = re.compile(r"[&<>\r]")
