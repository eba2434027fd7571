"""A CSV file as Excel, LibreOffice and Google Sheets write it -> a grid of cell texts.

RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180): cells quoted with '"' when they hold the
delimiter, a quote or a line break ("" is a quote inside), CRLF or LF line ends, cells of many
lines. What differs per producer, and how it is found:

- the encoding: a byte-order mark says UTF-8 ("CSV UTF-8") or UTF-16 (Excel's "Unicode
  text", tab-separated); without one, UTF-8 if the bytes are UTF-8, else Windows-1252, which
  Dutch Excel writes for "CSV (gescheiden door lijstscheidingsteken)";
- the delimiter: ";" (Dutch Excel), "," (Google Sheets, LibreOffice, English Excel) or tab.
  Excel's own hint line "sep=;" decides when it is there; otherwise the delimiter is the one
  under which a row of the first ten names the most of our columns. The header decides, not a
  statistical sniffer: csv.Sniffer gives up on quoted delimiters and long multi-line cells,
  and clevercsv (tried) takes the apostrophe of Dutch words ("JGT's", "komma's") for a quote
  character on samples of 16-64 KB. The quote character is always '"': every spreadsheet
  program writes that one.
- a leading "'" that our own export puts before a cell that would start a formula is taken
  off again (reading.unquote_csv_cell).

Rows are numbered as Excel numbers them when it opens the file: one row per record, however
many lines its cells have (and the "sep=" line is no row).
"""

import codecs
import csv
import io

from .reading import COLUMNS, Grid, RowImportError, header_name, unquote_csv_cell

DELIMITERS = (";", ",", "\t")
_NAMES = {name for options in COLUMNS.values() for name in options}


def decode(data: bytes) -> tuple[str, str | None]:
    """The text of the file and, when it was not UTF-8, a notice naming its encoding."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), None
        except UnicodeDecodeError as exc:
            raise RowImportError(
                "Het bestand zegt UTF-8 te zijn, maar is het niet (teken "
                f"{exc.start + 3}). Sla het opnieuw op als CSV UTF-8.") from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "Gelezen als UTF-16 (Excel: Unicode-tekst)."
        except UnicodeDecodeError as exc:
            raise RowImportError("Dit UTF-16-bestand is beschadigd.") from exc
    head = data[:2000]
    if len(head) >= 4 and head.count(b"\x00") * 3 > len(head):  # UTF-16 without a mark
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(encoding), "Gelezen als UTF-16 (Excel: Unicode-tekst)."
        except UnicodeDecodeError as exc:
            raise RowImportError("Dit UTF-16-bestand is beschadigd.") from exc
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, "Gelezen als Windows-1252 (Excel: CSV met lijstscheidingsteken)."


def _records(text: str, delimiter: str, strict: bool):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                      doublequote=True, strict=strict)


def _score(text: str, delimiter: str) -> tuple[int, int]:
    """How well a delimiter reads the top of the file: the most of our column names one of
    the first ten rows has, then how many cells that row has."""
    best = (0, 0)
    try:
        for n, record in enumerate(_records(text[:200_000], delimiter, strict=False)):
            if n == 10:
                break
            names = {header_name(cell) for cell in record} & _NAMES
            best = max(best, (len(names), len(record)))
    except csv.Error:
        pass
    return best


def delimiter_of(text: str) -> tuple[str, str]:
    """The delimiter, and the text without Excel's "sep=X" hint line if it had one."""
    first, _newline, rest = text.partition("\n")
    hint = first.strip().strip('"')
    if hint.lower().startswith("sep=") and len(hint) == 5:
        return hint[4], rest
    scores = {d: _score(text, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: scores[d])  # ties: the order above
    return best, text


def read(data: bytes) -> Grid:
    """The records of a CSV file as a grid; a Dutch error naming the row if it is broken."""
    csv.field_size_limit(10 * 1024 * 1024)  # the file's size bounds it; no cell is cut off
    text, notice = decode(data)
    if not text.strip():
        raise RowImportError("Het bestand is leeg.")
    delimiter, text = delimiter_of(text)
    rows = []
    reader = _records(text, delimiter, strict=True)
    try:
        for number, record in enumerate(reader, start=1):
            rows.append((number, [unquote_csv_cell(cell) for cell in record]))
    except csv.Error as exc:
        row = len(rows) + 1
        if "unexpected end of data" in str(exc):
            raise RowImportError(
                f"Rij {row}: een aanhalingsteken (\") wordt nergens gesloten, zodat de rest "
                "van het bestand één cel zou worden. Sluit de cel of haal het teken weg."
            ) from exc
        if "expected after" in str(exc):
            raise RowImportError(
                f"Rij {row}: na een afsluitend aanhalingsteken (\") volgt geen "
                f"scheidingsteken ({_name(delimiter)}). Zet de hele cel tussen aanhalingstekens "
                "en verdubbel de aanhalingstekens erin (\"\")."
            ) from exc
        raise RowImportError(f"Rij {row} kan niet worden gelezen als CSV.") from exc
    return Grid(rows, notices=[notice] if notice else [])


def _name(delimiter: str) -> str:
    return {";": "puntkomma", ",": "komma", "\t": "tab"}[delimiter]
