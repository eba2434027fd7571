"""The Word and Excel builders of the answered table as they were before issue 15 (a normal
openpyxl Workbook, python-docx runs for every cell): the reference the streaming exports
(consult.exports) are compared with, cell for cell. Frozen on purpose; not used by the app."""

import io

from consult import richtext
from consult.cleantext import clean_text
from consult.exports import excel
from consult.reports import (
    COLUMNS,
    FLAT_COLUMNS,
    FORMULA_START,
    Block,
    Row,
    Table,
    _csv_cell,
    flat_rows,
    point_runs,
)


def to_csv(table: Table) -> bytes:
    """Semicolon-separated UTF-8 with a byte-order mark: what Dutch Excel opens as columns.
    A cell that would start a formula gets a leading apostrophe (OWASP's rule, by defusedcsv)."""
    from defusedcsv import csv as defused

    buffer = io.StringIO()
    writer = defused.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(FLAT_COLUMNS)
    writer.writerows([_csv_cell(cell) for cell in row] for row in flat_rows(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _text_cell(sheet, row: int, column: int, text: str):
    """An Excel cell holding ``text`` as a string, never a formula: openpyxl makes every str
    that starts with "=" a formula, so the type is set back; a text that would read as a
    formula once edited in Excel also gets the quote prefix ("'") Excel itself gives it."""
    cell = sheet.cell(row=row, column=column, value=text)
    cell.data_type = "s"
    if text.lstrip().startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Beantwoorde punten"
    for column, title in enumerate(FLAT_COLUMNS, start=1):
        _text_cell(sheet, 1, column, title).font = Font(bold=True)
    for r, row in enumerate(flat_rows(table), start=2):
        for column, text in enumerate(row, start=1):
            # Since 30 November: plain point numbers are numbers, long texts cut with a note.
            if column == excel.NUMBER + 1 and (value := excel.plain_number(text)) is not None:
                sheet.cell(row=r, column=column, value=value)
            else:
                _text_cell(sheet, r, column, excel.fit(text))
    widths = excel.WIDTHS  # since issue 18: a twelfth column, "Verwerkt in"
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_docx(table: Table) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt
    from docx.table import _Cell

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = 16_838 * 635, 11_906 * 635  # A4 (twips x 635)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    document.styles["Normal"].font.size = Pt(9)
    document.add_heading(clean_text(table.consultation.title), level=1)
    if table.consultation.document:
        document.add_paragraph(clean_text(table.consultation.document))
    grid = document.add_table(rows=1, cols=len(COLUMNS))  # 4 since issue 18
    grid.style = "Table Grid"
    header = grid.rows[0]
    for cell, title in zip(header.cells, COLUMNS, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    # Repeat the header row on every page.
    properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    # Since 30 November: fixed widths that fill the text width (consult.exports.word).
    from docx.shared import Twips

    from consult.exports.word import SHARES, size_table
    widths = [Twips(t) for t in size_table(section, grid, SHARES)]
    for block in table.blocks:
        for i, row in enumerate(block.rows):
            # Cells straight from the new row's XML: python-docx's row.cells walks the whole
            # table each time (quadratic: 145 s for 10,000 points).
            tr = grid.add_row()._tr
            cells = [_Cell(tc, grid) for tc in tr.tc_lst]
            for cell, width in zip(cells, widths, strict=True):
                cell.width = width
            # The stakeholder's name once, merged down over its rows (w:vMerge).
            merge = OxmlElement("w:vMerge")
            if i == 0:
                cells[0].text = clean_text(block.stakeholder.name)
                merge.set(qn("w:val"), "restart")
            cells[0]._tc.get_or_add_tcPr().append(merge)
            _points_cell(cells[1], block, row)
            _answer_cell(cells[2], row)
            _landed_cell(cells[3], row, table.landed)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _points_cell(cell, block: Block, row: Row) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    if row.first_of_reaction:
        paragraph.add_run(clean_text(block.reaction.title)).bold = True
        paragraph = cell.add_paragraph()
    heading = None
    for p in row.points:
        if p.point.heading and p.point.heading != heading:
            heading = p.point.heading
            paragraph.add_run(clean_text(heading)).italic = True
            paragraph = cell.add_paragraph()
        if p.sender.id != block.stakeholder.id:
            paragraph.add_run(clean_text(f"({p.sender.name}) ")).italic = True
        # Since 30 November: the point's runs (reports.point_runs), no Markdown markers.
        _add_paragraphs(cell, paragraph, point_runs(p))
        paragraph = cell.add_paragraph()
    # Drop the empty paragraph left at the end.
    last = cell.paragraphs[-1]
    if not last.text and len(cell.paragraphs) > 1:
        last._element.getparent().remove(last._element)


def _add_paragraphs(cell, paragraph, paragraphs) -> None:
    """(text, style) runs, a list per paragraph: the first into ``paragraph``, the rest into
    new paragraphs of the cell; "b" bold, "i" italic."""
    for k, runs in enumerate(paragraphs):
        if k:
            paragraph = cell.add_paragraph()
        for text, style in runs:
            run = paragraph.add_run(text)
            if style == "b":
                run.bold = True
            elif style == "i":
                run.italic = True


def _answer_cell(cell, row: Row) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    for i, answer in enumerate(row.answers):
        if i:
            paragraph = cell.add_paragraph()
        # Since 30 November: the answer's runs (consult.richtext), no Markdown markers.
        _add_paragraphs(cell, paragraph, richtext.runs(answer.response.body_html,
                                                       answer.response.body))
        if answer.destinations:
            where = clean_text("→ " + "; ".join(answer.destinations))
            cell.add_paragraph().add_run(where).italic = True


def _landed_cell(cell, row: Row, landed) -> None:
    """Since issue 18: where the row's points were taken in, a paragraph each."""
    cell.text = ""
    paragraph = cell.paragraphs[0]
    for k, line in enumerate(row.landed_lines(landed)):
        if k:
            paragraph = cell.add_paragraph()
        paragraph.add_run(clean_text(line))
