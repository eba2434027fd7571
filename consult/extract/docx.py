"""Word (.docx) uploads: paragraphs and tables in document order, with the list numbers Word
shows written out ("3.", "b)", "•"), read straight from the XML in one pass.

Not python-docx: its `paragraph.style` scans every style for every paragraph (a file with 20,000
styles took minutes) and it loads every part, images included. Here styles are read once into a
dict, each paragraph costs the same however many styles there are, and only the document, styles
and numbering parts are unpacked. Text in content controls, insertions and hyperlinks counts;
deleted text, field codes and text boxes (drawn twice, as picture and fallback) do not.
"""

from .errors import ExtractError, Limits, Paragraphs
from .numbering import Numbering, Styles
from .package import Package

NOT_A_DOCX = "Dit bestand is geen leesbaar Word-bestand (.docx)."

_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# Elements that hold blocks (paragraphs, tables) and those that hold runs, looked into;
# anything else (deleted text, drawings, field codes, properties) is skipped with its subtree.
_BLOCK_CONTAINERS = {"tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "ins", "moveTo"}
_RUN_CONTAINERS = {
    "r", "hyperlink", "ins", "moveTo", "smartTag", "fldSimple", "sdt", "sdtContent",
    "customXml", "dir", "bdo",
}  # fmt: skip
_RUN_TEXT = {"tab": "\t", "ptab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}


def _part_names(package: Package) -> dict[str, str]:
    """The parts the main document relates to, by relationship type ("styles", "numbering")."""
    rels = package.xml("word/_rels/document.xml.rels")
    names = {"styles": "word/styles.xml", "numbering": "word/numbering.xml"}
    if rels is None:
        return names
    for rel in rels.iter(f"{_RELS}Relationship"):
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = rel.get("Target") or ""
        if kind not in names or not target or ".." in target or "://" in target:
            continue
        names[kind] = target[1:] if target.startswith("/") else "word/" + target
    return names


class _Reader:
    """One pass over the document body, collecting paragraph lines."""

    def __init__(self, ns: str, numbering: Numbering, limits: Limits, styles: Styles):
        self.w = f"{{{ns}}}"
        self.numbering, self.limits, self.styles = numbering, limits, styles
        self.paragraphs = Paragraphs(limits)

    def local(self, element) -> str | None:
        """The element's name in the Word namespace, or None for other namespaces."""
        tag = element.tag
        if isinstance(tag, str) and tag.startswith(self.w):
            return tag[len(self.w) :]
        return None

    def blocks(self, element) -> None:
        """Every paragraph inside a body, table, cell or content control, in order."""
        for child in element:
            name = self.local(child)
            if name == "p":
                self.paragraph(child)
            elif name in _BLOCK_CONTAINERS:
                self.blocks(child)

    def runs(self, element, out: list[str]) -> None:
        """The visible text of the runs inside a paragraph (or a hyperlink, insertion ...)."""
        for child in element:
            name = self.local(child)
            if name == "t":
                out.append(child.text or "")
            elif name in _RUN_TEXT:
                out.append(_RUN_TEXT[name])
            elif name in _RUN_CONTAINERS:
                self.runs(child, out)

    def paragraph(self, p) -> None:
        """One paragraph: its list number (if any) and its text."""
        self.paragraphs.opened()
        out: list[str] = []
        self.runs(p, out)
        text = "".join(out)
        prefix = self.numbering.prefix(p)
        line = f"{prefix} {text}" if prefix else text
        self.paragraphs.add(line, self.styles.heading_level(p))


def read(data: bytes, limits: Limits) -> str:
    """The paragraphs and tables of a .docx in document order, a blank line between paragraphs.

    A Word paragraph is a paragraph, so it gets the blank line a pasted letter would have; that
    is what tells the splitter a heading from the text under it.
    """
    return _read(data, limits).text()


def blocks(data: bytes, limits: Limits) -> list[tuple[int | None, str]]:
    """The paragraphs of a .docx as `read` gives them, each with its heading level (1 = a
    "Heading 1" / "Kop 1" paragraph or outline level 1; None for body text)."""
    return _read(data, limits).blocks()


def _read(data: bytes, limits: Limits) -> Paragraphs:
    """The collected paragraphs of a .docx; ExtractError if it is no readable Word file."""
    package = Package(data, limits, NOT_A_DOCX)
    root = package.xml("word/document.xml")
    if root is None:
        raise ExtractError(NOT_A_DOCX)
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if ns not in (_MAIN, _STRICT):
        raise ExtractError(NOT_A_DOCX)
    parts = _part_names(package)
    styles = Styles(package.xml(parts["styles"]), ns, limits)
    numbering = Numbering(package.xml(parts["numbering"]), styles, ns, limits)
    body = root.find(f"{{{ns}}}body")
    if body is None:
        raise ExtractError(NOT_A_DOCX)
    reader = _Reader(ns, numbering, limits, styles)
    reader.blocks(body)
    return reader.paragraphs
