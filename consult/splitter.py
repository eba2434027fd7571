"""A pasted or uploaded letter -> its intro, its numbered points, their headings, its outro.

Pure functions on text, linear in its length. The rules, in the order they apply:

- Page furniture is removed first and reported in `dropped` (see `consult.furniture`): page
  numbers, a browser's print header and footer, the header the consultation table repeats on
  every page, letterhead reference lines ("Ons kenmerk", "Datum ...") and running headers. A
  removed line is as if it were not there: a sentence broken by a page goes on after it.
  "Onderwerp:" stays in the intro, and a bare number with text right above or below it
  ("vastgesteld" / "2" / ". Met") is kept.
- The letter's frame is its intro and outro, never a point and never a heading (see
  `consult.letterforms`): everything up to and including the salutation ("Geachte heer X,
  geacht College,", "Geacht bestuur,", "Beste ...,"), or without one the head lines at the top
  ("Aan het college van ...", "Betreft: ...", address, date, "Ontvangen op ..."); and the
  closing ("Met vriendelijke groet,", "Hoogachtend", a signature's "Namens ...") with all after
  it, together with a last courtesy right before it ("Mocht u vragen hebben, ..."). When points
  follow, the text between the salutation and the first point belongs to the intro too.
- A point starts at "1." / "1)" / "(1)" / "1 " / "1.1" / "Punt 3:" / "Ad 1." / "• 1." when the
  number is plausible where it stands: the next number (also across headings and senders), a
  restart at 1 after a heading, a salutation or a line ending in ":", or the first number of the
  text. Years and other numbers inside a sentence that happen to start a line are not points.
  A number of four to six digits ("1000.") is a point only as the next number of a list that is
  going on, so a year opening a line ("2016. Het jaar ...") is not. Numbers are kept as
  written, never renumbered. A number alone on its line ("• 1." as overheid.nl publications
  have it) takes the next line as its text.
- Lettered items ("a.", "b)", "(c)", "A.") and roman ones ("i.", "(ii)") under a numbered point
  stay in its text on their own line; lettered or roman items with no numbered parent are points
  numbered "a", "b", ... or "I", "II", ...
- Bullets (also Word's, web pages' and PDFs' glyphs: "·", "▪", "◦", "–", "o ", U+F0B7 ...) stay
  in the text of the point they are under; in a text without any numbering each bullet is a
  point with number "", and a second-level glyph ("o", "◦", "▪") under another bullet stays in
  that bullet's point.
- A heading is a short line standing alone (no closing period, not numbered) followed by a point
  or by a paragraph; a short line ending in ":" ("Vanuit de Raad:") is a heading only when a
  point follows. Headings directly above each other are kept together, one per line. A heading
  followed by plain paragraphs is one point with number "" that carries the heading.
- Text before the first point (the intro) is a point with role "intro", number "" and no
  heading; the closing and everything after it is a point with role "outro".
- Lines are re-joined with one space. A blank line is kept as a paragraph break ("\\n") only
  where a sentence ended; inside a sentence broken by the PDF it is joined like any line break.
  Lettered items and bullets start a new line. A hyphen at a line end is removed when the next
  line starts with a lowercase letter ("meicircu-" + "laire"), kept otherwise ("Merel-Foundation",
  "Jeugd- en", "WLZ-middelen"); `hyphens_removed` counts the removed ones. Runs of spaces become
  one space.

Nothing else is lost: every non-whitespace character that is not in a dropped line ends up, in
order, in a point's heading (where `opens_heading` is set), label, number, marker or text.
Characters are kept as written: `letterforms.display_text` turns symbol-font glyphs into
bullets for display.
"""

from dataclasses import dataclass, field

from . import letterforms as forms
from .furniture import furniture, running_lines

HEAD_LINES = 60  # a salutation further down than this is not the letter's opening


@dataclass(frozen=True)
class SplitPoint:
    """One point: its number as written ("1", "1.1", "a", or "" when unnumbered) and its text."""

    number: str
    heading: str | None
    text: str
    marker: str = ""  # what followed the number: ".", ")" or ""; the bullet for a bullet point
    opens_heading: bool = False  # the first point under its heading (the heading sits above it)
    label: str = ""  # what stood before the number: "(", "Punt ", "Ad ", a bullet
    role: str = "point"  # "intro" (frame and preamble), "point", or "outro" (the closing)


@dataclass(frozen=True)
class SplitResult:
    """The points in order, plus what was removed on the way."""

    points: list[SplitPoint]
    dropped: list[str] = field(default_factory=list)  # removed lines, exactly as in the input
    dropped_lines: list[int] = field(default_factory=list)  # their indices in text.splitlines()
    hyphens_removed: int = 0  # line-end hyphens removed when a broken word was re-joined

    @property
    def body(self) -> list[SplitPoint]:
        """The points proper: neither the intro nor the outro."""
        return [p for p in self.points if p.role == "point"]

    @property
    def intro(self) -> str:
        """The letter's opening (letterhead, salutation, preamble), "" when it has none."""
        return "\n".join(p.text for p in self.points if p.role == "intro")

    @property
    def outro(self) -> str:
        """The letter's closing (courtesy, greeting, signature), "" when it has none."""
        return "\n".join(p.text for p in self.points if p.role == "outro")


_QUOTES = "“‘\"'«„"
_CLOSERS = "”’\"')]»"
_DANGLING_END = ",&/(–"
_DANGLING_WORDS = frozenset(
    "de het een van voor in op met aan te om en of dat die naar bij uit tot door over onder als "
    "is zijn wordt worden heeft hebben wel niet ook maar zoals tussen binnen na dan per via "
    "zodat omdat waarin waarbij welke wat wie hun onze we wij zij ze".split()
)
# "Wij reageren als volgt:" is a sentence introducing the points, not a heading over them.
_SENTENCE_OPENERS = frozenset(
    "wij we ik u hierbij hieronder graag onze ons namens daarom hiermee bijgaand zie".split()
)
_CAN_END_ITEM = frozenset({"een", "is", "zijn", "wel", "niet", "ook"})  # "1. Nog niet een"
_SUSPENDED = frozenset({"en", "of", "tot", "t/m", "noch"})  # "Jeugd- en Gezinsteam"
_FULL_LINE = 0.85  # a line this close to the text's width was broken by the layout, not the writer
_SHORT_LINE = 40  # shorter lines are never "full", however narrow the text


@dataclass
class _Line:
    """A line that carries text."""

    index: int  # in text.splitlines()
    text: str  # whitespace-normalised, never empty
    blank_before: bool  # blank lines between this line and the previous content line
    frame: bool = False  # part of the letter's head (up to the salutation)


@dataclass
class _Piece:
    """A line (or the rest after a number) as it goes into a point's text."""

    text: str
    blank_before: bool
    line_length: int  # length of the whole source line, for the "full line" test
    new_line: bool = False  # a lettered item or bullet: starts its own line
    bare: bool = False  # an item's number or bullet alone ("• a."): its text follows on the next


@dataclass
class _Draft:
    """A point being built."""

    number: str
    marker: str
    heading: str | None
    opens_heading: bool
    label: str = ""
    kind: str = ""  # "number", "letter", "roman", "bullet" or "" (intro, section, outro)
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


_item_shaped = forms.item_shaped


def _numbered_item(text: str) -> bool:
    """Whether the line is a marked numbered item ("3. ...", "(3) ..."): initials are not."""
    item = forms.numbered(text)
    return item is not None and item.marked


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


# --- Lines, page furniture and the letter's head ------------------------------------------------


def _content_lines(stripped: list[str], dropped: set[int]) -> list[_Line]:
    """The lines that carry text, each knowing whether a blank line preceded it.

    Dropped furniture is as if it were not there: a sentence broken by a page goes on after it.
    """
    lines: list[_Line] = []
    blank = False
    for i, s in enumerate(stripped):
        if i in dropped:
            continue
        if not s:
            blank = True
            continue
        lines.append(_Line(i, s, blank and bool(lines)))
        blank = False
    return lines


def _head_end(lines: list[_Line]) -> int:
    """How many lines at the top are the letter's head (see the module docstring)."""
    for k, line in enumerate(lines[:HEAD_LINES]):
        item = forms.numbered(line.text)
        if item and item.marker and item.rest:
            break  # the list has begun: a salutation below it opens nothing
        if forms.salutation(line.text):
            nxt = lines[k + 1] if k + 1 < len(lines) else None
            if (  # "Geachte heer X, geacht College van" / "Burgemeester en Wethouders,"
                nxt is not None
                and not line.text.endswith(",")
                and not nxt.blank_before
                and nxt.text.endswith(",")
                and len(nxt.text.split()) <= 8
            ):
                return k + 2
            return k + 1
    end = 0
    for k, line in enumerate(lines[:25]):
        text = line.text
        if _item_shaped(text):
            break
        if forms.head_line(text) and len(text.split()) <= 14 and not text.endswith("."):
            end = k + 1
        elif end == k and k and forms.head_label(lines[k - 1].text):
            end = k + 1  # "Betreft:" / "Advies over de inkoop jeugdhulp"
        elif end == k and k and not line.blank_before and _first_kind(text) == "lower":
            end = k + 1  # "Aan het college van burgemeester en wethouders" / "van Leiden"
        elif len(text.split()) > 8 or _ends_sentence(text):
            break  # the letter itself; short lines (the sender's name) may stand in the head
    return end


def _split_lines(text: str) -> tuple[list[str], list[str], set[int], list[_Line]]:
    """The raw lines, the normalised ones, the dropped indices, and the content lines with the
    letter's head marked."""
    raw = text.splitlines()
    stripped = [_normalise(line) for line in raw]
    dropped = furniture(stripped)
    lines = _content_lines(stripped, dropped)
    top = _head_end(lines)
    head = {line.index for line in lines[:top]}
    more = running_lines(stripped, dropped, _item_shaped, head)
    more |= {line.index for line in lines[top:] if forms.stamp(line.text)}
    if more:
        dropped |= more
        lines = _content_lines(stripped, dropped)
        top = _head_end(lines)
    for line in lines[:top]:
        line.frame = True
    return raw, stripped, dropped, lines


def _width(lines: list[_Line]) -> int:
    """The text's line width: the 90th percentile of the line lengths."""
    lengths = sorted(len(line.text) for line in lines)
    return lengths[int(len(lengths) * 0.9)] if lengths else 0


# --- Joining lines -------------------------------------------------------------------------


def _separator(prev: _Piece, piece: _Piece, width: int) -> tuple[str, bool]:
    """What goes between two lines of one point (" ", "\\n" or ""), and whether to drop a hyphen."""
    if piece.new_line:
        return "\n", False
    if prev.bare:
        return " ", False  # "• a." + "Belanghebbende: ..."
    if len(prev.text) >= 2 and prev.text[-1] == "-" and prev.text[-2].isalnum():
        fragment = prev.text.split()[-1][:-1]
        if piece.text.split()[0].lower() in _SUSPENDED:
            return " ", False  # "Jeugd- en Gezinsteam"
        kind = _first_kind(piece.text)
        if kind == "lower" and not fragment.isupper() and not any(c.isdigit() for c in fragment):
            return "", True  # "meicircu-" + "laire"; not "WLZ-" + "middelen"
        return ("", False) if kind != "other" or piece.text[0].isdigit() else (" ", False)
    if forms.salutation(prev.text) or forms.closing(prev.text):
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
    out: list[str] = [pieces[0].text] if pieces else []
    removed = 0
    for prev, piece in zip(pieces, pieces[1:], strict=False):
        sep, drop_hyphen = _separator(prev, piece, width)
        if drop_hyphen:
            out[-1] = out[-1][:-1]
            removed += 1
        out.append(sep)
        out.append(piece.text)
    return "".join(out), removed


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
        self.last_roman: tuple[int, bool] | None = None  # value, upper case
        self.awaiting = False  # the current point's number stood alone: its text comes next
        self.frame: _Draft | None = None  # the letter's head
        self.closing: _Draft | None = None  # the closing ("Met vriendelijke groet") and after

    # context of a line

    def _prev(self, i: int) -> _Line | None:
        """The content line before line i."""
        return self.lines[i - 1] if i > 0 else None

    def _boundary(self, i: int) -> bool:
        """Whether nothing runs on into line i: the text starts, a sentence or the head ended."""
        prev = self._prev(i)
        return prev is None or prev.frame or _ends_sentence(prev.text)

    def _para_start(self, i: int) -> bool:
        """Whether line i starts a new paragraph rather than continuing a sentence."""
        if self._boundary(i):
            return True
        prev = self._prev(i)
        assert prev is not None
        return self.lines[i].blank_before and not _dangling(prev.text)

    def _fresh(self, i: int, after_heading: bool) -> bool:
        """Whether numbering may restart at line i: after a heading, the head, an "...:" line."""
        prev = self._prev(i)
        return (
            after_heading
            or prev is None
            or prev.frame
            or prev.text.rstrip(_CLOSERS).endswith(":")
        )

    def _accept_number(self, i: int, item: forms.Item, after_heading: bool) -> bool:
        """Whether the numbered-looking line i really starts a point where it stands."""
        marked, rest = item.marked, item.rest or ""
        number = _number_tuple(item.number)
        para_start = self._para_start(i)
        fresh = self._fresh(i, after_heading)
        if not marked and (not rest or (_first_kind(rest) != "upper" and not para_start)):
            return False
        prev = self._prev(i)
        if (
            prev is not None
            and not prev.frame
            and not self.lines[i].blank_before
            and _dangling(prev.text)
            and prev.text.split()[-1].lower() not in _CAN_END_ITEM
        ):
            return False  # "... tot en met" + "14. Wij ...": a sentence going on
        if self.last is None:
            return (para_start or fresh) and (marked or number[-1] == 1)
        if _follows(number, self.last):
            return True
        if number in ((1,), (1, 1)):
            return fresh or para_start
        return marked and para_start and self.last < number <= (self.last[0] + 5,)

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
        if _item_shaped(text) or forms.closing(text) or ": " in text:
            return False
        if text.endswith(":"):  # "Vanuit de Raad:", but not "Wij vragen aandacht voor:"
            return (
                len(words) <= 5
                and not _dangling(text[:-1])
                and words[-1] != "volgende:"
                and words[0].lower() not in _SENTENCE_OPENERS
            )
        return text[-1] not in ".,;!?-&/(+–"

    def _starts_item(self, j: int) -> bool:
        """Whether line j, right after a heading, would start a point."""
        text = self.lines[j].text
        item = forms.numbered(text, longer=self.last is not None)
        if item and self._accept_number(j, item, after_heading=True):
            return True
        item = forms.lettered(text)
        if item and self._starts_letter_point(j, item.number, after_heading=True):
            return True
        item = forms.roman(text)
        if item and forms.roman_value(item.number) == 1:
            return True
        return self.bullet_points and forms.bullet(text) is not None

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
        if _item_shaped(nxt.text) or forms.closing(nxt.text):
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
            after_heading
            or self._boundary(i)
            or (line.blank_before and prev is not None and not _dangling(prev.text))
        )
        return alone and self._heading_ahead(i)

    # building drafts

    def _start(self, number: str, marker: str, kind: str = "", label: str = "") -> _Draft:
        """Open a new point under the current heading; a closing has none unless it opens one."""
        heading = self.heading if self.heading_pending or kind != "closing" else None
        draft = _Draft(number, marker, heading, self.heading_pending, label, kind)
        self.heading_pending = False
        self.drafts.append(draft)
        self.current = draft
        return draft

    def _open_item(self, line: _Line, item: forms.Item, kind: str) -> None:
        """Start a numbered, lettered, roman or bullet point with the rest of its line."""
        if kind == "bullet":
            self._start("", item.number, kind)
        else:
            self._start(item.number, item.marker, kind, item.label)
        self._add(line, item.rest or "")
        self.awaiting = item.rest is None

    def _add(self, line: _Line, text: str, new_line: bool = False, bare: bool = False) -> None:
        """Add text from line to the current point, opening an unnumbered one if there is none."""
        if self.current is not None and self._ends_bullet(line, text, new_line):
            self.current = None
        if self.current is None:
            self._start("", "")
        assert self.current is not None
        if text:
            piece = _Piece(text, line.blank_before, len(line.text), new_line, bare)
            self.current.pieces.append(piece)

    def _ends_bullet(self, line: _Line, text: str, new_line: bool) -> bool:
        """In a bullet list, a new paragraph after a bullet is no longer part of that bullet."""
        current = self.current
        if not self.bullet_points or current is None or current.kind != "bullet" or new_line:
            return False
        if not current.pieces:
            return False
        piece = _Piece(text, line.blank_before, len(line.text))
        return _separator(current.pieces[-1], piece, self.width)[0] == "\n"

    def _in_item(self) -> bool:
        """Whether the current point is numbered or lettered."""
        return self.current is not None and bool(self.current.number)

    def _step(self, i: int) -> None:
        """Handle content line i."""
        line = self.lines[i]
        text = line.text
        after_heading, self.prev_heading = self.prev_heading, False
        if line.frame:
            if self.frame is None:
                self.frame = self._start("", "", "frame")
            self._add(line, text, new_line=_first_kind(text) != "lower")  # address lines
            return
        if self.current is not None and self.current is self.frame:
            self.current = None  # what follows the head is the letter (or its preamble)
        if self.closing is not None:
            self._add(line, text)
            return
        if self._is_closing(i):
            self._close(line)
            return
        if self.awaiting and not _item_shaped(text):
            self.awaiting = False
            self._add(line, text)
            return
        self.awaiting = False
        if self._item(i, after_heading):
            return
        if self._is_heading(i, after_heading):
            self.heading = f"{self.heading}\n{text}" if self.heading_pending else text
            self.heading_pending = True
            self.prev_heading = True
            self.current = None
            return
        self._add(line, text)

    def _item(self, i: int, after_heading: bool) -> bool:
        """Handle line i if it is a list item (numbered, roman, lettered or bullet)."""
        line = self.lines[i]
        # A number of four digits or more ("1000.") only once a list is going on: then it is a
        # point only as the next number (``_accept_number``), and a year that starts a line
        # ("2016. Het jaar ...", "2016 was ...") is not. Before any point it never is.
        item = forms.numbered(line.text, longer=self.last is not None)
        if item and self._accept_number(i, item, after_heading):
            self._open_item(line, item, "number")
            self.last = _number_tuple(item.number)
            return True
        item = forms.roman(line.text)
        if item and self._roman(i, item, after_heading):
            return True
        item = forms.lettered(line.text)
        if item:
            self._letter(i, item, after_heading)
            return True
        item = forms.bullet(line.text)
        if item:
            if self.bullet_points and not self._in_item() and not self._sub_bullet(item):
                self._open_item(line, item, "bullet")
            else:
                self._add(line, line.text, new_line=True, bare=item.rest is None)
            return True
        return False

    def _sub_bullet(self, item: forms.Item) -> bool:
        """Whether a bullet is a second-level one under the current bullet point ("o" under "•")."""
        current, glyph = self.current, forms.bullet_kind(item.number)
        return (
            current is not None
            and current.kind == "bullet"
            and glyph in forms.SUB_BULLETS
            and forms.bullet_kind(current.marker) != glyph
        )

    def _roman(self, i: int, item: forms.Item, after_heading: bool) -> bool:
        """A roman item: a sub-item of the point above, a point of its own, or (False) a letter."""
        numeral, line, current = item.number, self.lines[i], self.current
        if len(numeral) == 1 and (
            self._letter_follows(numeral, self.last_letter)
            or (current is not None and self._letter_follows(numeral, current.sub_letter))
        ):
            return False  # "h." then "i.": a letter
        if current is not None and current.kind in ("number", "letter"):
            self._add(line, line.text, new_line=True, bare=item.rest is None)
            return True
        value, upper = forms.roman_value(numeral), numeral.isupper()
        follows = self.last_roman == (value - 1, upper)
        if follows or (value == 1 and (self._para_start(i) or self._fresh(i, after_heading))):
            self._open_item(line, item, "roman")
            self.last_roman = (value, upper)
            return True
        return False

    def _letter(self, i: int, item: forms.Item, after_heading: bool) -> None:
        """A lettered line: a sub-item of the numbered point above it, or a point of its own."""
        letter = item.number
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
                self._add(line, line.text, new_line=True, bare=item.rest is None)
                return
        elif not self._starts_letter_point(i, letter, after_heading):
            self._add(line, line.text, new_line=True, bare=item.rest is None)
            return
        self._open_item(line, item, "letter")
        self.last_letter = letter

    # the closing

    def _is_closing(self, i: int) -> bool:
        """Whether line i opens the letter's closing (there must be a letter before it)."""
        text = self.lines[i].text
        if not (forms.closing(text) or forms.on_behalf(text)):
            return False
        prev = self._prev(i)
        if not self._para_start(i) and not (
            _first_kind(text) == "upper" and prev is not None and not _dangling(prev.text)
        ):
            return False  # "... en wij sturen u" / "met vriendelijke groet de stukken"
        if len(self.drafts) <= (self.frame is not None):
            return False  # nothing written yet
        if forms.closing(text):
            return True
        rest = self.lines[i + 1 : i + 12]
        return len(rest) <= 10 and not any(_numbered_item(line.text) for line in rest)

    def _close(self, line: _Line) -> None:
        """Open the outro at line: the courtesy paragraph before it moves along."""
        courtesy = self._take_courtesy()
        self.closing = self._start("", "", "closing")
        self.closing.pieces.extend(courtesy)
        self._add(line, line.text)

    def _take_courtesy(self) -> list[_Piece]:
        """The end of the current point when it is a courtesy ("Mocht u vragen hebben, ...")."""
        draft = self.current
        if draft is None or draft is self.frame or not draft.pieces:
            return []
        pieces = draft.pieces
        for start in range(len(pieces) - 1, max(len(pieces) - 8, 0) - 1, -1):
            if start and _dangling(pieces[start - 1].text):
                continue
            if _first_kind(pieces[start].text) != "upper":
                continue
            if forms.sign_off(" ".join(p.text for p in pieces[start:])):
                break
        else:
            return []
        if start == 0 and draft.kind:
            return []  # a numbered point keeps its text
        taken = pieces[start:]
        del pieces[start:]
        if not pieces:
            self.drafts.remove(draft)
        return taken

    # the result

    def _roles(self) -> dict[int, str]:
        """The role of each draft (by id): the head and preamble are the intro, the closing the
        outro; when points follow, the plain text before the first one is preamble."""
        roles = {id(d): "point" for d in self.drafts}
        if self.frame is not None:
            roles[id(self.frame)] = "intro"
        if self.closing is not None:
            roles[id(self.closing)] = "outro"
        body = [d for d in self.drafts if roles[id(d)] == "point"]
        if len(body) > 1 and not (body[0].kind or body[0].heading is not None):
            if self.frame is not None:
                self.frame.pieces.extend(body[0].pieces)
                self.drafts.remove(body[0])
            else:
                roles[id(body[0])] = "intro"
        return roles

    def run(self, limit: int | None = None) -> tuple[list[SplitPoint], int]:
        """Parse every line (or stop once more than ``limit`` points were started); return the
        points and the number of removed hyphens."""
        for i in range(len(self.lines)):
            self._step(i)
            if limit is not None and len(self.drafts) - (self.frame is not None) > limit:
                break
        if self.heading_pending:
            self._start("", "")
        roles = self._roles()
        points = []
        removed = 0
        for d in self.drafts:
            text, n = _join(d.pieces, self.width)
            removed += n
            points.append(
                SplitPoint(
                    d.number, d.heading, text, d.marker, d.opens_heading, d.label, roles[id(d)]
                )
            )
        return points, removed


def split(text: str, limit: int | None = None) -> SplitResult:
    """Split a letter into its points; see the module docstring for the rules.

    With a ``limit``, splitting stops once more than that many points were found (the result
    then holds ``limit + 1`` points and no more): enough to refuse a text with too many,
    without building hundreds of thousands of them."""
    raw, _stripped, dropped, lines = _split_lines(text)
    width = _width(lines)
    body = [ln.text for ln in lines if not ln.frame]
    bullets = any(forms.bullet(t) for t in body)
    if bullets and not any(forms.numbered(t) or forms.roman(t) or forms.lettered(t) for t in body):
        # Only a numbered, roman or lettered line can give a point its number, so a text with
        # bullets and none of those is a bullet list: parse it once, with bullets as points.
        return _result(raw, dropped, *_Parser(lines, width, bullet_points=True).run(limit))
    points, removed = _Parser(lines, width, bullet_points=False).run(limit)
    if bullets and not any(p.number for p in points if p.role == "point"):
        points, removed = _Parser(lines, width, bullet_points=True).run(limit)
    return _result(raw, dropped, points, removed)


def _result(
    raw: list[str], dropped: set[int], points: list[SplitPoint], removed: int
) -> SplitResult:
    """The split with the dropped lines (page numbers, running heads) in their text order."""
    order = sorted(dropped)
    return SplitResult(points, [raw[i] for i in order], order, removed)
