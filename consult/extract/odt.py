"""OpenDocument text (.odt, LibreOffice / OpenOffice) uploads: paragraphs, headings, lists and
tables in document order, list numbers written out as LibreOffice shows them.

Read straight from content.xml and styles.xml with lxml (the same hardened parsing as Word
files). odfdo, the maintained ODF library, renders every list item as "-" and runs a heading
into the next line, and odfpy has had no release since 2020; neither counts list numbers.

ODF keeps numbers out of the text, like Word: a text:list names a list style whose levels say
the format (1, a, A, i, I), prefix and suffix, the levels shown ("1.1") and the start value;
a list continues an earlier one (text:continue-numbering, text:continue-list), and an item may
restart (text:start-value). Headings are numbered by the outline style.
"""

from .errors import ExtractError, Limits, Paragraphs, too_complex
from .numbering import format_counter, number_attribute
from .package import Package

NOT_AN_ODT = "Dit bestand is geen leesbaar OpenDocument-tekstbestand (.odt)."

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"

_FORMATS = {"1": "decimal", "a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman",
            "I": "upperRoman"}  # fmt: skip
_BLOCK_CONTAINERS = {
    TEXT + "section", TABLE + "table", TABLE + "table-row", TABLE + "table-cell",
    TABLE + "table-rows", TABLE + "table-header-rows", TABLE + "table-row-group",
    OFFICE + "text", TEXT + "list-header",
}  # fmt: skip
_INLINE = {TEXT + "span", TEXT + "a", TEXT + "ruby", TEXT + "ruby-base", TEXT + "meta",
           TEXT + "sequence", TEXT + "date", TEXT + "time", TEXT + "page-number",
           TEXT + "author-name", TEXT + "title", TEXT + "subject"}  # fmt: skip


class _ListStyles:
    """List styles by name: level (1-based) -> (format, prefix, suffix, shown levels, start)."""

    def __init__(self, roots, limits: Limits):
        self.styles: dict[str, dict[int, tuple]] = {}
        self.paragraph_lists: dict[str, str] = {}  # paragraph style -> its list style
        self.outline: dict[int, tuple] = {}
        count = 0
        for root in roots:
            if root is None:
                continue
            for node in root.iter(TEXT + "list-style", TEXT + "outline-style"):
                count += 1
                levels = {
                    number_attribute(level.get(TEXT + "level"), 1, 1, 10): self._level(level)
                    for level in node
                    if level.tag.startswith(TEXT + "list-level-style")
                    or level.tag == TEXT + "outline-level-style"
                }
                if node.tag == TEXT + "outline-style":
                    self.outline = levels
                else:
                    self.styles[node.get(STYLE + "name", "")] = levels
            for node in root.iter(STYLE + "style"):
                count += 1
                if node.get(STYLE + "list-style-name"):
                    self.paragraph_lists[node.get(STYLE + "name", "")] = node.get(
                        STYLE + "list-style-name"
                    )
            if count > limits.styles:
                raise too_complex(f"meer dan {limits.styles:,} opmaakprofielen".replace(",", "."))

    @staticmethod
    def _level(node) -> tuple:
        """(format, prefix, suffix, shown levels, start, bullet) of one list level."""
        if node.tag.endswith("-bullet") or node.tag.endswith("-image"):
            return ("bullet", "", "", 1, 1, node.get(TEXT + "bullet-char", "•"))
        fmt = _FORMATS.get(node.get(STYLE + "num-format", ""), "none")
        shown = number_attribute(node.get(TEXT + "display-levels"), 1, 1, 10)
        start = number_attribute(node.get(TEXT + "start-value"), 1, 0)
        prefix = node.get(STYLE + "num-prefix", "")
        return (fmt, prefix, node.get(STYLE + "num-suffix", ""), shown, start, "")


class _Reader:
    """One pass over office:text, collecting paragraph lines."""

    def __init__(self, styles: _ListStyles, limits: Limits):
        self.styles, self.limits = styles, limits
        self.paragraphs = Paragraphs(limits)
        self.counters: dict[str, list[int]] = {}  # list style -> counter per level
        self.by_id: dict[str, list[int]] = {}  # xml:id of a list -> its counters
        self.outline: list[int] = []

    def blocks(self, element, lists: tuple = ()) -> None:
        """Paragraphs, headings, lists and tables inside an element, in order."""
        for child in element:
            tag = child.tag
            if tag == TEXT + "p":
                self.paragraph(child, "")
            elif tag == TEXT + "h":
                self.paragraph(child, self.heading_number(child), _outline_level(child))
            elif tag == TEXT + "list":
                self.numbered(child, lists)
            elif tag in _BLOCK_CONTAINERS:
                self.blocks(child, lists)

    def numbered(self, node, outer: tuple) -> None:
        """A text:list: its items, numbered in its own style or the enclosing list's."""
        name = node.get(TEXT + "style-name") or (outer[0][0] if outer else "")
        name = name or self.style_of(node)
        level = len(outer) + 1
        counters = outer[0][1] if outer else self.counters_for(node, name)
        for item in node:
            if item.tag not in (TEXT + "list-item", TEXT + "list-header"):
                continue
            numbered = item.tag == TEXT + "list-item"
            first = True
            for child in item:
                if child.tag in (TEXT + "p", TEXT + "h"):
                    counted = numbered and first
                    number = self.item_number(item, name, level, counters) if counted else ""
                    self.paragraph(child, number)
                    first = False
                elif child.tag == TEXT + "list":
                    self.numbered(child, ((name, counters),) + outer)
                elif child.tag in _BLOCK_CONTAINERS:
                    self.blocks(child, ((name, counters),) + outer)

    def style_of(self, node) -> str:
        """The list style a list gets from its first paragraph's style, when it names none."""
        for paragraph in node.iter(TEXT + "p", TEXT + "h"):
            return self.styles.paragraph_lists.get(paragraph.get(TEXT + "style-name", ""), "")
        return ""

    def counters_for(self, node, name: str) -> list[int]:
        """The counters a top-level list counts with: fresh, or an earlier list's it continues."""
        continued = node.get(TEXT + "continue-list")
        if continued and continued in self.by_id:
            counters = self.by_id[continued]
        elif node.get(TEXT + "continue-numbering") == "true" and name in self.counters:
            counters = self.counters[name]
        else:
            counters = [0] * 10
        self.counters[name] = counters
        if node.get(XML_ID):
            self.by_id[node.get(XML_ID)] = counters
        return counters

    def item_number(self, item, name: str, level: int, counters: list[int]) -> str:
        """Advance the counters for a list item; the number (or bullet) shown before it."""
        levels = self.styles.styles.get(name, {})
        default = ("decimal", "", ".", 1, 1, "")
        fmt, prefix, suffix, shown, start, bullet = levels.get(level, default)
        if fmt == "bullet":
            return bullet if bullet in "•●▪◦‣∙·*-–—" else "•"
        restart = number_attribute(item.get(TEXT + "start-value"), -1, 0)
        index = min(level, 10) - 1
        if restart >= 0:
            counters[index] = restart
        else:
            counters[index] = (counters[index] or start - 1) + 1
        for deeper in range(index + 1, 10):
            counters[deeper] = 0
        if fmt == "none":
            return ""
        parts = []
        for k in range(max(index - shown + 1, 0), index + 1):
            k_fmt, *_rest = levels.get(k + 1, ("decimal", "", "", 1, 1, ""))
            k_start = levels.get(k + 1, ("", "", "", 1, 1, ""))[4]
            parts.append(format_counter(counters[k] or k_start, k_fmt))
        return f"{prefix}{'.'.join(parts)}{suffix}".strip().lstrip("(")

    def heading_number(self, h) -> str:
        """The outline number of a heading (text:h), as the outline style shows it."""
        level = _outline_level(h)
        fmt, prefix, suffix, shown, start, _bullet = self.styles.outline.get(
            level, ("none", "", "", 1, 1, "")
        )
        if fmt == "none" or h.get(TEXT + "is-list-header") == "true":
            return ""
        self.outline = (self.outline + [0] * 10)[:10]
        self.outline[level - 1] = (self.outline[level - 1] or start - 1) + 1
        self.outline[level:] = [0] * (10 - level)
        numbers = [str(n or 1) for n in self.outline[max(level - shown, 0) : level]]
        return f"{prefix}{'.'.join(numbers[:-1] + [format_counter(int(numbers[-1]), fmt)])}{suffix}"

    def text(self, element, out: list[str]) -> None:
        """The visible text of a paragraph: spans and links, spaces, tabs and line breaks."""
        if element.text:
            out.append(element.text)
        for child in element:
            tag = child.tag
            if tag == TEXT + "s":
                out.append(" " * number_attribute(child.get(TEXT + "c"), 1, 1, 100))
            elif tag == TEXT + "tab":
                out.append("\t")
            elif tag == TEXT + "line-break":
                out.append("\n")
            elif tag in _INLINE:
                self.text(child, out)
            if child.tail:
                out.append(child.tail)

    def paragraph(self, p, number: str, level: int | None = None) -> None:
        """One paragraph or heading with its number in front (and a heading's level)."""
        self.paragraphs.opened()
        out: list[str] = []
        self.text(p, out)
        line = "".join(out)
        self.paragraphs.add(f"{number} {line}" if number else line, level)


def _outline_level(h) -> int:
    """A heading's text:outline-level (1 = chapter), 1 when missing or junk."""
    return number_attribute(h.get(TEXT + "outline-level"), 1, 1, 10)


def read(data: bytes, limits: Limits) -> str:
    """The paragraphs of an .odt in document order, a blank line between paragraphs."""
    return _read(data, limits).text()


def blocks(data: bytes, limits: Limits) -> list[tuple[int | None, str]]:
    """The paragraphs of an .odt as `read` gives them, each heading (text:h) with its level."""
    return _read(data, limits).blocks()


def _read(data: bytes, limits: Limits) -> Paragraphs:
    """The collected paragraphs of an .odt; ExtractError if it is no readable OpenDocument."""
    package = Package(data, limits, NOT_AN_ODT)
    content = package.xml("content.xml")
    body = content.find(f"{OFFICE}body/{OFFICE}text") if content is not None else None
    if body is None:
        raise ExtractError(NOT_AN_ODT)
    styles = _ListStyles([package.xml("styles.xml"), content], limits)
    reader = _Reader(styles, limits)
    reader.blocks(body)
    return reader.paragraphs
