"""How the documents that go out are laid out (issue 16): the Word table's columns have real
widths that fill the A4 text width; the point numbers sort as people count in Word, Excel and
CSV (plain numbers are number cells in Excel); a text longer than an Excel cell holds is cut
with a visible note (the CSV keeps it whole); a CSV download names its charset once."""

import csv
import io
import re

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from sqlmodel import select

from consult.consultations import get_consultation
from consult.db import get_session
from consult.exports import excel
from consult.intake import DraftPoint, log_reaction
from consult.models import Point, Stakeholder
from consult.processing import answer

SLUG = "holland-rijnland-jeugdhulp-2016"
TABLE = f"/consultaties/{SLUG}/tabel"
BOARD = "Adviesraad Natuurlijke Volgorde"
# A letter numbered 1, 1.2, 1.10, ...: exports keep its order (natsort once reordered them).
TYPED = ["1", "1.2", "1.10", "2", "2a", "9", "10"]  # a letter numbered as people count
NATURAL = TYPED  # every export keeps the letter's own order
LONG = 40_000  # characters: more than an Excel cell holds (32,767)


def plant(app, numbers=TYPED, long_point: str | None = None, received_on=None) -> dict:
    """A board's reaction with points numbered ``numbers`` (in that order); points "1" to
    "1.10" (as they stand in NATURAL) answered by one answer. Returns the ids."""
    with app.app_context():
        session = get_session()
        consultation = get_consultation(session, SLUG)
        board = Stakeholder(slug="adviesraad-volgorde", name=BOARD, kind="advisory_board")
        session.add(board)
        session.flush()
        bodies = {n: f"Tekst van punt {n}" for n in numbers}
        if long_point:
            bodies[long_point] = "x" * (LONG - 7) + " einde."
        reaction = log_reaction(session, None, consultation, board,
                                [DraftPoint(n, bodies[n]) for n in numbers],
                                channel="collegebrief", title="Advies over de volgorde",
                                received_on=received_on)
        points = {p.number: p for p in session.exec(
            select(Point).where(Point.reaction_id == reaction.id))}
        covered = [points[n] for n in ("1", "1.2", "1.10") if n in points]
        response = answer(session, None, consultation, covered, [],
                          "Deze punten zijn **meegenomen**.", "adopted")
        session.commit()
        return {"board": board.id, "reaction": reaction.id, "response": response.id}


def _board_rows(rows: list[list], number_column: int = 5) -> list[str]:
    return [str(r[number_column]) for r in rows if r[1] == BOARD]


def test_word_columns_have_widths_that_fill_the_a4_text_width(demo_app):
    plant(demo_app)
    data = demo_app.test_client().get(TABLE + ".docx").data
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635
    assert section.page_width > section.page_height  # landscape A4: 297 x 210 mm
    assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210
    table = document.tables[0]
    tbl = table._tbl
    grid = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(grid) == 4 and sum(grid) == text_width  # ... and "Verwerkt in" (issue 18)
    who, points, answers, landed = grid
    assert who < points and who < answers  # a name is narrow, the texts are wide
    assert landed < points and landed < answers
    assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    assert int(tbl.tblPr.find(qn("w:tblW")).get(qn("w:w"))) == text_width
    rows = tbl.findall(qn("w:tr"))
    assert len(rows) > 50
    for tr in rows:  # every cell of every row, the header row too
        widths = [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in tr.findall(qn("w:tc"))]
        assert widths == grid


def test_point_numbers_come_in_natural_order_in_word_excel_and_csv(demo_app):
    plant(demo_app)
    client = demo_app.test_client()
    # Excel: plain numbers are number cells (they sort 1, 2, 10), the others text.
    sheet = load_workbook(io.BytesIO(client.get(TABLE + ".xlsx").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert _board_rows(rows) == NATURAL
    cells = {str(r[5]): r[5] for r in rows if r[1] == BOARD}
    assert {n: type(v) for n, v in cells.items()} == {
        "1": int, "1.2": str, "1.10": str, "2": int, "2a": str, "9": int, "10": int}
    demo_numbers = [r[5] for r in rows if r[5] not in (None, "")]
    assert all(isinstance(v, int) for v in demo_numbers if re.fullmatch(r"[1-9]\d*", str(v)))
    # CSV
    text = client.get(TABLE + ".csv").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert _board_rows(lines[1:]) == NATURAL
    # Word: the points cell of the board's reaction lists them in the same order.
    document = Document(io.BytesIO(client.get(TABLE + ".docx").data))
    words = "\n".join(c.text for r in document.tables[0].rows for c in r.cells[1:2])
    found = re.findall(r"^(\S+)\. Tekst van punt \1$", words, re.M)
    assert found == NATURAL


def test_a_text_longer_than_an_excel_cell_is_cut_with_a_note_and_whole_in_csv(demo_app):
    plant(demo_app, long_point="2")
    client = demo_app.test_client()
    sheet = load_workbook(io.BytesIO(client.get(TABLE + ".xlsx").data)).active
    cell = next(r[7] for r in sheet.iter_rows(min_row=2, values_only=True)
                if r[1] == BOARD and r[5] == 2)
    assert len(cell) <= excel.MAX_CELL
    assert cell.startswith("x" * 1000)
    assert cell.endswith("40.000 tekens, meer dan in een Excel-cel past; de CSV- en "
                         "Word-bestanden bevatten hem helemaal.]")
    text = client.get(TABLE + ".csv").data.decode("utf-8-sig")
    assert "x" * (LONG - 7) + " einde." in text


def test_fit_counts_what_excel_counts():
    assert excel.fit("kort") == "kort"
    exact = "y" * excel.MAX_CELL
    assert excel.fit(exact) == exact
    # Characters outside the BMP take two of Excel's characters each.
    wide = "😀" * 20_000
    cut = excel.fit(wide)
    assert len(cut.encode("utf-16-le")) // 2 <= excel.MAX_CELL and "20.000" in cut


def test_downloads_name_their_type_and_charset_once(demo_app):
    client = demo_app.test_client()
    assert client.get(TABLE + ".csv").headers["Content-Type"] == "text/csv; charset=utf-8"
    for fmt in ("docx", "xlsx"):
        content_type = client.get(f"{TABLE}.{fmt}").headers["Content-Type"]
        assert "charset" not in content_type and content_type.startswith("application/")


def test_roman_numerals_keep_the_letters_order_in_every_export(demo_app):
    """A letter numbered i. to x.: natsort read them as words ("ix" before "v")."""
    roman = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
    plant(demo_app, numbers=roman)
    client = demo_app.test_client()
    sheet = load_workbook(io.BytesIO(client.get(TABLE + ".xlsx").data)).active
    assert _board_rows([[c.value for c in row] for row in sheet.iter_rows(min_row=2)]) == roman
    text = client.get(TABLE + ".csv").data.decode("utf-8-sig")
    assert _board_rows(list(csv.reader(io.StringIO(text), delimiter=";"))[1:]) == roman
    document = Document(io.BytesIO(client.get(TABLE + ".docx").data))
    words = "\n".join(c.text for r in document.tables[0].rows for c in r.cells[1:2])
    assert re.findall(r"^(\S+)\. Tekst van punt \1$", words, re.M) == roman
