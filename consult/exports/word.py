"""The Word table, streamed: python-docx makes the skeleton (styles, A4 landscape margins,
heading, the header row repeated on every page); the body rows are written as XML text
straight into word/document.xml, chunk by chunk.

python-docx sets a run's text one character at a time (docx/oxml/text/run.py,
_RunContentAppender): 8.7 of 10.4 s of a 10,000-point table. The rows here are the XML that
python-docx made for them, byte for byte: a tab becomes <w:tab/>, a CR or LF <w:br/>, a text
with leading or trailing white space keeps it (xml:space="preserve").
"""

import io
import re
import zipfile
from collections.abc import Iterable
from typing import BinaryIO
from xml.sax.saxutils import escape

from .. import richtext
from ..cleantext import clean_text
from ..models import Consultation
from ..reports import COLUMNS, Block, Row, Section, Table, point_runs
from . import promises

# Shares of the text width: who (a name: narrow), the points and the answers (text: wide),
# where they were taken in (a reference: narrow).
SHARES = (0.14, 0.35, 0.37, 0.14)
A4 = (11_906 * 635, 16_838 * 635)  # EMU (twips x 635): 210 x 297 mm, ISO 216, as Word sets it
A4_LANDSCAPE = A4[::-1]
_BREAKS = re.compile(r"([\t\r\n])")
_END_OF_TABLE = b"</w:tbl>"


def write_docx(consultation: Consultation, tables: Iterable[Table], out: BinaryIO,
               commitments: list[promises.Promise] = (), by_theme: bool = False) -> int:
    """Write the Word table (its chunks, in order) to ``out``, then a section with those of
    ``commitments`` made in the answers it shows (none: no section); returns the number of
    points. Without commitments the document is the one python-docx made before
    (tests/old_exports.py). In the table per theme (``by_theme``; each table a part of a
    theme, ``Table.section``) a row across all columns with the theme's title and
    description stands before each theme."""
    skeleton, widths = _skeleton(consultation)
    points = 0
    answers: set[int] = set()
    with zipfile.ZipFile(io.BytesIO(skeleton)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        # compresslevel 1 for the rows (most of the file): faster, a few % larger.
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info, source.read(info.filename))
                continue
            head, tail = _split(source.read(info.filename))
            with target.open(info.filename, "w") as document:
                document.write(head)
                for table in tables:
                    answers |= promises.answered(table)
                    if table.section is not None and table.section.first:
                        document.write(_theme_xml(table.section, widths).encode("utf-8"))
                    for block in table.blocks:
                        document.write(_block_xml(block, widths, table.landed).encode("utf-8"))
                        points += sum(len(r.points) for r in block.rows)
                shown = promises.shown(commitments, answers)
                if shown:
                    end = len(_END_OF_TABLE)
                    tail = (tail[:end] + _promises_xml(shown, sum(widths)).encode("utf-8")
                            + tail[end:])
                document.write(tail)
    return points


def _skeleton(consultation: Consultation) -> tuple[bytes, tuple[int, ...]]:
    """The document without body rows (what the old builder made before its first row), and
    the width of each column in twips."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    # A4 (python-docx's default template is US Letter), landscape.
    section.page_width, section.page_height = A4_LANDSCAPE
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    document.styles["Normal"].font.size = Pt(9)
    document.add_heading(clean_text(consultation.title), level=1)
    if consultation.document:
        document.add_paragraph(clean_text(consultation.document))
    grid = document.add_table(rows=1, cols=len(COLUMNS))
    grid.style = "Table Grid"
    header = grid.rows[0]
    for cell, title in zip(header.cells, COLUMNS, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    # Repeat the header row on every page.
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    widths = size_table(section, grid, SHARES)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), widths


def text_width(section) -> int:
    """The width between the margins of a python-docx section, in twips."""
    return (section.page_width - section.left_margin - section.right_margin) // 635


def size_table(section, table, shares: tuple[float, ...]) -> tuple[int, ...]:
    """Give a python-docx table fixed column widths that fill the section's text width, each
    column its share of it (the last one the rest, so they add up exactly): on the table
    (w:tblW, fixed layout), its grid (w:gridCol) and the cells of its rows so far (w:tcW), as
    Word and LibreOffice each read a different one. Returns the widths in twips."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Twips

    total = text_width(section)
    widths = [round(total * share) for share in shares[:-1]]
    widths.append(total - sum(widths))
    table.autofit = False  # w:tblLayout fixed: the widths, not the content, decide
    properties = table._tbl.tblPr
    width = properties.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        properties.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(total))
    for column, twips in zip(table.columns, widths, strict=True):
        column.width = Twips(twips)
    for row in table.rows:
        for cell, twips in zip(row.cells, widths, strict=True):
            cell.width = Twips(twips)
    return tuple(widths)


def _split(xml: bytes) -> tuple[bytes, bytes]:
    """document.xml cut where the body rows go: after the header row, before </w:tbl>."""
    at = xml.rindex(_END_OF_TABLE)
    return xml[:at], xml[at:]


# --- the rows as XML text --------------------------------------------------------------------


def _run(text: str, style: str = "") -> str:
    """A w:r holding ``text`` (cleaned already) as python-docx writes it; ``style`` "b" or
    "i" for bold or italic."""
    parts = []
    for piece in _BREAKS.split(text):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            parts.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            parts.append(f"<w:t{space}>{escape(piece)}</w:t>")
    properties = f"<w:rPr><w:{style}/></w:rPr>" if style else ""
    inner = properties + "".join(parts)
    return f"<w:r>{inner}</w:r>" if inner else "<w:r/>"


def _paragraphs(paragraphs: list[list[str]]) -> str:
    return "".join(f"<w:p>{''.join(runs)}</w:p>" if runs else "<w:p/>" for runs in paragraphs)


def _cell(width: int, content: str, merge: str = "") -> str:
    return (f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{merge}</w:tcPr>'
            f"{content}</w:tc>")


def _block_xml(block: Block, widths: tuple[int, ...], landed: dict[int, list[str]]) -> str:
    """The rows of one reaction: the stakeholder's name once, merged down over them; beside
    each row's answers where its points were taken in (``landed``: Table.landed)."""
    rows = []
    for i, row in enumerate(block.rows):
        if i == 0:
            who = _cell(widths[0], _paragraphs([[_run(clean_text(block.stakeholder.name))]]),
                        '<w:vMerge w:val="restart"/>')
        else:
            who = _cell(widths[0], "<w:p/>", "<w:vMerge/>")
        rows.append(f"<w:tr>{who}{_cell(widths[1], _points_cell(block, row))}"
                    f"{_cell(widths[2], _answer_cell(row))}"
                    f"{_cell(widths[3], _landed_cell(row, landed))}</w:tr>")
    return "".join(rows)


def _theme_xml(section: Section, widths: tuple[int, ...]) -> str:
    """A row across all columns: the theme's title (bold) and its description (line
    breaks kept), shaded, kept with the row after it on one page."""
    title = f'<w:p><w:pPr><w:keepNext/></w:pPr>{_run(clean_text(section.title), "b")}</w:p>'
    description = clean_text(section.description)
    text = (f"<w:p><w:pPr><w:keepNext/></w:pPr>{_run(description)}</w:p>"
            if description else "")
    properties = (f'<w:tcW w:type="dxa" w:w="{sum(widths)}"/><w:gridSpan w:val="{len(widths)}"/>'
                  '<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/>')
    return (f'<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr>{properties}</w:tcPr>'
            f"{title}{text}</w:tc></w:tr>")


def _extend(paragraphs: list[list[str]], text: list[list[tuple[str, str]]]) -> None:
    """A text's paragraphs of (text, style) runs as w:r, the first continuing the last
    paragraph, the rest in paragraphs of their own."""
    for k, runs in enumerate(text):
        if k:
            paragraphs.append([])
        paragraphs[-1].extend(_run(piece, style) for piece, style in runs)


def _points_cell(block: Block, row: Row) -> str:
    """The reaction's title (bold, on its first row), the points' headings (italic) and the
    points; the sender in italics where it is not the reaction's."""
    paragraphs = [["<w:r/>"]]  # python-docx's `cell.text = ""` leaves an empty run
    if row.first_of_reaction:
        paragraphs[-1].append(_run(clean_text(block.reaction.title), "b"))
        paragraphs.append([])
    heading = None
    for p in row.points:
        if p.point.heading and p.point.heading != heading:
            heading = p.point.heading
            paragraphs[-1].append(_run(clean_text(heading), "i"))
            paragraphs.append([])
        if p.sender.id != block.stakeholder.id:
            paragraphs[-1].append(_run(clean_text(f"({p.sender.name}) "), "i"))
        _extend(paragraphs, point_runs(p))
        paragraphs.append([])
    if len(paragraphs) > 1:  # the empty paragraph left at the end
        paragraphs.pop()
    return _paragraphs(paragraphs)


def _answer_cell(row: Row) -> str:
    """Each answer as its paragraphs (bold and italic runs, list items: consult.richtext,
    never the Markdown markers), with where it went (italic) in a paragraph of its own."""
    paragraphs = [["<w:r/>"]]
    for i, answer in enumerate(row.answers):
        if i:
            paragraphs.append([])
        _extend(paragraphs, richtext.runs(answer.response.body_html, answer.response.body))
        if answer.destinations:
            paragraphs.append([_run(clean_text("→ " + "; ".join(answer.destinations)), "i")])
    return _paragraphs(paragraphs)


def _landed_cell(row: Row, landed: dict[int, list[str]]) -> str:
    """Where the row's points were taken in, a paragraph each (Row.landed_lines)."""
    paragraphs = [["<w:r/>"]]
    for k, line in enumerate(row.landed_lines(landed)):
        if k:
            paragraphs.append([])
        paragraphs[-1].append(_run(clean_text(line)))
    return _paragraphs(paragraphs)


# --- the commitments --------------------------------------------------------------------------

PROMISE_SHARES = (0.36, 0.16, 0.16, 0.14, 0.18)  # what, who, when, status, sender and points


def _promises_xml(shown: list[promises.Promise], total: int) -> str:
    """A heading "Toezeggingen" and a table of the commitments (promises.WORD_COLUMNS), its
    columns sized as the main table's (fixed, filling the text width ``total`` in twips), its
    header row repeated on every page."""
    widths = [round(total * share) for share in PROMISE_SHARES[:-1]]
    widths.append(total - sum(widths))
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    header = "".join(_cell(w, _paragraphs([[_run(title, "b")]]))
                     for w, title in zip(widths, promises.WORD_COLUMNS, strict=True))
    rows = "".join(
        "<w:tr>" + "".join(_cell(w, _paragraphs([[_run(text)]]))
                           for w, text in zip(widths, p.word_cells(), strict=True)) + "</w:tr>"
        for p in shown)
    return (
        f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>{_run("Toezeggingen")}</w:p>'
        f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="dxa" w:w="{total}"/>'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" '
        'w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr>'
        f'<w:tblGrid>{grid}</w:tblGrid>'
        f'<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>{header}</w:tr>{rows}</w:tbl>'
    )
