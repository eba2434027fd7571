"""Page furniture: the lines a PDF, a printout or a letterhead puts on every page.

Pure functions on the lines of a text (whitespace-normalised, one string per line). Every rule
here names a line that carries no words of the letter, so the splitter drops it wherever it
falls, also in the middle of a sentence (the sentence goes on after it):

- page numbers: "- 3 -", "Pagina 3", "Pagina 3 van 4", "Pagina 4/4", "Page 2 of 5", "Blz. 3"
  anywhere; "3 van 7" and "3/7" anywhere when the first number is not the larger; a bare "10"
  only between blank lines (a footnote marker right above or below text is kept);
  a footer with a page number after a separator ("Advies Wmo-raad | Pagina 2 van 4");
- what a browser prints around a web page or a local file: the header with date and time
  ("11/29/26, 5:02 PM Advies Wmo-raad") and the footer with the address and the page counter
  ("file:///C:/Users/.../advies.html 1/1", "https://www.example.nl/advies 2/3");
- the header the consultation table repeats on every page ("Gemeente / subregio",
  "Uitgangspunten Toelichting"), also when the PDF split it over several lines;
- reference lines of a letterhead: "Ons kenmerk", "Uw kenmerk", "Kenmerk", "Datum", "Uw brief
  van", "Zaaknummer", ... with their value or alone, also several on one line ("Kenmerk / Datum
  2023/45 / 1 maart 2023"); a value right under such a label ("12 maart 2023", "Z/23/123456");
- running headers and footers: a short line repeated on later pages, once it shows itself as
  furniture (it opens the text, stands next to other furniture, or cuts through a sentence).
"""

import re
from collections import defaultdict

MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december "
    "jan feb mrt apr jun jul aug sep sept okt nov dec"
)
_MONTH = "(?:" + "|".join(MONTHS.split()) + ")\\.?"
DATE = rf"(?:[0-9]{{1,2}}\s+{_MONTH}\s+[0-9]{{4}}|[0-9]{{1,2}}[-/.][0-9]{{1,2}}[-/.][0-9]{{2,4}})"

_PAGE_ALWAYS = re.compile(
    r"[-–—]\s*[0-9]{1,4}\s*[-–—]"
    r"|(?:pagina|page|blz\.?|p\.)\s*[0-9]{1,4}(?:\s*(?:/|van|of)\s*[0-9]{1,4})?",
    re.IGNORECASE,
)
_PAGE_OF = re.compile(r"([0-9]{1,3})\s*(?:/|van|of)\s*([0-9]{1,3})", re.IGNORECASE)
_PAGE_ALONE = re.compile(r"[0-9]{1,4}")
# "Advies Wmo-raad | Pagina 2 van 4": a footer text, a separator, then the page number.
_PAGE_FOOTER = re.compile(
    r".{1,80}?\s[|·•–—-]\s(?:pagina|page|blz\.?)\s*[0-9]{1,4}(?:\s*(?:/|van|of)\s*[0-9]{1,4})?"
    r"|(?:pagina|page)\s*[0-9]{1,4}(?:\s*(?:/|van|of)\s*[0-9]{1,4})?\s[|·•–—-]\s.{1,80}",
    re.IGNORECASE,
)
# What Chrome, Firefox and Edge print at the top and bottom of a page.
_PRINT_HEADER = re.compile(
    r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4},?\s+[0-9]{1,2}[:.][0-9]{2}(?::[0-9]{2})?"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s.{0,120})?"
)
_PRINT_FOOTER = re.compile(
    r"(?:file|about|blob):/*\S*(?:\s.{0,40})?"
    r"|(?:https?://|www\.)\S+\s+[0-9]{1,3}\s*/\s*[0-9]{1,3}"
)
_LABELS = (
    r"Ons kenmerk|Uw kenmerk|Kenmerk|Onze referentie|Uw referentie|Datum|Uw brief van|Uw brief"
    r"|Zaaknummer|Dossiernummer|Documentnummer|Registratienummer|Verzenddatum|Doorkiesnummer"
    r"|Ons nummer|Uw nummer"
)
_LETTERHEAD = re.compile(
    rf"(?:{_LABELS})(?:\s*[/|]\s*(?:{_LABELS}))*"
    r"(?:\s*:.*|\s+\S*[0-9]\S*(?:\s.*)?)?"
)
_LABEL_ONLY = re.compile(rf"(?:{_LABELS})(?:\s*[/|]\s*(?:{_LABELS}))*\s*:?")
# The value printed under a label in a letterhead column: a date or a reference with digits.
_LABEL_VALUE = re.compile(rf"{DATE}|[A-Za-z]{{0,6}}[-/]?[0-9][0-9A-Za-z./-]{{2,30}}")
# The header the consultation table repeats on every page, as the PDF extraction breaks it up.
_TABLE_HEADERS = (
    ("gemeente /", "subregio"),
    ("gemeente / subregio",),
    ("gemeente / subregio uitgangspunten toelichting",),
    ("uitgangspunten toelichting",),
)
_RUNNING_MIN, _RUNNING_MAX = 4, 100  # length of a running header or footer line
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.[a-z]{2,}", re.IGNORECASE)


def _blank_around(stripped: list[str], i: int, found: set[int]) -> bool:
    """Whether the lines on both sides of line i are blank or furniture (or the text ends)."""
    before = i == 0 or not stripped[i - 1] or i - 1 in found
    after = i == len(stripped) - 1 or not stripped[i + 1] or i + 1 in found
    return before and after


def _page_counter(s: str) -> bool:
    """ "3 van 7", "3/7", "Page 3 of 7": a page counter (the first number not the larger)."""
    m = _PAGE_OF.fullmatch(s)
    return bool(m) and 0 < int(m[1]) <= int(m[2])


def page_number(s: str) -> bool:
    """Whether the line is a page number ("- 3 -", "Pagina 3 van 4", "3/7") or a footer built
    around one ("Wmo-raad | Pagina 2 van 4"). A bare "3" is one only between blank lines."""
    if not s or len(s) > 160:
        return False
    return bool(_PAGE_ALWAYS.fullmatch(s) or _page_counter(s) or _PAGE_FOOTER.fullmatch(s))


def printed_by_browser(s: str) -> bool:
    """Whether the line is a browser's print header (date, time, title) or footer (address)."""
    return len(s) <= 200 and bool(_PRINT_HEADER.fullmatch(s) or _PRINT_FOOTER.fullmatch(s))


def letterhead(s: str) -> bool:
    """Whether the line is a reference line of a letterhead ("Ons kenmerk: ...", "Datum ...")."""
    return len(s) <= 80 and bool(_LETTERHEAD.fullmatch(s))


def _table_headers(stripped: list[str], found: set[int]) -> set[int]:
    """Lines of the repeated table header, also when the PDF split it over several lines (other
    furniture, in `found`, may stand between them)."""
    content = [i for i, s in enumerate(stripped) if s and i not in found]
    lower = [stripped[i].lower() for i in content]
    firsts = {header[0] for header in _TABLE_HEADERS}
    found: set[int] = set()
    for k, text in enumerate(lower):
        if text not in firsts:
            continue
        for header in _TABLE_HEADERS:
            if tuple(lower[k : k + len(header)]) == header:
                found.update(content[k : k + len(header)])
    return found


def _label_values(stripped: list[str], found: set[int]) -> set[int]:
    """The value lines right under a bare letterhead label ("Datum" / "12 maart 2023")."""
    values = set()
    for i in sorted(found):
        if not _LABEL_ONLY.fullmatch(stripped[i]):
            continue
        j = i + 1
        while j < len(stripped) and not stripped[j]:
            j += 1
        if j < len(stripped) and j not in found and _LABEL_VALUE.fullmatch(stripped[j]):
            values.add(j)
    return values


def _neighbours(stripped: list[str], i: int) -> tuple[int | None, int | None]:
    """The nearest non-blank lines above and below line i."""
    up = i - 1
    while up >= 0 and not stripped[up]:
        up -= 1
    down = i + 1
    while down < len(stripped) and not stripped[down]:
        down += 1
    return (up if up >= 0 else None), (down if down < len(stripped) else None)


def _cuts_sentence(
    stripped: list[str], s: str, up: int | None, down: int | None, item_shaped
) -> bool:
    """Whether line s stands inside one sentence: no end above it, lowercase text below it."""
    if up is None or down is None:
        return False
    above, below = stripped[up], stripped[down]
    if s in (above, below) or item_shaped(below):
        return False
    return above.rstrip("”’\"')]»")[-1:] not in ".!?:;" and below[:1].islower()


def running_lines(stripped: list[str], dropped: set[int], item_shaped, head: set[int]) -> set[int]:
    """Repeated headers and footers: a short line that comes back, once it shows as furniture.

    A repeated line (4-100 characters, 2-15 words, a capital or digit first, no sentence end,
    not a list item) is furniture: everywhere below the letter's head when one occurrence is in
    the head (`head`: line indices), the letterhead repeated on every page (the one in the head
    stays with the letter's opening); when it opens the text, where it comes back next to other
    furniture or inside a sentence; otherwise where it stands next to other furniture at least
    twice.
    """
    seen: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(stripped):
        if _RUNNING_MIN <= len(s) <= _RUNNING_MAX and i not in dropped:
            seen[s].append(i)
    first = next((i for i, s in enumerate(stripped) if s and i not in dropped), None)
    found: set[int] = set()
    for s, where in seen.items():
        if len(where) < 2 or not _header_shaped(s) or item_shaped(s):
            continue
        if any(i in head for i in where):
            found.update(i for i in where if i not in head)
        elif where[0] == first:
            found.update(
                i for i in where[1:]
                if _next_to_furniture(stripped, i, dropped)
                or _cuts_sentence(stripped, s, *_neighbours(stripped, i), item_shaped)
            )
        else:
            showing = [
                i for i in where
                if _next_to_furniture(stripped, i, dropped)
                or (_letterhead_like(s) and _cuts_sentence(
                    stripped, s, *_neighbours(stripped, i), item_shaped))
            ]
            if len(showing) >= 2:
                found.update(showing)
    return found


def _header_shaped(s: str) -> bool:
    """A line that can be a running header: a few words, a capital or digit first, no sentence
    end or comma at its end; or a web or e-mail address alone."""
    words = s.split()
    if len(words) == 1:
        return bool(_ADDRESS.fullmatch(s))
    return len(words) <= 15 and (s[0].isupper() or s[0].isdigit()) and s[-1] not in ".,;:!?"


def _letterhead_like(s: str) -> bool:
    """A line of names and numbers ("Postbus 123 | 2300 AB Leiden", "Adviesraad Sociaal Domein
    Leiden"): three or more words, most of them capitalised or numbers."""
    words = s.split()
    strong = sum(1 for w in words if w[0].isupper() or w[0].isdigit() or not w[0].isalnum())
    return len(words) >= 3 and strong * 3 >= len(words) * 2


def _next_to_furniture(stripped: list[str], i: int, dropped: set[int]) -> bool:
    """Whether the nearest line above or below line i is furniture."""
    up, down = _neighbours(stripped, i)
    return up in dropped or down in dropped


def furniture(stripped: list[str]) -> set[int]:
    """Indices of the lines to drop, but for running lines (they need the letter's head)."""
    found = {
        i
        for i, s in enumerate(stripped)
        if s and (page_number(s) or printed_by_browser(s) or letterhead(s))
    }
    found |= {
        i
        for i, s in enumerate(stripped)
        if _PAGE_ALONE.fullmatch(s) and _blank_around(stripped, i, found)
    }
    found |= _table_headers(stripped, found)
    found |= _label_values(stripped, found)
    return found
