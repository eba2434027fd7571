"""An Excel workbook (.xlsx) -> a grid of cells, as Excel shows them.

openpyxl reads the values (streaming, read-only mode: a sheet with a million formatted empty
rows costs no memory); the sheet's own XML is read once more, with lxml, for what read-only
mode leaves out: merged cells, hidden rows and columns, and which cells hold a formula (and
whether the file carries its result). Cells Excel made something else of than text are `Odd`:
dates, true/false, error values (#N/A), formulas without a stored result, and decimal numbers
in the number column (1.10 typed is 1.1 stored).

Every part is checked before openpyxl sees it: at most `Limits.zip_entries` parts, none that
unpacks beyond `Limits.xml_part`, no DOCTYPE or entity declarations (the checks of
consult.extract.package for Word files).
"""

import io
import re
import warnings
import zipfile
from datetime import date, datetime, time

from lxml import etree

from ..extract.errors import TOO_BIG_UNPACKED, Limits, too_complex
from .reading import Grid, Odd, RowImportError, recognised

NOT_XLSX = "Dit is geen Excel-bestand (.xlsx). Sla de tabel op als .xlsx of CSV."
OLD_XLS = ("Dit is een oud Excel-bestand (.xls). Sla het in Excel op als Excel-werkmap (.xlsx) "
           "of als CSV en probeer het opnieuw.")
ODS = ("Dit is een OpenDocument-rekenblad (.ods). Sla het in LibreOffice op als Excel 2007-365 "
       "(.xlsx) of als CSV en probeer het opnieuw.")
UNREADABLE = "Dit Excel-bestand kan niet worden gelezen."
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")
_DECIMALS = re.compile(r"0[.,](0+)")


def _check_package(data: bytes, limits: Limits) -> None:
    """Refuse what is no workbook, or one that unpacks too large or declares entities."""
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise RowImportError(OLD_XLS)
    if not data.startswith(b"PK\x03\x04"):
        raise RowImportError(NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise RowImportError(UNREADABLE) from exc
    names = {e.filename for e in entries}
    if "mimetype" in names and archive.read("mimetype").startswith(
            b"application/vnd.oasis.opendocument.spreadsheet"):
        raise RowImportError(ODS)
    if "xl/workbook.xml" not in names:
        raise RowImportError(NOT_XLSX)
    if len(entries) > limits.zip_entries:
        raise RowImportError(str(too_complex(
            f"meer dan {limits.zip_entries:,} onderdelen".replace(",", "."))))
    for entry in entries:
        if entry.file_size > limits.xml_part:
            raise RowImportError(TOO_BIG_UNPACKED)
        if entry.filename.endswith((".xml", ".rels")):
            try:
                part = archive.read(entry)
            except (zipfile.BadZipFile, ValueError, OSError, EOFError,
                    NotImplementedError) as exc:
                raise RowImportError(UNREADABLE) from exc
            if b"<!DOCTYPE" in part or b"<!ENTITY" in part:
                raise RowImportError(UNREADABLE)


def _column_index(ref: str) -> int:
    """"AB12" -> 28 (1-based column)."""
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n


def _range(ref: str) -> tuple[int, int, int, int]:
    """"B2:C5" -> (2, 2, 5, 3): first row, first column, last row, last column."""
    first, _colon, last = ref.partition(":")
    last = last or first
    return (int(re.sub(r"\D", "", first)), _column_index(first),
            int(re.sub(r"\D", "", last)), _column_index(last))


def _sheet_facts(xml: bytes) -> tuple[list, set[int], set[int], dict]:
    """From a sheet's XML: merged ranges, hidden columns (0-based), hidden rows, and the
    formula cells {(row, column): has a stored result}."""
    merged, hidden_columns, hidden_rows, formulas = [], set(), set(), {}
    row = column = 0
    events = etree.iterparse(
        io.BytesIO(xml), events=("start", "end"), resolve_entities=False, no_network=True,
        huge_tree=False, load_dtd=False,
    )
    for event, element in events:
        tag = element.tag
        if event == "start":
            if tag == _MAIN + "row":
                row = int(element.get("r") or row + 1)
                column = 0
                if element.get("hidden") in ("1", "true"):
                    hidden_rows.add(row)
            elif tag == _MAIN + "c":
                ref = element.get("r")
                column = _column_index(ref) if ref else column + 1
            continue
        if tag == _MAIN + "c":
            if element.find(_MAIN + "f") is not None:
                stored = element.find(_MAIN + "v")
                formulas[(row, column)] = stored is not None and bool(stored.text)
            element.clear()
        elif tag == _MAIN + "row":
            element.clear()
        elif tag == _MAIN + "col" and element.get("hidden") in ("1", "true"):
            first, last = int(element.get("min", "1")), int(element.get("max", "1"))
            hidden_columns.update(range(first - 1, min(last, 16_384)))
        elif tag == _MAIN + "mergeCell" and element.get("ref"):
            merged.append(_range(element.get("ref")))
    return merged, hidden_columns, hidden_rows, formulas


def _dutch_date(value) -> str:
    if isinstance(value, datetime) and value.time() != time(0):
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year} {value:%H:%M}"
    if isinstance(value, datetime | date):
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    return f"{value:%H:%M}"


def _float(value: float, number_format: str) -> Odd:
    """A decimal number as Excel shows it: with a decimal comma in a text column; in the
    number column only when its format shows the decimals as typed (1.10 with format 0.00)."""
    decimals = _DECIMALS.search(number_format or "")
    places = len(decimals.group(1)) if decimals else None
    if "%" in (number_format or ""):
        shown = f"{value * 100:.{places or 0}f}".replace(".", ",") + "%"
        return Odd(shown, None, f"“{shown}” is een percentage, geen puntnummer.")
    if places is not None:
        return Odd(f"{value:.{places}f}".replace(".", ","), None, None, f"{value:.{places}f}")
    shown = repr(value).replace(".", ",")
    return Odd(shown, None, (
        f"Excel heeft van het puntnummer het getal {shown} gemaakt (van 1.10 maakt het 1,1): "
        "wat er getypt was is niet meer te zien. Zet de kolom in Excel op Tekst (of begin met "
        "een ') en typ het nummer opnieuw."))


def cell_value(value, data_type: str, number_format: str, formula: bool | None):
    """One cell as text, or Odd when Excel made something else of it (formula: None for no
    formula, else whether the file holds its result)."""
    if formula is False or (formula and value is None):
        message = ("een formule zonder uitkomst in het bestand. Open het bestand in Excel of "
                   "LibreOffice en sla het op, of vervang de formule door de tekst.")
        return Odd("", message, message)
    if value is None:
        return ""
    if isinstance(value, bool):
        shown = "WAAR" if value else "ONWAAR"
        message = f"Excel heeft hier de waarde {shown} van gemaakt; typ de tekst."
        return Odd(shown, message, message)
    if isinstance(value, time):
        shown = _dutch_date(value)
        return Odd(shown, f"Excel heeft hier een tijd van gemaakt ({shown}). Zet de kolom in "
                          "Excel op Tekst (of begin met een ') en typ de tekst opnieuw.",
                   f"Excel heeft van het puntnummer een tijd gemaakt ({shown}): van 1:2 maakt "
                   "het 01:02. Zet de kolom in Excel op Tekst (of begin met een ') en typ het "
                   "nummer opnieuw.")
    if isinstance(value, datetime | date):
        shown = _dutch_date(value)
        return Odd(shown, f"Excel heeft hier een datum van gemaakt ({shown}). Zet de kolom in "
                          "Excel op Tekst (of begin met een ') en typ de tekst opnieuw.",
                   f"Excel heeft van het puntnummer een datum gemaakt ({shown}): van 1-2 maakt "
                   "het 1 februari. Zet de kolom in Excel op Tekst (of begin met een ') en typ "
                   "het nummer opnieuw.")
    if data_type == "e":
        message = f"Excel geeft hier de fout {value}."
        return Odd(str(value), message, message)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return _float(value, number_format)
    return str(value)


def _pick_sheet(book) -> tuple[object, str | None]:
    """The sheet with the header that names the most of our columns (ties: the active sheet,
    then the first); a notice when it is not the first sheet."""
    sheets = [ws for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    if not sheets:
        raise RowImportError("Dit Excel-bestand heeft geen zichtbaar werkblad.")
    active = book.active

    def worth(ws) -> tuple[int, int]:
        rows = ws.iter_rows(min_row=1, max_row=10, values_only=True)
        best = max((recognised(["" if v is None else str(v) for v in row]) for row in rows),
                   default=0)
        return best, ws is active

    chosen = max(sheets, key=worth)
    notice = None if chosen is sheets[0] else f"Gelezen: het werkblad “{chosen.title}”."
    return chosen, notice


def read(data: bytes, limits: Limits) -> Grid:
    """The chosen sheet of a workbook as a grid; RowImportError with a Dutch message."""
    from openpyxl import load_workbook

    _check_package(data, limits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Data Validation extension is not supported", ...
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            for ws in book.worksheets:
                # The sheet's declared size ("A1:XFD1048576" once a cell far down was typed
                # in, or from another program) would pad every row to 16,384 cells and fill
                # every gap with empty rows: read only the cells the file holds.
                ws.reset_dimensions()
            sheet, notice = _pick_sheet(book)
            xml = zipfile.ZipFile(io.BytesIO(data)).read(sheet._worksheet_path)
            merged, hidden_columns, hidden_rows, formulas = _sheet_facts(xml)
            rows = []
            results = 0
            for counted, cells in enumerate(sheet.iter_rows(min_row=1), start=1):
                # A cell knows its row; a row of empty cells only where it stands.
                number = next((c.row for c in cells if getattr(c, "row", None)), counted)
                out = []
                for column, cell in enumerate(cells, start=1):
                    formula = formulas.get((number, column))
                    results += bool(formula)
                    out.append(cell_value(getattr(cell, "value", None),
                                          getattr(cell, "data_type", "n"),
                                          getattr(cell, "number_format", "General"), formula))
                while out and out[-1] == "":
                    out.pop()
                if out:
                    rows.append((number, out))
            book.close()
        except RowImportError:
            raise
        except (etree.XMLSyntaxError, zipfile.BadZipFile, KeyError, ValueError, TypeError,
                OSError, EOFError, IndexError, AttributeError) as exc:
            raise RowImportError(UNREADABLE) from exc
    notices = [notice] if notice else []
    if results:
        notices.append(f"{results} cel(len) met een formule: de uitkomst die Excel toont is "
                       "ingelezen.")
    return Grid(rows, merged, hidden_columns, hidden_rows, notices)
