"""A pasted or uploaded letter -> its numbered points, their headings, and the page furniture.

Pure functions on text. The rules, in the order they apply:

- Page furniture is removed first and reported in `dropped`: page numbers ("10" on a line of its
  own between blank lines, "- 3 -", "Pagina 3 van 4"), the header the consultation table repeats
  on every page ("Gemeente / subregio", "Uitgangspunten Toelichting") and letterhead lines
  ("Kenmerk: ...", "Ons kenmerk", "Datum: ..."). Nothing else: "Onderwerp:" stays in the intro,
  and a bare number with text right above or below it ("vastgesteld" / "2" / ". Met") is kept.
- A point starts at "1." / "1)" / "1 " / "1.1" when the number is plausible where it stands: the
  next number (also across headings and senders), a restart at 1 after a heading or a line
  ending in ":", or the first number of the text. Years and other numbers inside a sentence
  that happen to start a line are not points. Numbers are kept as written, never renumbered.
- Lettered items ("a.", "b)", "A.") under a numbered point stay in its text on their own line;
  lettered items with no numbered parent are points numbered "a", "b", ...
- Bullets stay in the text of the point they are under; in a text without any numbering each
  bullet is a point with number "".
- A heading is a short line standing alone (no closing period, not numbered) followed by a point
  or by a paragraph; a short line ending in ":" ("Vanuit de Raad:") is a heading only when a
  point follows. Headings directly above each other are kept together, one per line. A heading
  followed by plain paragraphs is one point with number "" that carries the heading.
- Text before the first point (the intro) is a point with number "" and no heading; a closing
  ("Met vriendelijke groet", "Hoogachtend") and everything after it is one more such point.
- Lines are re-joined with one space. A blank line is kept as a paragraph break ("\\n") only
  where a sentence ended; inside a sentence broken by the PDF it is joined like any line break.
  Lettered items and bullets start a new line. A hyphen at a line end is removed when the next
  line starts with a lowercase letter ("meicircu-" + "laire"), kept otherwise ("Merel-Foundation",
  "Jeugd- en", "WLZ-middelen"); `hyphens_removed` counts the removed ones. Runs of spaces become
  one space.

Nothing else is lost: every non-whitespace character that is not in a dropped line ends up, in
order, in a point's heading (where `opens_heading` is set), number, marker or text.
"""

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SplitPoint:
    """One point: its number as written ("1", "1.1", "a", or "" when unnumbered) and its text."""

    number: str
    heading: str | None
    text: str
    marker: str = ""  # what followed the number: ".", ")" or ""; the bullet for a bullet point
    opens_heading: bool = False  # the first point under its heading (the heading sits above it)


@dataclass(frozen=True)
class SplitResult:
    """The points in order, plus what was removed on the way."""

    points: list[SplitPoint]
    dropped: list[str] = field(default_factory=list)  # removed lines, exactly as in the input
    dropped_lines: list[int] = field(default_factory=list)  # their indices in text.splitlines()
    hyphens_removed: int = 0  # line-end hyphens removed when a broken word was re-joined


_NUMBERED = re.compile(
    r"(?P<number>[1-9][0-9]{0,2}(?:\.[1-9][0-9]?)*)(?P<marker>[.)]?)(?:\s+(?P<rest>.*))?"
)
_LETTERED = re.compile(r"(?P<letter>[a-zA-Z])(?P<marker>[.)])\s+(?P<rest>\S.*)")
_BULLET = re.compile(r"(?P<bullet>[•●▪◦‣∙·*\-–—])(?:\s+(?P<rest>.*))?")

_PAGE_ALWAYS = re.compile(
    r"[-–—]\s*[0-9]{1,4}\s*[-–—]"
    r"|(?:pagina|page|blz\.?)\s*[0-9]{1,4}(?:\s*(?:/|van|of)\s*[0-9]{1,4})?",
    re.IGNORECASE,
)
_PAGE_ALONE = re.compile(r"[0-9]{1,4}(?:\s*(?:/|van)\s*[0-9]{1,4})?")
_LETTERHEAD = re.compile(
    r"(?:Ons kenmerk|Uw kenmerk|Kenmerk|Datum|Uw brief van|Uw brief|Zaaknummer|Verzenddatum"
    r"|Doorkiesnummer)(?:\s*:.*|\s+\S*[0-9]\S*(?:\s.*)?)?"
)
# The header the consultation table repeats on every page, as the PDF extraction breaks it up.
_TABLE_HEADERS = (
    ("gemeente /", "subregio"),
    ("gemeente / subregio",),
    ("gemeente / subregio uitgangspunten toelichting",),
    ("uitgangspunten toelichting",),
)
# Not "Namens het college": letters open with that as often as they close with it.
_CLOSING = re.compile(
    r"(?:Met (?:vriendelijke|hartelijke) groet(?:en)?|Vriendelijke groet(?:en)?|Hoogachtend)"
)
_QUOTES = "“‘\"'«„"
_CLOSERS = "”’\"')]»"
_DANGLING_END = ",&/(–"
_DANGLING_WORDS = frozenset(
    "de het een van voor in op met aan te om en of dat die naar bij uit tot door over onder als "
    "is zijn wordt worden heeft hebben wel niet ook maar zoals tussen binnen na dan per via "
    "zodat omdat waarin waarbij welke wat wie hun onze we wij zij ze".split()
)
_CAN_END_ITEM = frozenset({"een", "is", "zijn", "wel", "niet", "ook"})  # "1. Nog niet een"
_SUSPENDED = frozenset({"en", "of", "tot", "t/m", "noch"})  # "Jeugd- en Gezinsteam"
_FULL_LINE = 0.85  # a line this close to the text's width was broken by the layout, not the writer
_SHORT_LINE = 40  # shorter lines are never "full", however narrow the text
_SALUTATION = re.compile(r"(?:Geachte|Beste)\b.*,")


@dataclass
class _Line:
    """A line that carries text."""

    index: int  # in text.splitlines()
    text: str  # whitespace-normalised, never empty
    blank_before: bool  # blank or dropped lines between this line and the previous content line


@dataclass
class _Piece:
    """A line (or the rest after a number) as it goes into a point's text."""

    text: str
    blank_before: bool
    line_length: int  # length of the whole source line, for the "full line" test
    new_line: bool = False  # a lettered item or bullet: starts its own line


@dataclass
class _Draft:
    """A point being built."""

    number: str
    marker: str
    heading: str | None
    opens_heading: bool
    pieces: list[_Piece] = field(default_factory=list)
    sub_letter: str | None = None  # the last lettered item inside this point


def _normalise(line: str) -> str:
    """The line with surrounding whitespace removed and inner runs collapsed to one space."""
    return " ".join(line.split())


def _first_kind(text: str) -> str:
    """The kind of the first character ("upper", "lower", "other"), past an opening quote."""
    head = text.lstrip(_QUOTES) or text
    if not head:
        return "other"
    if head[0].isupper():
        return "upper"
    return "lower" if head[0].islower() else "other"


def _ends_sentence(text: str) -> bool:
    """Whether the line ends a sentence or an introduction (., !, ?, :, ;)."""
    core = text.rstrip(_CLOSERS)
    return bool(core) and core[-1] in ".!?:;"


def _hyphenated(text: str) -> bool:
    """Whether the line ends in a word broken with a hyphen ("meicircu-")."""
    return len(text) >= 2 and text[-1] == "-" and text[-2].isalpha()


def _dangling(text: str) -> bool:
    """Whether the line stops where a sentence cannot end ("van de", "Lisse,", "Hol-")."""
    if not text or text[-1] in _DANGLING_END or _hyphenated(text):
        return True
    words = text.split()
    return bool(words) and words[-1].lower() in _DANGLING_WORDS


def _item_shaped(text: str) -> bool:
    """Whether the line looks like a numbered, lettered or bulleted item."""
    return bool(_NUMBERED.fullmatch(text) or _LETTERED.fullmatch(text) or _BULLET.fullmatch(text))


def _number_tuple(number: str) -> tuple[int, ...]:
    """The number as a tuple: "1.12" -> (1, 12)."""
    return tuple(int(part) for part in number.split("."))


def _follows(number: tuple[int, ...], last: tuple[int, ...]) -> bool:
    """Whether number is the next one after last: 4 -> 5, 1 -> 1.1, 1.5 -> 1.6, 1.5 -> 2, 2.1."""
    size = len(last)
    if len(number) > size and number[:size] == last and all(n == 1 for n in number[size:]):
        return True
    for i in range(size):
        if (
            len(number) > i
            and number[:i] == last[:i]
            and number[i] == last[i] + 1
            and all(n == 1 for n in number[i + 1 :])
        ):
            return True
    return False


# --- Page furniture ----------------------------------------------------------------------


def _blank_around(stripped: list[str], i: int) -> bool:
    """Whether the lines on both sides of line i are blank (or the text ends there)."""
    before = i == 0 or not stripped[i - 1]
    after = i == len(stripped) - 1 or not stripped[i + 1]
    return before and after


def _page_numbers(stripped: list[str]) -> set[int]:
    """Lines that are page numbers: "- 3 -" and "Pagina 3 van 4" anywhere, "10" between blanks."""
    found = set()
    for i, s in enumerate(stripped):
        if _PAGE_ALWAYS.fullmatch(s) or (_PAGE_ALONE.fullmatch(s) and _blank_around(stripped, i)):
            found.add(i)
    return found


def _table_headers(stripped: list[str]) -> set[int]:
    """Lines of the repeated table header, also when the PDF split it over several lines."""
    content = [i for i, s in enumerate(stripped) if s]
    found: set[int] = set()
    firsts = {header[0] for header in _TABLE_HEADERS}
    for k in range(len(content)):
        if stripped[content[k]].lower() not in firsts:  # most lines: one look-up, not four
            continue
        for header in _TABLE_HEADERS:
            span = content[k : k + len(header)]
            if len(span) == len(header) and all(
                stripped[j].lower() == part for j, part in zip(span, header, strict=True)
            ):
                found.update(span)
    return found


def _furniture(stripped: list[str]) -> set[int]:
    """Indices of every line to drop: page numbers, the table header, letterhead."""
    pages = _page_numbers(stripped)
    letterhead = {i for i, s in enumerate(stripped) if len(s) <= 80 and _LETTERHEAD.fullmatch(s)}
    return pages | _table_headers(stripped) | letterhead


def _content_lines(stripped: list[str], dropped: set[int]) -> list[_Line]:
    """The lines that carry text, each knowing whether a blank (or dropped) line preceded it."""
    lines: list[_Line] = []
    gap = False
    for i, s in enumerate(stripped):
        if not s or i in dropped:
            gap = True
            continue
        lines.append(_Line(i, s, gap and bool(lines)))
        gap = False
    return lines


def _width(lines: list[_Line]) -> int:
    """The text's line width: the 90th percentile of the line lengths."""
    lengths = sorted(len(line.text) for line in lines)
    return lengths[int(len(lengths) * 0.9)] if lengths else 0


# --- Joining lines -------------------------------------------------------------------------


def _separator(prev: _Piece, piece: _Piece, width: int) -> tuple[str, bool]:
    """What goes between two lines of one point (" ", "\\n" or ""), and whether to drop a hyphen."""
    if piece.new_line:
        return "\n", False
    if len(prev.text) >= 2 and prev.text[-1] == "-" and prev.text[-2].isalnum():
        fragment = prev.text.split()[-1][:-1]
        if piece.text.split()[0].lower() in _SUSPENDED:
            return " ", False  # "Jeugd- en Gezinsteam"
        kind = _first_kind(piece.text)
        if kind == "lower" and not fragment.isupper() and not any(c.isdigit() for c in fragment):
            return "", True  # "meicircu-" + "laire"; not "WLZ-" + "middelen"
        return ("", False) if kind != "other" or piece.text[0].isdigit() else (" ", False)
    if _SALUTATION.fullmatch(prev.text) or _CLOSING.fullmatch(prev.text.rstrip(",")):
        return "\n", False  # "Geachte leden," / "Met vriendelijke groet," end their line
    if not piece.blank_before or _first_kind(piece.text) != "upper":
        return " ", False
    if _ends_sentence(prev.text):
        return "\n", False
    if _dangling(prev.text) or prev.line_length >= max(_FULL_LINE * width, _SHORT_LINE):
        return " ", False
    return "\n", False


def _join(pieces: list[_Piece], width: int) -> tuple[str, int]:
    """The pieces as one text, and how many line-end hyphens were removed.

    Built as a list and joined once: cutting a hyphen off a growing string copied all of it,
    which made a long point of broken words quadratic."""
    parts = [pieces[0].text] if pieces else []
    removed = 0
    for prev, piece in zip(pieces, pieces[1:], strict=False):
        sep, drop_hyphen = _separator(prev, piece, width)
        if drop_hyphen:
            parts[-1] = parts[-1][:-1]  # the previous piece's text
            removed += 1
        parts += (sep, piece.text)
    return "".join(parts), removed


# --- The parser ------------------------------------------------------------------------------


class _Parser:
    """One pass over the content lines, building drafts of points."""

    def __init__(self, lines: list[_Line], width: int, bullet_points: bool):
        """Start with no points, no heading and no numbering seen."""
        self.lines = lines
        self.width = width
        self.bullet_points = bullet_points
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.heading: str | None = None
        self.heading_pending = False  # a heading no point has taken yet
        self.prev_heading = False  # the previous line was a heading (still pending)
        self.last: tuple[int, ...] | None = None
        self.last_letter: str | None = None
        self.closed = False  # a closing ("Met vriendelijke groet") was seen
        self.numbered = False  # a numbered, lettered or bullet point was started

    # context of a line

    def _prev(self, i: int) -> _Line | None:
        """The content line before line i."""
        return self.lines[i - 1] if i > 0 else None

    def _para_start(self, i: int) -> bool:
        """Whether line i starts a new paragraph rather than continuing a sentence."""
        prev = self._prev(i)
        if prev is None or _ends_sentence(prev.text):
            return True
        return self.lines[i].blank_before and not _dangling(prev.text)

    def _fresh(self, i: int, after_heading: bool) -> bool:
        """Whether numbering may restart at line i: after a heading, an "...:" line, or at start."""
        prev = self._prev(i)
        return after_heading or prev is None or prev.text.rstrip(_CLOSERS).endswith(":")

    def _accept_number(self, i: int, match: re.Match, after_heading: bool) -> bool:
        """Whether the numbered-looking line i really starts a point where it stands."""
        marker, rest = match["marker"], match["rest"] or ""
        number = _number_tuple(match["number"])
        para_start = self._para_start(i)
        fresh = self._fresh(i, after_heading)
        if not marker and (not rest or (_first_kind(rest) != "upper" and not para_start)):
            return False
        prev = self._prev(i)
        if prev is not None and not self.lines[i].blank_before and _dangling(prev.text):
            if prev.text.split()[-1].lower() not in _CAN_END_ITEM:
                return False  # "... tot en met" + "14. Wij ...": a sentence going on
        if self.last is None:
            return (para_start or fresh) and (bool(marker) or number[-1] == 1)
        if _follows(number, self.last):
            return True
        if number in ((1,), (1, 1)):
            return fresh or para_start
        return bool(marker) and para_start and self.last < number <= (self.last[0] + 5,)

    def _starts_letter_point(self, i: int, letter: str, after_heading: bool) -> bool:
        """Whether a lettered line at top level starts a point ("a" first, then the next letter)."""
        if self._letter_follows(letter, self.last_letter):
            return True
        return letter in "aA" and (self._para_start(i) or self._fresh(i, after_heading))

    @staticmethod
    def _letter_follows(letter: str, last: str | None) -> bool:
        """Whether letter comes right after last in the alphabet, same case."""
        if last is None or letter.isupper() != last.isupper():
            return False
        return ord(letter) == ord(last) + 1

    # headings

    def _heading_shape(self, text: str) -> bool:
        """A short line starting with a capital, not numbered, without a closing period."""
        words = text.split()
        if not 1 <= len(words) <= 8 or len(text) > 60 or _first_kind(text) != "upper":
            return False
        if _item_shaped(text) or _CLOSING.match(text) or ": " in text:
            return False
        if text.endswith(":"):  # "Vanuit de Raad:", but not "Wij vragen aandacht voor:"
            return len(words) <= 5 and not _dangling(text[:-1]) and words[-1] != "volgende:"
        return text[-1] not in ".,;!?-&/(+–"

    def _starts_item(self, j: int) -> bool:
        """Whether line j, right after a heading, would start a point."""
        text = self.lines[j].text
        m = _NUMBERED.fullmatch(text)
        if m and self._accept_number(j, m, after_heading=True):
            return True
        m = _LETTERED.fullmatch(text)
        if m and self._starts_letter_point(j, m["letter"], after_heading=True):
            return True
        return self.bullet_points and bool(_BULLET.fullmatch(text))

    def _heading_ahead(self, i: int, depth: int = 0, items_only: bool = False) -> bool:
        """Whether line i, shaped like a heading, is followed like one.

        That is: by a point, by more heading lines that end at a point, or (not for "...:"
        lines) by a paragraph.
        """
        if i + 1 >= len(self.lines) or depth > 3:
            return False
        nxt = self.lines[i + 1]
        if self._starts_item(i + 1):
            return True
        if self._heading_shape(nxt.text):
            # headings above each other; across a blank line only when a point follows them
            if self._heading_ahead(i + 1, depth + 1, items_only or nxt.blank_before):
                return True
        if items_only or self.lines[i].text.endswith(":") or not nxt.blank_before:
            return False
        if _item_shaped(nxt.text) or _CLOSING.match(nxt.text):
            return False
        if not self._heading_shape(nxt.text):
            return True
        # a short line after a blank is a paragraph only if more lines follow it directly
        return i + 2 < len(self.lines) and not self.lines[i + 2].blank_before

    def _is_heading(self, i: int, after_heading: bool) -> bool:
        """Whether line i is a heading: heading-shaped, standing alone and followed like one."""
        line, prev = self.lines[i], self._prev(i)
        if not self._heading_shape(line.text):
            return False
        alone = (
            prev is None
            or after_heading
            or _ends_sentence(prev.text)
            or (line.blank_before and not _dangling(prev.text))
        )
        return alone and self._heading_ahead(i)

    # building drafts

    def _start(self, number: str, marker: str, closing: bool = False) -> _Draft:
        """Open a new point under the current heading; a closing has none unless it opens one."""
        heading = self.heading if self.heading_pending or not closing else None
        draft = _Draft(number, marker, heading, self.heading_pending)
        self.heading_pending = False
        self.drafts.append(draft)
        self.numbered = self.numbered or bool(number or marker)
        self.current = draft
        return draft

    def _add(self, line: _Line, text: str, new_line: bool = False) -> None:
        """Add text from line to the current point, opening an unnumbered one if there is none."""
        if self.current is not None and self._ends_bullet(line, text, new_line):
            self.current = None
        if self.current is None:
            self._start("", "")
        assert self.current is not None
        if text:
            piece = _Piece(text, line.blank_before, len(line.text), new_line)
            self.current.pieces.append(piece)

    def _ends_bullet(self, line: _Line, text: str, new_line: bool) -> bool:
        """In a bullet list, a new paragraph after a bullet is no longer part of that bullet."""
        current = self.current
        if not self.bullet_points or current is None or not current.marker or new_line:
            return False
        if current.number or not current.pieces:
            return False
        piece = _Piece(text, line.blank_before, len(line.text))
        return _separator(current.pieces[-1], piece, self.width)[0] == "\n"

    def _has_points(self) -> bool:
        """Whether a numbered, lettered or bullet point has been found (a flag: scanning the
        drafts at every closing line made a text of headings and closings quadratic)."""
        return self.numbered

    def _in_item(self) -> bool:
        """Whether the current point is numbered or lettered."""
        return self.current is not None and bool(self.current.number)

    def _step(self, i: int) -> None:
        """Handle content line i."""
        line = self.lines[i]
        text = line.text
        after_heading, self.prev_heading = self.prev_heading, False
        if self.closed:
            self._add(line, text)
            return
        if _CLOSING.match(text) and self._para_start(i) and self._has_points():
            self._start("", "", closing=True)
            self.closed = True
            self._add(line, text)
            return
        m = _NUMBERED.fullmatch(text)
        if m and self._accept_number(i, m, after_heading):
            self._start(m["number"], m["marker"])
            self.last = _number_tuple(m["number"])
            self._add(line, m["rest"] or "")
            return
        m = _LETTERED.fullmatch(text)
        if m:
            self._letter(i, m, after_heading)
            return
        m = _BULLET.fullmatch(text)
        if m:
            if self.bullet_points and not self._in_item():
                self._start("", m["bullet"])
                self._add(line, m["rest"] or "")
            else:
                self._add(line, text, new_line=True)
            return
        if self._is_heading(i, after_heading):
            self.heading = f"{self.heading}\n{text}" if self.heading_pending else text
            self.heading_pending = True
            self.prev_heading = True
            self.current = None
            return
        self._add(line, text)

    def _letter(self, i: int, m: re.Match, after_heading: bool) -> None:
        """A lettered line: a sub-item of the numbered point above it, or a point of its own."""
        letter = m["letter"]
        line = self.lines[i]
        current = self.current
        if current is not None and current.number[:1].isdigit():
            top = (
                self._letter_follows(letter, self.last_letter)
                and not self._letter_follows(letter, current.sub_letter)
                and letter not in "aA"
                and self._para_start(i)
            )
            if not top:
                current.sub_letter = letter
                self._add(line, line.text, new_line=True)
                return
        elif not self._starts_letter_point(i, letter, after_heading):
            self._add(line, line.text, new_line=True)
            return
        self._start(letter, m["marker"])
        self.last_letter = letter
        self._add(line, m["rest"])

    def run(self, limit: int | None = None) -> tuple[list[SplitPoint], int]:
        """Parse every line (or stop once more than ``limit`` points were started); return the
        points and the number of removed hyphens."""
        for i in range(len(self.lines)):
            self._step(i)
            if limit is not None and len(self.drafts) > limit:
                break
        if self.heading_pending:
            self._start("", "")
        points = []
        removed = 0
        for d in self.drafts:
            text, n = _join(d.pieces, self.width)
            removed += n
            points.append(SplitPoint(d.number, d.heading, text, d.marker, d.opens_heading))
        return points, removed


def split(text: str, limit: int | None = None) -> SplitResult:
    """Split a letter into its points; see the module docstring for the rules.

    With a ``limit``, splitting stops once more than that many points were found (the result
    then holds ``limit + 1`` points and no more): enough to refuse a text with too many,
    without building hundreds of thousands of them."""
    raw = text.splitlines()
    stripped = [_normalise(line) for line in raw]
    dropped = _furniture(stripped)
    lines = _content_lines(stripped, dropped)
    width = _width(lines)
    points, removed = _Parser(lines, width, bullet_points=False).run(limit)
    if not any(p.number for p in points) and any(_BULLET.fullmatch(ln.text) for ln in lines):
        points, removed = _Parser(lines, width, bullet_points=True).run(limit)
    order = sorted(dropped)
    return SplitResult(points, [raw[i] for i in order], order, removed)
