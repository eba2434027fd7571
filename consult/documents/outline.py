"""A document's outline: its chapters, sections and numbered paragraphs ("4.3 Sturing en
monitoring"), each with its level and the stretch of the document's text it covers.

Word and OpenDocument headings are taken from their heading styles where the file has them.
Otherwise (PDF, plain or pasted text, Markdown, a Word file without heading styles) a heading is
a line that starts with a section number followed by a capitalised title, stands apart (a blank
line after it, or it is short and the next line does not run on) and continues the numbering:
after 4.2 come 4.3, 4.2.1 or 5, so a numbered list inside a chapter ("1. Goede vraagverkenning"
in chapter 9) or a wrapped sentence that happens to start with a number is body text. Markdown
"#" lines are headings too.

Numbering with gaps is still numbering: after 4.1 may come 4.3 (a paragraph deleted, the rest
not renumbered), after 2 may come 2.2 or 4, at most MAX_SKIP numbers skipped, when the line
stands apart (a blank line after it) and its title is no sentence. Numbering that restarts at 1
after a part's heading ("Bijlage 1 Begrippen", "Deel B") is a new part: the part's line becomes
an unnumbered chapter and its numbered headings its sections. Without such a line a restart at
1 reads as a numbered list (its text stays in the section before it: the sections still cover
the whole text).

The sections cover the text without gaps: the text before the first heading is a section of its
own (number None), so the sections' characters add up to the whole text.
"""

import json
import re
from dataclasses import dataclass

# "4.3 Sturing", "4.3. Sturing", "§ 4.3 Sturing", "Hoofdstuk 4 Sturing", "## 4.3 Sturing".
_NUMBERED = re.compile(
    r"^(?P<hashes>#{1,6}\s+)?(?:(?:hoofdstuk|chapter|paragraaf|§)\s*)?"
    r"(?P<number>\d{1,3}(?:\.\d{1,3}){0,5})\.?[ \t\u00a0]+(?P<title>\S.*)$",
    re.IGNORECASE,
)
_MARKDOWN = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>\S.*)$")
MAX_TITLE = 160
MAX_SKIP = 4  # numbers a heading may skip and still continue the numbering (4.1 -> 4.6)
# A line that starts a part whose numbering restarts at 1: "Bijlage 2: Inkoopopdracht", "Deel B".
_PART = re.compile(r"^(?:bijlage|bijlagen|deel|annex|appendix|addendum)\b[^.]{0,80}$",
                   re.IGNORECASE)
START_TITLE = "Begin"  # the title of the text before the first heading when it has none


@dataclass
class Section:
    """One section: its number ("4.3", None when unnumbered), title, level (1 = chapter) and
    where it lies in the document's text (`start`, `end`: character offsets, heading included)."""

    number: str | None
    title: str
    level: int
    start: int
    end: int

    @property
    def chars(self) -> int:
        """How many characters of the text the section covers, its heading included."""
        return self.end - self.start


def _follows(numbers: list[int], previous: list[int]) -> bool:
    """Whether a section number continues the numbering after `previous`: a next sibling at
    any level (4.2 -> 4.3, 4.2 -> 5) or a first child (4.2 -> 4.2.1); the first is 1 or 0.1."""
    if not previous:
        return all(n in (0, 1) for n in numbers)
    depth = len(numbers)
    if depth <= len(previous):
        return numbers[:-1] == previous[: depth - 1] and numbers[-1] == previous[depth - 1] + 1
    return depth == len(previous) + 1 and numbers[:-1] == previous and numbers[-1] == 1


def _follows_with_gap(numbers: list[int], previous: list[int]) -> bool:
    """Whether a number comes after `previous` with at most MAX_SKIP numbers missing at each
    level: 4.1 -> 4.3, 1 -> 1.5, 1 -> 2.1 (chapter 2's own heading lost), 4.2 -> 4.2.2."""
    common = 0
    while common < min(len(numbers), len(previous)) and numbers[common] == previous[common]:
        common += 1
    if common == len(numbers):  # the same number again, or a parent of the previous one
        return False
    base = previous[common] if common < len(previous) else 0
    rest = numbers[common + 1:]
    return 1 <= numbers[common] - base <= 1 + MAX_SKIP and all(n <= 1 + MAX_SKIP for n in rest)


def _title_ok(title: str) -> bool:
    """A heading's title: starts with a capital, is short, and is no sentence running on."""
    title = title.strip()
    if not title or len(title) > MAX_TITLE or not title[0].isupper():
        return False
    sentence = title.endswith(".") and len(title) > 60
    return not title.endswith((",", ";", ":", "-")) and not sentence


def _lines(text: str) -> list[tuple[int, str]]:
    """Each line of the text with its start offset."""
    found, offset = [], 0
    for line in text.splitlines(keepends=True):
        found.append((offset, line))
        offset += len(line)
    return found


def _candidate(lines: list[tuple[int, str]], i: int):
    """The (numbers, number, title, explicit) of a line shaped like a numbered heading, or None.

    A line with text right under it counts only when short and not running on into that
    text (a footnote or a wrapped sentence continues in lower case); PDFs lose blank lines."""
    stripped = lines[i][1].strip()
    numbered = _NUMBERED.match(stripped)
    if not numbered:
        return None
    title = " ".join(numbered["title"].split())
    after = lines[i + 1][1].strip() if i + 1 < len(lines) else ""
    explicit = bool(numbered["hashes"])
    apart = not after or (len(stripped) <= 80 and not after[0].islower())
    if not (explicit or apart) or not _title_ok(title):
        return None
    return [int(n) for n in numbered["number"].split(".")], numbered["number"], title, explicit


def _stands_apart(lines: list[tuple[int, str]], i: int, title: str) -> bool:
    """A heading that skips numbers must look like one: a blank line (or the end) after it,
    and a title that does not end like a sentence."""
    after = lines[i + 1][1].strip() if i + 1 < len(lines) else ""
    return not after and not title.endswith(".")


def _continued(lines: list[tuple[int, str]], i: int, numbers: list[int]) -> bool:
    """Whether the next numbered heading after line i continues its number: an excerpt that
    starts at "6.1" (then "6.1.1") is numbered, a lone "12 Gemeenten" is not."""
    for k in range(i + 1, len(lines)):
        candidate = _candidate(lines, k)
        if candidate:
            return _follows(candidate[0], numbers)
    return False


def _part_before(lines: list[tuple[int, str]], i: int):
    """The (offset, title) of the part heading right before line i ("Bijlage 1 Begrippen"
    on a line of its own, blank lines around it), or None."""
    k = i - 1
    while k >= 0 and not lines[k][1].strip():
        k -= 1
    if k < 0 or k == i - 1 or (k > 0 and lines[k - 1][1].strip()):
        return None
    line = " ".join(lines[k][1].split())
    return (lines[k][0], line[:MAX_TITLE]) if _PART.match(line) and line[0].isupper() else None


def _headings_in_text(text: str) -> list[tuple[int, str | None, str, int]]:
    """(offset, number, title, level) of each heading found by numbering or Markdown.

    A number that does not continue the outline starts a list ("1. Minder regels" in
    chapter 1); the items continuing that list ("2. Meer tijd") are list items too. A number
    that continues it with a gap (4.1 -> 4.3) is a heading when it stands apart; a restart at
    1 right after a part's heading ("Bijlage 1") starts that part's numbering."""
    lines = _lines(text)
    found, previous, in_list, nested = [], [], None, 0  # nested: 1 inside a part
    for i, (offset, line) in enumerate(lines):
        candidate = _candidate(lines, i)
        if candidate:
            numbers, number, title, explicit = candidate
            continues_list = in_list is not None and _follows(numbers, in_list)
            part = _part_before(lines, i) if _follows(numbers, []) and previous else None
            if part:
                found.append((part[0], None, part[1], 1))
                nested = 1
            if explicit or part or (not continues_list and (
                    _follows(numbers, previous) or (
                        _stands_apart(lines, i, title) and (
                            _follows_with_gap(numbers, previous) if previous
                            else _continued(lines, i, numbers))))):
                found.append((offset, number, title, len(numbers) + nested))
                previous, in_list = numbers, None
            else:
                in_list = numbers
            continue
        markdown = _MARKDOWN.match(line.strip())
        if markdown:
            found.append((offset, None, " ".join(markdown["title"].split())[:MAX_TITLE],
                          len(markdown["hashes"])))
    return found


def _split_heading(line: str) -> tuple[str | None, str]:
    """A heading line's number and title ("4.3 Sturing" -> ("4.3", "Sturing"))."""
    line = " ".join(line.split())
    numbered = _NUMBERED.match(line)
    if numbered and numbered["title"].strip():
        return numbered["number"], numbered["title"].strip()[:MAX_TITLE]
    return None, line[:MAX_TITLE]


def _sections(text: str, headings: list[tuple[int, str | None, str, int]]) -> list[Section]:
    """Sections from heading offsets, covering the whole text (the part before the first
    heading becomes a section of its own unless it is only white space)."""
    sections: list[Section] = []
    first = headings[0][0] if headings else len(text)
    if text[:first].strip():
        head = text[:first].strip().splitlines()[0].strip()
        title = head if len(head) <= 80 and not head.endswith(".") else START_TITLE
        sections.append(Section(None, " ".join(title.split()), 1, 0, first))
    for k, (offset, number, title, level) in enumerate(headings):
        end = headings[k + 1][0] if k + 1 < len(headings) else len(text)
        sections.append(Section(number, title, level, offset, end))
    if sections and sections[0].start > 0:  # leading white space belongs to the first section
        sections[0].start = 0
    return sections


def outline_of_text(text: str) -> list[Section]:
    """The outline of plain text (pasted, from a PDF, Markdown), by numbering patterns."""
    return _sections(text, _headings_in_text(text))


def outline_of_blocks(blocks: list[tuple[int | None, str]]) -> tuple[str, list[Section]]:
    """(the text, its outline) of paragraphs read from a file, [(heading level or None,
    text)]: by the file's heading styles where any paragraph has one, else by numbering.
    The text is the paragraphs with a blank line between them."""
    text, headings, offset = [], [], 0
    for level, line in blocks:
        if text:
            offset += 2
        if level is not None and line.strip():
            number, title = _split_heading(line)
            headings.append((offset, number, title, level))
        text.append(line)
        offset += len(line)
    joined = "\n\n".join(text)
    if not headings:
        return joined, outline_of_text(joined)
    return joined, _sections(joined, headings)


def as_json(sections: list[Section]) -> str:
    """The outline as `{"sections": [{"number", "title", "level", "chars"}]}`."""
    rows = [{"number": s.number, "title": s.title, "level": s.level, "chars": s.chars}
            for s in sections]
    return json.dumps({"sections": rows}, ensure_ascii=False, indent=2)


def read_outline(filename: str, data: bytes) -> tuple[str, list[Section]]:
    """(text, outline) of an uploaded document (.docx, .odt, .pdf, .md, .txt); raises
    ExtractError with a Dutch message for a file that cannot be read."""
    from ..extract import read_blocks

    return outline_of_blocks(read_blocks(filename, data))


__all__ = ["Section", "as_json", "outline_of_blocks", "outline_of_text",
           "read_outline"]
