"""Documents that go out show an answer's formatting, never its Markdown markers (issue 16):
Word renders bold, italics and list items, mail, Excel and CSV get plain text; Word is A4."""

import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import select

from consult import richtext
from consult.db import get_session
from consult.models import Point, Reaction, Response, ResponsePoint, Stakeholder
from consult.text import render_markdown

from .conftest import Actor

SLUG = "holland-rijnland-jeugdhulp-2016"
MARKDOWN = ("Dit punt wordt **meegenomen in het inkoopplan** en *nader uitgewerkt*:\n\n"
            "- eerste stap\n- tweede stap, zie [de nota](https://example.nl/nota)\n\n"
            "1. een\n2. twee")
MARKERS = re.compile(r"\*\*|(?<!\w)\*\w|^- |\]\(|^#", re.M)
A4_PORTRAIT_MM = (210, 297)


@pytest.mark.parametrize("source,paragraphs", [
    ("Gewoon een antwoord.", [[("Gewoon een antwoord.", "")]]),
    ("Wordt **meegenomen**.", [[("Wordt ", ""), ("meegenomen", "b"), (".", "")]]),
    ("*Niet* overgenomen", [[("Niet", "i"), (" overgenomen", "")]]),
    ("- a\n- b", [[("• a", "")], [("• b", "")]]),
    ("1. a\n2. b", [[("1. a", "")], [("2. b", "")]]),
    ("- a\n    - diep", [[("• a", "")], [("– diep", "")]]),
    ("[nota](https://example.nl/n)", [[("nota (https://example.nl/n)", "")]]),
    ("Zie https://example.nl/n", [[("Zie https://example.nl/n", "")]]),
    ("**a** *b* c", [[("a", "b"), (" ", ""), ("b", "i"), (" c", "")]]),
    ("<script>alert(1)</script>x & y", [[("x & y", "")]]),
    ("| a | b |\n|---|---|\n| 1 | 2 |", [[("a", "b"), (" | ", ""), ("b", "b")], [("1 | 2", "")]]),
    ("> geciteerd", [[("geciteerd", "")]]),
    ("```\ndef f():\n    return 1\n```", [[("def f():\n    return 1", "")]]),  # lines kept
    ("    ingesprongen\n    code", [[("ingesprongen\ncode", "")]]),
    ("zie `code` hier", [[("zie code hier", "")]]),
    ("", []),
])
def test_runs_of_an_answer(source, paragraphs):
    assert richtext.runs(str(render_markdown(source))) == paragraphs


def _markdown_answer(app) -> tuple[str, int]:
    """Give the first answer of a Leiden point the Markdown above; (its plain text, sender id)."""
    with app.app_context():
        session = get_session()
        response, stakeholder = session.exec(
            select(Response, Stakeholder.id)
            .join(ResponsePoint, ResponsePoint.response_id == Response.id)
            .join(Point, Point.id == ResponsePoint.point_id)
            .join(Reaction, Reaction.id == Point.reaction_id)
            .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
            .where(Stakeholder.name == "Leiden", Response.status != "draft")
            .order_by(Response.id)).first()
        response.body = MARKDOWN
        session.add(response)
        session.commit()
        return richtext.text(response.body_html), stakeholder


def _docx_text(data: bytes) -> tuple[Document, str]:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return document, "\n".join(parts)


def _a4(document, landscape: bool) -> None:
    section = document.sections[0]
    size = (round(section.page_width.mm), round(section.page_height.mm))
    assert size == (A4_PORTRAIT_MM[::-1] if landscape else A4_PORTRAIT_MM)


def test_word_table_and_letter_render_markdown_on_a4(demo_app):
    plain, leiden = _markdown_answer(demo_app)
    assert "meegenomen in het inkoopplan" in plain and "**" not in plain
    secretary = Actor(demo_app.test_client(), "secretary")
    table = secretary.get(f"/consultaties/{SLUG}/tabel.docx")
    letter = secretary.get(f"/consultaties/{SLUG}/antwoordbrieven/{leiden}.docx")
    for response, landscape in ((table, True), (letter, False)):
        assert response.status_code == 200
        document, text = _docx_text(response.data)
        _a4(document, landscape)
        assert "meegenomen in het inkoopplan" in text and "• tweede stap" in text
        assert "de nota (https://example.nl/nota)" in text and "1. een" in text
        assert not MARKERS.search(text), MARKERS.search(text)
        runs = [r for p in document.paragraphs for r in p.runs] + [
            r for t in document.tables for row in t.rows for c in row.cells
            for p in c.paragraphs for r in p.runs]
        assert any(r.bold and r.text == "meegenomen in het inkoopplan" for r in runs)
        assert any(r.italic and r.text == "nader uitgewerkt" for r in runs)


def test_a_points_markdown_is_rendered_in_word_too(demo_app):
    """The trial: a point typed with "Wij vragen **nadrukkelijk** om ..." is bold on the
    reaction page but printed with its asterisks in the Word table and the answer letter."""
    _plain, leiden = _markdown_answer(demo_app)
    with demo_app.app_context():
        session = get_session()
        point = session.exec(
            select(Point).join(Reaction, Reaction.id == Point.reaction_id)
            .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
            .where(Stakeholder.name == "Leiden").order_by(Point.position)).first()
        point.body = "Wij vragen **nadrukkelijk** om hulp:\n\n- jongerenwerk\n- dyslexie"
        session.add(point)
        session.commit()
        number = point.number
    secretary = Actor(demo_app.test_client(), "secretary")
    for url in (f"/consultaties/{SLUG}/tabel.docx",
                f"/consultaties/{SLUG}/antwoordbrieven/{leiden}.docx"):
        document, text = _docx_text(secretary.get(url).data)
        assert "nadrukkelijk" in text and "**" not in text, url
        assert "• jongerenwerk" in text and "• dyslexie" in text, url
        runs = [r for p in document.paragraphs for r in p.runs] + [
            r for t in document.tables for row in t.rows for c in row.cells
            for p in c.paragraphs for r in p.runs]
        assert any(r.bold and r.text == "nadrukkelijk" for r in runs), url
        if "tabel" in url:
            assert f"{number}. Wij vragen nadrukkelijk om hulp:" in text
            # each line a paragraph, no blank paragraphs around the sub-items (issue 16)
            cell = next(c for t in document.tables for row in t.rows for c in row.cells
                        if "Wij vragen nadrukkelijk" in c.text)
            lines = [p.text for p in cell.paragraphs]
            start = [i for i, line in enumerate(lines) if "Wij vragen" in line][0]
            assert lines[start].endswith(f"{number}. Wij vragen nadrukkelijk om hulp:"), lines
            assert lines[start + 1:start + 3] == ["• jongerenwerk", "• dyslexie"], lines
    # Excel and CSV: the same lines as plain text, no asterisks, no "- ".
    sheet = load_workbook(io.BytesIO(secretary.get(f"/consultaties/{SLUG}/tabel.xlsx").data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert "Wij vragen nadrukkelijk om hulp:\n• jongerenwerk\n• dyslexie" in cells
    csv = secretary.get(f"/consultaties/{SLUG}/tabel.csv").data.decode("utf-8-sig")
    assert "Wij vragen nadrukkelijk om hulp:\n• jongerenwerk\n• dyslexie" in csv


def test_excel_and_csv_show_plain_text_not_markdown(demo_app):
    """Excel and CSV show an answer as plain text (issue 16): its words without "**", list
    items with "• " or their number, a link's address after its text; the same text Word
    shows without its styles. (That plain text imports back as the same table:
    tests/test_rowimport_roundtrip.py.)"""
    plain, _stakeholder = _markdown_answer(demo_app)
    assert "• eerste stap" in plain and "de nota (https://example.nl/nota)" in plain
    secretary = Actor(demo_app.test_client(), "secretary")
    sheet = load_workbook(io.BytesIO(secretary.get(f"/consultaties/{SLUG}/tabel.xlsx").data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert plain in cells
    assert not [cell for cell in cells if MARKERS.search(cell)]
    csv = secretary.get(f"/consultaties/{SLUG}/tabel.csv").data.decode("utf-8-sig")
    assert "meegenomen in het inkoopplan en nader uitgewerkt:" in csv
    assert "• tweede stap, zie de nota (https://example.nl/nota)" in csv
    assert not MARKERS.search(csv)
