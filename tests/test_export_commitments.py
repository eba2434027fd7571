"""The commitments go into the exports (issue 16): their own sheet in Excel, their own section
after the table in Word; not in the CSV (one table, and the import format). Cancelled ones are
left out (as on the public page); a filtered file has those of the answers it shows."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from sqlmodel import select

from consult import commitments, rowimport
from consult.consultations import get_consultation
from consult.db import get_session
from consult.models import Commitment, Response

from .test_export_layout import BOARD, SLUG, TABLE, plant


def plant_commitments(app) -> dict:
    """On the board's answer to points 1, 1.2 and 1.10: an open commitment with a date, a
    kept one with evidence and a cancelled one."""
    ids = plant(app)
    with app.app_context():
        session = get_session()
        response = session.get(Response, ids["response"])
        commitments.create(session, None, response, "Cliëntenraad betrekken bij de inkoop",
                           "Wethouder Jeugd", date(2027, 3, 1), "")
        kept = commitments.create(session, None, response, "Notitie over pgb en ZIN",
                                  "Regio", None, "PHO Jeugd december")
        gone = commitments.create(session, None, response, "Geschrapte toezegging",
                                  "Niemand", None, "PHO")
        commitments.set_status(session, None, kept, "done", "Inkoopplan 2017, par. 4")
        commitments.set_status(session, None, gone, "cancelled", "")
        session.commit()
    return ids


def test_excel_has_a_sheet_of_commitments(demo_app):
    plant_commitments(demo_app)
    data = demo_app.test_client().get(TABLE + ".xlsx").data
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Beantwoorde punten", "Toezeggingen"]
    rows = list(book["Toezeggingen"].iter_rows(values_only=True))
    assert rows[0] == ("Toezegging", "Wie komt haar na", "Gereed op", "Gereed in vergadering",
                       "Status", "Nagekomen in", "Indiener", "Punten")
    assert rows[1:] == [
        ("Cliëntenraad betrekken bij de inkoop", "Wethouder Jeugd", "2027-03-01", None, "open",
         None, BOARD, "1, 1.2, 1.10"),
        ("Notitie over pgb en ZIN", "Regio", None, "PHO Jeugd december", "afgerond",
         "Inkoopplan 2017, par. 4", BOARD, "1, 1.2, 1.10"),
    ]
    # The import still reads the table's sheet, without a notice about another sheet.
    grid = rowimport.read_table("tabel.xlsx", data)
    assert not any("werkblad" in n for n in grid.notices), grid.notices
    with demo_app.app_context():
        session = get_session()
        plan = rowimport.plan(session, get_consultation(session, SLUG), grid)
        assert not [str(p) for p in plan.problems]


def test_word_has_a_section_of_commitments_with_sized_columns(demo_app):
    plant_commitments(demo_app)
    document = Document(io.BytesIO(demo_app.test_client().get(TABLE + ".docx").data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[-1] == "Toezeggingen"
    assert len(document.tables) == 2
    table = document.tables[1]
    texts = [[c.text for c in row.cells] for row in table.rows]
    assert texts[0] == ["Toezegging", "Wie", "Gereed", "Status", "Indiener en punten"]
    assert texts[1:] == [
        ["Cliëntenraad betrekken bij de inkoop", "Wethouder Jeugd", "1 maart 2027", "open",
         f"{BOARD}, punten 1, 1.2, 1.10"],
        ["Notitie over pgb en ZIN", "Regio", "PHO Jeugd december",
         "afgerond: Inkoopplan 2017, par. 4", f"{BOARD}, punten 1, 1.2, 1.10"],
    ]
    assert all(r.bold for c in table.rows[0].cells for r in c.paragraphs[0].runs)
    section = document.sections[0]
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(grid) == text_width and grid[0] == max(grid)
    for tr in table._tbl.findall(qn("w:tr")):
        assert [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w")))
                for tc in tr.findall(qn("w:tc"))] == grid


def test_a_filtered_file_has_the_commitments_of_its_answers_and_csv_has_none(demo_app):
    plant_commitments(demo_app)
    client = demo_app.test_client()
    municipalities = load_workbook(io.BytesIO(
        client.get(TABLE + ".xlsx?soort=municipality").data))
    assert list(municipalities["Toezeggingen"].iter_rows(min_row=2, values_only=True)) == []
    document = Document(io.BytesIO(client.get(TABLE + ".docx?soort=municipality").data))
    assert len(document.tables) == 1  # no section when the file shows none
    boards = load_workbook(io.BytesIO(client.get(TABLE + ".xlsx?soort=advisory_board").data))
    assert len(list(boards["Toezeggingen"].iter_rows(min_row=2))) == 2
    csv = client.get(TABLE + ".csv").data.decode("utf-8-sig")
    assert "Cliëntenraad betrekken" not in csv
    with demo_app.app_context():  # the cancelled one is stored, just not exported
        assert get_session().exec(select(Commitment).where(
            Commitment.status == "cancelled")).one().description == "Geschrapte toezegging"


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_opens_both_files_with_their_commitments(demo_app, tmp_path):
    plant_commitments(demo_app)
    client = demo_app.test_client()
    # Word as text; Excel as CSV, every sheet (the last filter option: -1 = all sheets).
    for fmt, target in (("docx", "txt:Text"),
                        ("xlsx", 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,'
                                 'false,false,false,-1')):
        source = tmp_path / f"tabel.{fmt}"
        source.write_bytes(client.get(f"{TABLE}.{fmt}").data)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--headless", "--convert-to", target, "--outdir", str(tmp_path / fmt),
                        str(source)], check=True, capture_output=True, timeout=180)
        text = "\n".join(f.read_text(encoding="utf-8", errors="replace")
                         for f in (tmp_path / fmt).iterdir())
        assert "Cliëntenraad betrekken bij de inkoop" in text, fmt
        assert "De punten 1 t/m 7" in text, fmt


def test_a_commitment_on_an_answer_to_a_whole_reaction_is_exported(demo_app):
    """Duin- en Bollenstreek's reaction has no points; its answer "Geen opmerkingen." still
    carries a commitment, named by the reaction's sender."""
    with demo_app.app_context():
        session = get_session()
        response = session.exec(select(Response).where(
            Response.body == "Geen opmerkingen.")).first()
        commitments.create(session, None, response, "Terugkoppeling in het PHO", "Regio",
                           None, "PHO Jeugd")
        session.commit()
    client = demo_app.test_client()
    sheet = load_workbook(io.BytesIO(client.get(TABLE + ".xlsx").data))["Toezeggingen"]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        ("Terugkoppeling in het PHO", "Regio", None, "PHO Jeugd", "open", None,
         "Duin- en Bollenstreek", "de reactie als geheel")]
    document = Document(io.BytesIO(client.get(TABLE + ".docx").data))
    assert [c.text for c in document.tables[1].rows[1].cells][-1] == (
        "Duin- en Bollenstreek, de reactie als geheel")
