"""The answered table leaves the app as Word, Excel and CSV: read back, it is the database."""

import csv
import io
import re

from docx import Document
from openpyxl import load_workbook
from sqlmodel import select

from consult import consultations as reading
from consult import richtext
from consult.db import get_session
from consult.models import Consultation, Destination

from .conftest import Actor, unpublish

SLUG = "holland-rijnland-jeugdhulp-2016"
URL = f"/consultaties/{SLUG}/tabel"


def expected_rows(app):
    """(stakeholder of the reaction, sender, number, text, [answer bodies]) of every point, in
    the order of the table, from the reaction pages' own reading code."""
    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation)).one()
        out = []
        # the table keeps the letters' order; the overview lists them by date received
        rows = sorted(reading.overview(session, consultation).reactions,
                      key=lambda r: (r.reaction.position, r.reaction.id))
        for row in rows:
            detail = reading.reaction_detail(session, consultation, row.reaction.id)
            for p in detail.points:
                sender = p.sender or detail.stakeholder
                out.append((detail.stakeholder.name, sender.name, p.point.number, p.point.body,
                            [a.response.body.strip() for a in p.answers
                             if a.response.status != "draft"]))
        return out


def test_word_table_matches_the_database(demo_app):
    response = demo_app.test_client().get(URL + ".docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'{SLUG}-tabel.docx"')
    table = Document(io.BytesIO(response.data)).tables[0]
    header = table.rows[0]
    assert [c.text for c in header.cells] == ["Gemeente / subregio", "Uitgangspunten",
                                              "Toelichting", "Verwerkt in"]
    assert 'w:tblHeader w:val="true"' in header._tr.xml  # repeated on every page
    found, landed = [], []
    for row in table.rows[1:]:
        who, points, answers, where = (c.text for c in row.cells)
        landed += [line for line in where.split("\n") if line]
        for line in points.split("\n"):
            m = re.match(r"(?:\((?P<sender>[^)]+)\) )?(?P<n>\d+[a-z]?)\. (?P<text>.*)", line)
            if m:
                found.append((who, m["sender"] or who, m["n"], m["text"], answers))
    expected = expected_rows(demo_app)
    assert len(found) == len(expected) == 204
    for (who, sender, n, text, answers), (e_who, e_sender, e_n, e_text, e_answers) in zip(
        found, expected, strict=True
    ):
        assert (who, sender, n) == (e_who, e_sender, e_n)
        assert text == e_text.replace("\n", " ") or e_text.startswith(text)
        for body in e_answers:
            assert body.split("\n")[0] in answers, (who, n)
    # An answer covering a range stands once, beside all its points (Leiden 1-7).
    leiden = [r for r in table.rows[1:] if r.cells[0].text == "Leiden"]
    assert "De punten 1 t/m 7" in leiden[0].cells[2].text
    assert re.findall(r"^(\d+)\.", leiden[0].cells[1].text, re.M) == [str(i) for i in range(1, 8)]
    assert landed == []  # the demo marks no point done (tests/test_landed_everywhere.py does)


def test_excel_one_row_a_point_with_filters(demo_app):
    response = demo_app.test_client().get(URL + ".xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Gemeente / subregio", "Indiener", "Soort indiener")
    assert sheet.auto_filter.ref == sheet.dimensions and sheet.freeze_panes == "A2"
    points = [r for r in rows[1:] if r[5]]
    expected = expected_rows(demo_app)
    assert [(r[1], str(r[5]), r[7]) for r in points] == [(s, n, t) for _w, s, n, t, _a in expected]
    for r, (_w, _s, _n, _t, answers) in zip(points, expected, strict=True):
        # plain text (issue 16): the answers' paragraphs one a line, no Markdown markers
        assert (r[8] or "") == "\n".join(richtext.text(None, a) for a in answers)
    # The two answers to a reaction as a whole (Alphen's model picture, D&B officials) too.
    assert len(rows) - 1 - len(points) == 2
    assert sum(1 for r in points if r[10] == "open") == 1


def test_csv_and_filters(demo_app):
    client = demo_app.test_client()
    text = client.get(URL + ".csv").data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows) == 1 + 204 + 2
    boards = list(csv.reader(io.StringIO(
        client.get(URL + ".csv?soort=advisory_board").data.decode("utf-8")[1:]), delimiter=";"))
    assert sorted({r[1] for r in boards[1:]}) == ["WMO Adviesraad Leiden",
                                                  "WMO Adviesraad Oegstgeest"]
    assert len(boards) - 1 == 9
    open_rows = list(csv.reader(io.StringIO(
        client.get(URL + ".csv?status=open").data.decode("utf-8")[1:]), delimiter=";"))
    assert [(r[1], r[5]) for r in open_rows[1:]] == [("College van B&W Alphen aan den Rijn", "4")]
    with demo_app.app_context():
        privacy = get_session().exec(select(Destination.id).where(Destination.title == "Privacy")
                                     ).one()
    routed = list(csv.reader(io.StringIO(
        client.get(URL + f".csv?bestemming={privacy}").data.decode("utf-8")[1:]), delimiter=";"))
    assert routed[1:] and all("Privacy" in r[9] for r in routed[1:])
    page = client.get(URL + "?status=open").get_data(as_text=True)
    assert page.count('class="point-line"') == 1
    assert client.get(URL + "?status=<x>&subregio=abc").status_code == 200
    assert client.get(URL + ".pdf").status_code == 404


def test_export_command(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    for fmt in ("docx", "xlsx", "csv"):
        target = tmp_path / f"tabel.{fmt}"
        result = runner.invoke(args=["consult", "export", SLUG, "--format", fmt, "-o",
                                     str(target)])
        assert result.exit_code == 0, result.output
        assert "204 punten geschreven" in result.output
        assert target.stat().st_size > 10_000
    assert "vastgesteld" in (tmp_path / "tabel.csv").read_text(encoding="utf-8-sig")
    bad = runner.invoke(args=["consult", "export", "bestaat-niet", "--format", "csv", "-o",
                              str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "Geen consultatie" in bad.output
    nowhere = runner.invoke(args=["consult", "export", SLUG, "--format", "csv", "-o",
                                  str(tmp_path / "missing" / "x.csv")])
    assert nowhere.exit_code == 1 and "Kan" in nowhere.output


def test_unpublished_table_is_not_for_outsiders(demo_app):
    unpublish(demo_app)
    assert demo_app.test_client().get(URL + ".docx").status_code == 404
    assert demo_app.test_client().get(URL).status_code == 404
    assert Actor(demo_app.test_client(), "secretary").get(URL + ".docx").status_code == 200


def _stakeholder(app, name):
    from consult.models import Stakeholder

    with app.app_context():
        return get_session().exec(select(Stakeholder).where(Stakeholder.name == name)).one()


def test_answer_letter_walks_through_the_boards_points(demo_app):
    board = _stakeholder(demo_app, "WMO Adviesraad Leiden")
    secretary = Actor(demo_app.test_client(), "secretary")
    letter = f"/consultaties/{SLUG}/antwoordbrieven/{board.id}.docx"
    default = secretary.get(letter)
    assert default.status_code == 200
    assert "Hartelijk dank voor uw reactie op" in "\n".join(
        p.text for p in Document(io.BytesIO(default.data)).paragraphs)
    saved = secretary.form_post(f"/consultaties/{SLUG}/antwoordbrieven", {
        "opening": "Beste {stakeholder},\n\nDank u wel.",
        "closing": "Hoogachtend,\n\nHet secretariaat"})
    assert saved.status_code == 303
    response = secretary.get(letter)
    assert response.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(response.data)).paragraphs]
    text = "\n".join(paragraphs)
    assert "Beste WMO Adviesraad Leiden," in paragraphs and "Het secretariaat" in paragraphs
    numbers = [p.split(".")[0] for p in paragraphs if re.match(r"^\d+\. ", p)]
    assert numbers == ["1", "2", "3", "4", "5", "6"]
    expected = [e for e in expected_rows(demo_app) if e[1] == "WMO Adviesraad Leiden"]
    position = 0
    for _who, _sender, number, body, answers in expected:
        position = text.index(f"{number}. ", position)
        assert body.strip()[:40] in text[position:]
        for answer in answers:
            assert text.index(answer.split("\n")[0], position) > position
    assert "Verwerkt in: Aangescherpte uitgangspunten" in text


def test_letters_command_writes_one_per_stakeholder(demo_app, tmp_path):
    result = demo_app.test_cli_runner().invoke(
        args=["consult", "export", SLUG, "--format", "letters", "-o", str(tmp_path / "brieven")])
    assert result.exit_code == 0, result.output
    letters = sorted(p.name for p in (tmp_path / "brieven").iterdir())
    assert "antwoordbrief-leiden-wmo.docx" in letters
    senders = {sender for _who, sender, _n, _t, _a in expected_rows(demo_app)}
    assert len(senders) == 21  # every stakeholder that sent points
    # and one whose reaction without points was answered as a whole ("Geen opmerkingen.")
    assert len(letters) == 22


def test_public_page_you_said_we_did(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    with demo_app.app_context():
        from consult.models import Point

        point = get_session().exec(select(Point).where(Point.number == "1")).first()
    thread = f"/consultaties/{SLUG}/punten/{point.id}"
    secretary.hx_post(thread + "/berichten", data={"body": "Intern: nabellen Geheimweg",
                                                   "kind": "internal_note"})
    secretary.hx_post(thread + "/berichten", data={"body": "Openbaar bericht Zichtbaarweg",
                                                   "kind": "comment"})
    secretary.form_post(f"/consultaties/{SLUG}/toezeggingen", {
        "response_id": 1, "description": "Terugkoppelen aan de raden", "owner": "TWO",
        "due_meeting": "PHO maart"})
    html = demo_app.test_client().get(f"/consultaties/{SLUG}/openbaar").get_data(as_text=True)
    assert "Wat u zei, wat wij deden" in html
    assert html.count('class="point-line"') == 204
    assert "Terugkoppelen aan de raden" in html and "203 / 204" in html
    for hidden in ("Geheimweg", "Zichtbaarweg", "Sanne Secretaris", "secretaris@"):
        assert hidden not in html, hidden
    unpublish(demo_app)
    assert demo_app.test_client().get(f"/consultaties/{SLUG}/openbaar").status_code == 404
    assert secretary.get(f"/consultaties/{SLUG}/openbaar").status_code == 404
