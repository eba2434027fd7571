"""Where a point was taken in, told alike everywhere (issue 18): the answered table's column
"Verwerkt in" on its page, in Word, Excel and CSV, in the answer letter's words, and once
(not the destination's name twice) on the thread and the stakeholder page."""

import csv
import io
import re
from html import unescape

import docx
from openpyxl import load_workbook
from sqlmodel import select

from consult.db import get_session
from consult.models import Stakeholder

from .conftest import Actor
from .test_documents import SEED, SLUG, _inkoopplan, _three_points_of_two_stakeholders, _todo, _url

SIX = "Inkoopplan 2017, §6 Hoe sturen we daarop?"
FREE = "Verordening jeugdhulp 2017, artikel 3"


def _land(secretary, plan):
    """The concept of the strategy added; point a landed in §6, point c as free text only.
    Returns ((a, sender, number), (c, sender, number))."""
    secretary.form_post(_url(plan) + "/document/versies", data={
        "label": "concept", "dated": "2016-09-01", "text": SEED.read_text()})
    rows = [(i, unescape(sender), number) for i, sender, number in _todo(secretary, plan)]
    a, _b, c = _three_points_of_two_stakeholders(rows)
    land = f"{_url(plan)}/punten/{{}}/geland"
    assert secretary.hx_post(land.format(a[0]), data={"section": "§6 Hoe sturen we daarop?"}
                             ).status_code == 200
    assert secretary.hx_post(land.format(c[0]), data={"reference": FREE}).status_code == 200
    return a, c


def _sheet_rows(data: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_answered_table_has_a_column_verwerkt_in_in_every_format(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    page = secretary.get(f"/consultaties/{SLUG}/tabel").get_data(as_text=True)
    assert '<th scope="col">Verwerkt in</th>' in page
    assert SIX not in page  # nothing landed yet
    (_a, sender_a, number_a), (_c, sender_c, number_c) = _land(secretary, plan)

    # The page (for the secretariat and the public): the fourth cell of the point's row.
    for client, path in ((secretary, "tabel"), (demo_app.test_client(), "openbaar")):
        html = client.get(f"/consultaties/{SLUG}/{path}").get_data(as_text=True)
        cells = re.findall(r'<td class="landed">(.*?)</td>', html, re.S)
        told = [re.sub(r"<[^>]+>", "\n", c).split("\n") for c in cells]
        lines = [line.strip() for cell in told for line in cell if line.strip()]
        assert any(line.endswith(SIX) for line in lines), path
        assert any(line.endswith(FREE) for line in lines), path
        assert len(lines) == 2, (path, lines)

    # Excel and CSV: one row a point, the column at the end, the same words.
    xlsx = secretary.get(f"/consultaties/{SLUG}/tabel.xlsx")
    rows = _sheet_rows(xlsx.data)
    assert list(rows[0])[-1] == "Verwerkt in"
    by_point = {(r["Indiener"], r["Nummer"]): r["Verwerkt in"] for r in rows}
    assert by_point[(sender_a, number_a)] == SIX
    assert by_point[(sender_c, number_c)] == FREE
    assert sum(1 for v in by_point.values() if v) == 2
    text = secretary.get(f"/consultaties/{SLUG}/tabel.csv").get_data(as_text=True)
    records = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert {(r["Indiener"], r["Nummer"]): r["Verwerkt in"] for r in records} == by_point

    # Word: a fourth column, header "Verwerkt in", the same words beside the point.
    table = docx.Document(io.BytesIO(secretary.get(f"/consultaties/{SLUG}/tabel.docx").data)
                          ).tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "Gemeente / subregio", "Uitgangspunten", "Toelichting", "Verwerkt in"]
    landed = [row.cells[3].text for row in table.rows[1:] if row.cells[3].text.strip()]
    assert len(landed) == 2
    assert any(t.endswith(SIX) for t in landed) and any(t.endswith(FREE) for t in landed)

    # The answer letter tells it in the same words.
    with demo_app.app_context():
        stakeholder = get_session().exec(select(Stakeholder.id).where(
            Stakeholder.name == sender_a)).first()
    letter = secretary.get(f"/consultaties/{SLUG}/antwoordbrieven/{stakeholder}.docx")
    assert letter.status_code == 200
    paragraphs = [p.text for p in docx.Document(io.BytesIO(letter.data)).paragraphs]
    assert any(p.endswith(f"erwerkt in {SIX}") for p in paragraphs), paragraphs[-12:]


def test_a_row_of_several_points_names_each_point_in_verwerkt_in(demo_app):
    """Two points that share their answers stand in one row: the cell says which point went
    where ("Punt 3: ..."), as the letter does."""
    from consult.reports import Row

    class P:  # the two attributes the cell reads
        def __init__(self, pid, number):
            self.point = type("Point", (), {"id": pid, "number": number})()

    row = Row([P(1, "3"), P(2, "4")], [])
    assert row.landed_lines({2: [SIX], 1: [FREE]}) == [f"Punt 3: {FREE}", f"Punt 4: {SIX}"]
    assert Row([P(1, "3")], []).landed_lines({1: [SIX]}) == [SIX]
    assert row.landed_lines({}) == []


def test_a_landing_in_a_section_names_the_destination_once(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    (a, sender_a, _n), (c, _s, _m) = _land(secretary, plan)
    thread = secretary.get(f"/consultaties/{SLUG}/punten/{a}").get_data(as_text=True)
    assert f"Geland in {SIX}" in thread
    assert "Inkoopplan 2017: Inkoopplan 2017" not in thread
    assert f"bij Inkoopplan 2017: {SIX}" not in thread  # the event in the thread's timeline
    assert "Inkoopplan 2017, §6" in thread
    # Free text still says at which destination.
    thread = secretary.get(f"/consultaties/{SLUG}/punten/{c}").get_data(as_text=True)
    assert f"Geland in Inkoopplan 2017: {FREE}" in thread
    with demo_app.app_context():
        stakeholder = get_session().exec(select(Stakeholder.id).where(
            Stakeholder.name == sender_a)).first()
    html = secretary.get(f"/indieners/{stakeholder}").get_data(as_text=True)
    assert f"Geland in {SIX}" in html
    assert "Inkoopplan 2017: Inkoopplan 2017" not in html
