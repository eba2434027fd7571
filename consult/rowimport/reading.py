"""An answered table as its user sees it in Excel: rows of cells -> rows keyed by our columns.

The file readers (`csvfile`, `xlsxfile`) turn bytes into a *grid*: the file's rows, numbered as
Excel numbers them, each a list of cells. A cell is text, or an `Odd` value: something Excel
made of what was typed (a date of "1-2", the number 1.1 of "1.10", a formula without a result)
that becomes a row error wherever it lands in one of our columns, never a stored value.

`table()` finds the header row (not always row 1: a title often stands above it), maps the
header names to our columns, spreads merged cells over every row they span, and checks each
cell. Nothing here touches the database: this runs in the upload sandbox
(`consult.extract.sandbox`), and `planning` checks the rows against the consultation.
"""

import re
from dataclasses import dataclass, field

from ..extract.errors import ExtractError
from ..reports import CSV_QUOTED

# Our columns and the header names that mean them (lower case, spaces collapsed, a trailing
# ":" "*" or "." dropped). The first name in a list that the header has wins, so "Indiener" is
# the stakeholder and "Gemeente / subregio" beside it names the stakeholder's municipality or
# subregion (our own export has both).
COLUMNS: dict[str, tuple[str, ...]] = {
    "stakeholder": ("stakeholder", "indiener", "naam indiener", "afzender", "organisatie",
                    "gemeente / subregio", "gemeente/subregio", "gemeente"),
    "parent": ("parent", "onderdeel van", "gemeente / subregio", "gemeente/subregio",
               "subregio", "gemeente"),
    "kind": ("kind", "soort", "soort indiener", "type indiener"),
    "channel": ("channel", "kanaal", "vorm"),
    "title": ("title", "titel", "reactie", "titel reactie"),
    "number": ("number", "nummer", "nr", "punt nr", "puntnummer", "no"),
    "heading": ("heading", "kop", "thema", "onderwerp"),
    "text": ("text", "tekst", "punt", "uitgangspunt", "uitgangspunten", "samenvatting",
             "samenvatting zienswijze", "samenvatting reactie", "zienswijze", "opmerking",
             "inbreng"),
    "answer": ("answer", "antwoord", "toelichting", "beantwoording", "reactie gemeente",
               "reactie college", "antwoord gemeente", "standpunt gemeente", "reactie regio"),
    "destinations": ("destinations", "bestemmingen", "bestemming", "verwerkt in"),
    "status": ("status",),
}
REQUIRED = ("stakeholder", "channel", "number", "text")
# The column names as our messages show them ("Rij 4, kolom status: ..."): the English field
# names the command line has always used.
MAX_ROWS = 20_000
MAX_CELL = 100_000  # characters in one cell (a reaction as a whole may have 1 million)
HEADER_SEARCH = 10  # the header is looked for in this many rows from the top


class RowImportError(ExtractError):
    """The file as a whole cannot be read (the message is Dutch). An ExtractError, so that the
    upload sandbox hands its message back as it does for letters."""


@dataclass(frozen=True)
class Problem:
    """One problem with one cell; shown as "Rij 4, kolom status: onbekende status “x”."."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Rij {self.row}, kolom {self.column}: {self.message}"


@dataclass
class Row:
    """One row of the file with a point (or an answer to a reaction as a whole)."""

    number: int  # the row as Excel numbers it (the header is usually row 1)
    values: dict  # our column name -> the cell's text, stripped
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Table:
    """What a file holds: its rows, the columns it has, and what the reader noticed on the way
    ("the header is in row 3", "read as Windows-1252") for the dry run to show."""

    rows: list[Row]
    columns: list[str]  # our column names found in the header, in our order
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Odd:
    """A cell that is not plain text: `text` as Excel shows it; `problem` why it cannot be a
    text (None: it can), `number_problem` why it cannot be a point number (None: it can)."""

    text: str
    problem: str | None
    number_problem: str | None
    number_text: str | None = None  # the text in the number column, when it differs


Cell = str | Odd


@dataclass
class Grid:
    """A sheet as the file readers deliver it; rows are (row number, cells)."""

    rows: list[tuple[int, list[Cell]]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_columns: set[int] = field(default_factory=set)  # 0-based
    hidden_rows: set[int] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)


# --- text as it should be stored -------------------------------------------------------------

_LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_UNFIT = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """Cell text without control characters (Word's manual line break, pasted into Excel, is a
    vertical tab: it becomes a newline). Line ends as "\\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNFIT.sub("", _LINE_BREAKS.sub("\n", text))


def unquote_csv_cell(text: str) -> str:
    """A CSV cell as it was typed: "'=1+1" -> "=1+1"; "'-5%" -> "-5%"; "'gewoon" stays. Our
    CSV export puts a quote before a formula start (OWASP's rule, by defusedcsv); the import
    takes exactly that quote off again, so an exported table imports as itself."""
    if text.startswith("'"):
        typed = text[1:].replace("\\|", "|")
        if typed.startswith(CSV_QUOTED):  # what our export quotes (reports.to_csv)
            return typed
    return text


# --- point numbers ---------------------------------------------------------------------------

_NUMBER = re.compile(
    r"[0-9]{1,5}[a-z]{0,2}(\.[0-9]{1,4}[a-z]{0,2}){0,4}|[a-z]{1,2}|[ivxlc]{1,8}", re.IGNORECASE
)
_PREFIX = re.compile(r"^(punt|pt|nr|nummer|no)\.?\s*", re.IGNORECASE)
_MONTHS = ("jan|feb|mrt|mar|apr|mei|may|jun|jul|aug|sep|okt|oct|nov|dec")
_DATE_LIKE = re.compile(
    rf"^\d{{1,2}}[-/ .]({_MONTHS})[a-z]*\.?([-/ .]\d{{2,4}})?$|^({_MONTHS})[a-z]*[-/ .]\d{{1,4}}$"
    r"|^\d{1,2}[-/]\d{1,2}[-/]\d{2,4}$|^\d{4}-\d{2}-\d{2}",
    re.IGNORECASE,
)
_RANGE = re.compile(r"^\d+\s*(-|–|t/m|tot en met|,|en|&)\s*\d+$", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?e[+-]?\d+$", re.IGNORECASE)

TYPE_AS_TEXT = ("Zet de kolom in Excel op Tekst (of begin met een ') en typ het nummer "
                "opnieuw.")


def point_number(typed: str) -> tuple[str, str | None]:
    """A typed point number as stored ("Punt 3." -> "3", "(4)" -> "4", "1.10" stays) and
    the reason it is none (a date Excel made of "1-2", a range, a decimal comma), else None."""
    value = _PREFIX.sub("", typed.strip())
    value = value.strip().removeprefix("(").rstrip(".)").strip()
    if _NUMBER.fullmatch(value):
        return value, None
    if _DATE_LIKE.search(value):
        return value, (f"“{typed}” is een datum: Excel maakt van een nummer als 1-2 of 1.2 een "
                       f"datum. {TYPE_AS_TEXT}")
    if _DECIMAL_COMMA.fullmatch(value) or _SCIENTIFIC.fullmatch(value):
        # "1,1" without a space is what Dutch Excel shows of 1.10 in a CSV; "1, 2" is a list.
        return value, (f"“{typed}” is een getal dat Excel van het nummer heeft gemaakt (van "
                       f"1.10 maakt het 1,1). {TYPE_AS_TEXT} Zijn het meer punten, geef dan "
                       "elk punt een eigen rij.")
    if _RANGE.fullmatch(value):
        return value, f"“{typed}” noemt meer dan één punt; geef elk punt een eigen rij."
    return value, f"“{typed}” is geen puntnummer."


# --- header and rows -------------------------------------------------------------------------


def header_name(text: str) -> str:
    """A header cell as we compare it: lower case, spaces collapsed, trailing ":*." dropped."""
    return " ".join(text.split()).lower().rstrip(":*. ")


def _text(cell: Cell) -> str:
    return cell.text if isinstance(cell, Odd) else cell


def recognised(cells: list[Cell]) -> int:
    """How many of our columns a row names: its worth as the header row."""
    names = {header_name(_text(c)) for c in cells}
    return sum(1 for column, options in COLUMNS.items()
               if column != "parent" and names & set(options))


def _map_columns(header: list[Cell], hidden: set[int]) -> tuple[dict[str, int], list[int]]:
    """Our column -> its index in the file; a visible column beats a hidden one of the same
    name. Also the hidden columns that were used."""
    names = [header_name(_text(c)) for c in header]
    where: dict[str, int] = {}
    used: set[int] = set()
    for column, options in COLUMNS.items():
        for name in options:  # our order decides, then visible before hidden
            found = [i for i, n in enumerate(names) if n == name and i not in used]
            if found:
                best = min(found, key=lambda i: (i in hidden, i))
                where[column] = best
                used.add(best)
                break
    return where, sorted(i for i in where.values() if i in hidden)


def _spread_merged(grid: Grid, header_row: int) -> None:
    """A merged cell holds its value in its top-left cell only; it counts for every row it
    spans (one Toelichting beside the points it answers), in its first column."""
    by_number = {n: cells for n, cells in grid.rows}
    for r1, c1, r2, _c2 in grid.merged:
        top = by_number.get(r1)
        if r2 <= header_row or top is None or c1 > len(top):
            continue
        value = top[c1 - 1]
        for n in range(max(r1 + 1, header_row + 1), r2 + 1):
            cells = by_number.get(n)
            if cells is None:
                cells = by_number[n] = []
                grid.rows.append((n, cells))
            cells.extend([""] * (c1 - len(cells)))
            cells[c1 - 1] = value
    grid.rows.sort(key=lambda item: item[0])


def _cell(row_number: int, column: str, cell: Cell) -> tuple[str, Problem | None]:
    """The stored text of one cell of our column, and its problem if it has one."""
    if isinstance(cell, Odd):
        reason = cell.number_problem if column == "number" else cell.problem
        if reason:
            return cell.text, Problem(row_number, column, reason)
        text = (cell.number_text or cell.text) if column == "number" else cell.text
    else:
        text = cell
    text = clean(text).strip()
    if len(text) > MAX_CELL:
        return text[:MAX_CELL], Problem(
            row_number, column, f"meer dan {MAX_CELL:,} tekens in één cel.".replace(",", "."))
    if column == "number" and text:
        text, reason = point_number(text)
        if reason:
            return text, Problem(row_number, column, reason)
    return text, None


def table(grid: Grid) -> Table:
    """The rows of a sheet under its header, keyed by our column names, each cell checked."""
    if not any(any(_text(c).strip() for c in cells) for _n, cells in grid.rows):
        raise RowImportError("Het bestand is leeg.")
    top = grid.rows[:HEADER_SEARCH]
    header_row, header = max(top, key=lambda item: (recognised(item[1]), -item[0]))
    where, hidden_used = _map_columns(header, grid.hidden_columns)
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise RowImportError("De kopregel mist de kolom(men): " + ", ".join(missing) + ".")
    notices = list(grid.notices)
    if header_row != 1:
        notices.append(f"De kolomkoppen staan in rij {header_row}; wat erboven staat is "
                       "overgeslagen.")
    for i in hidden_used:
        notices.append(f"De verborgen kolom “{_text(header[i]).strip()}” is ook ingelezen.")
    _spread_merged(grid, header_row)
    rows: list[Row] = []
    hidden_rows = 0
    for number, cells in grid.rows:
        if number <= header_row:
            continue
        row = Row(number, {})
        for column, index in where.items():
            cell = cells[index] if index < len(cells) else ""
            row.values[column], problem = _cell(number, column, cell)
            if problem:
                row.problems.append(problem)
        if not any(row.values.values()) and not row.problems:
            continue  # an empty row (Excel keeps formatted empty rows at the end)
        if len(rows) == MAX_ROWS:
            raise RowImportError(
                f"Meer dan {MAX_ROWS:,} rijen: splits het bestand.".replace(",", "."))
        hidden_rows += number in grid.hidden_rows
        rows.append(row)
    if hidden_rows:
        notices.append(f"{hidden_rows} verborgen of weggefilterde rij(en) zijn ook ingelezen.")
    return Table(rows, [c for c in COLUMNS if c in where], notices)
