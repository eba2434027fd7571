"""The answered table per theme (consult/themes/table.py, ``/tabel?orde=thema``): the shape of
a "nota van beantwoording per thema" as a page, a Word table and an Excel sheet, on SQLite and
PostgreSQL. Themes in board order, reactions in table order inside each theme; a point in two
themes stands under both; the points in no theme (and answers to a whole reaction) come last
under "Zonder thema"; archived points are left out; Markdown is rendered in Word and kept as
typed in Excel, as in the answered table."""

import csv
import io
import re
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import select

from consult import exports
from consult.db import get_session
from consult.intake import DraftPoint, create_consultation, create_stakeholder, log_reaction
from consult.models import Consultation, Point
from consult.processing import answer, create_destination, set_archived
from consult.reports import Filters
from consult.themes import operations as ops
from consult.themes import table as per_theme
from consult.themes.models import Theme
from tests.conftest import Actor, unpublish
from tests.costs import statements

SLUG = "nota-per-thema"
URL = f"/consultaties/{SLUG}/tabel"


def _points(session, reaction) -> list[Point]:
    return list(session.exec(select(Point).where(Point.reaction_id == reaction.id)
                             .order_by(Point.position)))


def build(session) -> dict:
    """Two letters, two themes: Leiden 1 sits in both, Leiden 2 in the first but is archived,
    Leiden 3 and Oegstgeest 1 in none; Oegstgeest also has an answer to its letter as a
    whole. Answers in Markdown, with a destination."""
    consultation = create_consultation(session, slug=SLUG, title="Nota per thema",
                                       status="published")
    leiden = create_stakeholder(session, slug="t-leiden", name="Gemeente Leiden",
                                kind="municipality")
    oegstgeest = create_stakeholder(session, slug="t-oegstgeest", name="Gemeente Oegstgeest",
                                    kind="municipality")
    first = log_reaction(session, None, consultation, leiden, [
        DraftPoint("1", "Regel de overgang **18-/18+** tijdig."),
        DraftPoint("2", "Ingetrokken punt over de overgang."),
        DraftPoint("3", "Let op de *administratieve lasten*."),
    ], channel="zienswijze", title="Zienswijze Leiden", position=1)
    second = log_reaction(session, None, consultation, oegstgeest, [
        DraftPoint("1", "Meer geld voor preventie."),
        DraftPoint("2", "Jongeren van 18 vallen tussen wal en schip."),
    ], channel="zienswijze", title="Zienswijze Oegstgeest", position=2)
    l1, l2, l3 = _points(session, first)
    o1, o2 = _points(session, second)
    plan = create_destination(session, consultation_id=consultation.id, slug="inkoopplan",
                              title="Inkoopplan 2017", kind="document_section")
    answer(session, None, consultation, [l1], [plan],
           "Wordt **opgenomen** in het *inkoopplan*.", "adopted", reaction_id=first.id)
    answer(session, None, consultation, [o2], [], "Zie punt 1 van Leiden.", "proposed",
           reaction_id=second.id)
    answer(session, None, consultation, [], [], "Dank voor uw reactie.", "done",
           reaction_id=second.id)
    transition = ops.create_theme(session, consultation.id, "Overgang 18-/18+",
                                  "Jongeren die 18 worden.\nZorg loopt door.")
    burden = ops.create_theme(session, consultation.id, "Regeldruk")
    ops.add_points(session, transition, [o2, l2, l1])
    ops.add_points(session, burden, [l1])
    set_archived(session, None, l2, consultation.id, True)
    session.commit()
    return {"consultation": consultation, "transition": transition, "burden": burden,
            "l1": l1, "l3": l3, "o1": o1, "o2": o2}


def _shape(sections) -> list[tuple]:
    """(theme title, [(stakeholder, [point numbers], [answer bodies])]) per section."""
    return [(s.title, [(b.stakeholder.name, [p.point.number for r in b.rows for p in r.points],
                        [a.response.body for r in b.rows for a in r.answers])
                       for b in s.blocks])
            for s in sections]


EXPECTED = [
    ("Overgang 18-/18+", [
        ("Gemeente Leiden", ["1"], ["Wordt **opgenomen** in het *inkoopplan*."]),
        ("Gemeente Oegstgeest", ["2"], ["Zie punt 1 van Leiden."]),
    ]),
    ("Regeldruk", [("Gemeente Leiden", ["1"], ["Wordt **opgenomen** in het *inkoopplan*."])]),
    ("Zonder thema", [
        ("Gemeente Leiden", ["3"], []),
        ("Gemeente Oegstgeest", ["1"], ["Dank voor uw reactie."]),
    ]),
]


def test_points_stand_under_each_of_their_themes_and_the_rest_last(app):
    with app.app_context():
        session = get_session()
        built = build(session)
        page = per_theme.theme_page(session, built["consultation"])
        assert _shape(page.sections) == EXPECTED
        assert page.next_after is None
        tables = list(per_theme.iter_tables(session, built["consultation"]))
        assert _shape([t.section for t in tables]) == EXPECTED
        assert tables[0].section.description == "Jongeren die 18 worden.\nZorg loopt door."


def test_the_filters_of_the_answered_table_apply_inside_each_theme(app):
    with app.app_context():
        session = get_session()
        built = build(session)
        page = per_theme.theme_page(session, built["consultation"], Filters(status="adopted"))
        assert [s.title for s in page.sections] == ["Overgang 18-/18+", "Regeldruk"]
        page = per_theme.theme_page(session, built["consultation"], Filters(status="open"))
        # a filter leaves the answers to a letter as a whole out, as in the answered table
        assert _shape(page.sections) == [("Zonder thema", [
            ("Gemeente Leiden", ["3"], []), ("Gemeente Oegstgeest", ["1"], [])])]


def test_a_deleted_theme_leaves_the_table_and_its_points_go_to_zonder_thema(app):
    with app.app_context():
        session = get_session()
        built = build(session)
        ops.delete_theme(session, built["transition"])
        session.commit()
        shape = _shape(per_theme.theme_page(session, built["consultation"]).sections)
        assert [title for title, _blocks in shape] == ["Regeldruk", "Zonder thema"]
        assert shape[1][1][1][1] == ["1", "2"]  # Oegstgeest 2 has no theme now


def test_the_page_shows_each_theme_with_what_was_said_and_the_answer(app):
    with app.app_context():
        build(get_session())
    html = app.test_client().get(URL + "?orde=thema").get_data(as_text=True)
    titles = re.findall(r'<h2 class="theme-title">([^<]+)', html)
    assert titles == ["Overgang 18-/18+", "Regeldruk", "Zonder thema"]
    assert html.count("Regel de overgang <strong>18-/18+</strong> tijdig.") == 2
    assert "Ingetrokken punt" not in html
    assert "Jongeren die 18 worden." in html and "→ Inkoopplan 2017" in html
    # the answered table links to this order and back
    assert 'href="/consultaties/nota-per-thema/tabel?orde=thema"' in \
        app.test_client().get(URL).get_data(as_text=True)
    assert 'href="/consultaties/nota-per-thema/tabel"' in html
    assert f'href="{URL}.docx?orde=thema"' in html


def test_word_has_a_heading_row_per_theme_and_renders_the_markdown(app):
    with app.app_context():
        build(get_session())
    response = app.test_client().get(URL + ".docx?orde=thema")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('nota-per-thema-tabel-per-thema.docx"')
    table = Document(io.BytesIO(response.data)).tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows[1:]]
    heads = [row[0] for row in cells if row[0] == row[1] == row[2]]
    assert heads == ["Overgang 18-/18+\nJongeren die 18 worden.\nZorg loopt door.",
                     "Regeldruk", "Zonder thema"]
    said = [(row[0], row[1]) for row in cells if row[0] != row[1]]
    assert said == [
        ("Gemeente Leiden", "Zienswijze Leiden\n1. Regel de overgang 18-/18+ tijdig."),
        ("Gemeente Oegstgeest", "Zienswijze Oegstgeest\n2. Jongeren van 18 vallen tussen wal "
                                "en schip."),
        ("Gemeente Leiden", "Zienswijze Leiden\n1. Regel de overgang 18-/18+ tijdig."),
        ("Gemeente Leiden", "Zienswijze Leiden\n3. Let op de administratieve lasten."),
        ("Gemeente Oegstgeest", "Zienswijze Oegstgeest\n1. Meer geld voor preventie."),
        ("Gemeente Oegstgeest", ""),
    ]
    answer_cell = table.rows[2].cells[2]
    assert answer_cell.text.startswith("Wordt opgenomen in het inkoopplan.")
    with zipfile.ZipFile(io.BytesIO(response.data)) as docx:
        assert "**" not in docx.read("word/document.xml").decode()
    bold = [r.text for p in answer_cell.paragraphs for r in p.runs if r.bold]
    assert bold == ["opgenomen"]


def test_excel_puts_the_theme_before_each_row_as_plain_text(app):
    with app.app_context():
        build(get_session())
    response = app.test_client().get(URL + ".xlsx?orde=thema")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Thema", "Beschrijving thema", "Gemeente / subregio"]
    picked = [(r[0], r[2], r[7], r[10], r[11], r[12]) for r in rows[1:]]
    assert picked == [
        ("Overgang 18-/18+", "Gemeente Leiden", 1, "Wordt opgenomen in het inkoopplan.",
         "Inkoopplan 2017", "vastgesteld"),
        ("Overgang 18-/18+", "Gemeente Oegstgeest", 2, "Zie punt 1 van Leiden.", None,
         "voorgesteld"),
        ("Regeldruk", "Gemeente Leiden", 1, "Wordt opgenomen in het inkoopplan.",
         "Inkoopplan 2017", "vastgesteld"),
        ("Zonder thema", "Gemeente Leiden", 3, None, None, "open"),
        ("Zonder thema", "Gemeente Oegstgeest", 1, None, None, "open"),
        ("Zonder thema", "Gemeente Oegstgeest", None, "Dank voor uw reactie.", None,
         "afgerond"),
    ]
    assert rows[1][9] == "Regel de overgang 18-/18+ tijdig."  # plain text (issue 16)
    assert sheet.auto_filter.ref == "A1:N7"  # 14 columns: theme, description, the table's 12


def test_csv_per_theme(app):
    with app.app_context():
        build(get_session())
    text = app.test_client().get(URL + ".csv?orde=thema").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Thema", "Beschrijving thema", "Gemeente / subregio"]
    assert [(r[0], r[3], r[7]) for r in rows[1:]] == [
        ("Overgang 18-/18+", "Gemeente Leiden", "1"),
        ("Overgang 18-/18+", "Gemeente Oegstgeest", "2"),
        ("Regeldruk", "Gemeente Leiden", "1"),
        ("Zonder thema", "Gemeente Leiden", "3"),
        ("Zonder thema", "Gemeente Oegstgeest", "1"),
        ("Zonder thema", "Gemeente Oegstgeest", ""),
    ]


def test_pages_together_are_the_whole_table_per_theme(app, monkeypatch):
    """With a page of two reactions' parts, following ``na`` gives every section part once,
    the theme's heading at its first part and "(vervolg)" after."""
    monkeypatch.setattr(per_theme, "PAGE_REACTIONS", 2)
    with app.app_context():
        session = get_session()
        built = build(session)
        consultation = built["consultation"]
        whole = _shape([t.section for t in per_theme.iter_tables(session, consultation)])
        seen, after, firsts = [], None, []
        while True:
            page = per_theme.theme_page(session, consultation, None, after)
            seen += [(s.title, b) for s in page.sections for b in _shape([s])[0][1]]
            firsts += [(s.title, s.first) for s in page.sections]
            if page.next_after is None:
                break
            after = page.next_after
    assert seen == [(title, b) for title, blocks in whole for b in blocks]
    assert firsts == [("Overgang 18-/18+", True), ("Regeldruk", True),
                      ("Zonder thema", True), ("Zonder thema", False)]
    client = app.test_client()
    html = client.get(URL + "?orde=thema").get_data(as_text=True)
    more = re.search(r'id="meer-reacties"[^>]*hx-get="([^"]+)"', html).group(1) \
        .replace("&amp;", "&")
    assert "orde=thema" in more
    rest = client.get(more, headers={"HX-Request": "true", "HX-Target": "meer-reacties"})
    assert "Zonder thema" in rest.get_data(as_text=True)


@pytest.mark.parametrize("after", ["abc", "0-0", "99999-1", "1-", "-1-2", "1" * 40 + "-1"])
def test_a_bad_or_stale_page_cursor_is_an_empty_page_not_an_error(app, after):
    with app.app_context():
        build(get_session())
    response = app.test_client().get(URL, query_string={"orde": "thema", "na": after})
    assert response.status_code == 200
    assert "No more reactions." in response.get_data(as_text=True) or \
        "Geen reacties meer." in response.get_data(as_text=True)


def test_the_table_per_theme_reads_the_theme_links_once(app):
    """As many statements with 40 themes as with 2: no query per theme or point."""
    with app.app_context():
        session = get_session()
        built = build(session)
        consultation = built["consultation"]

        def count() -> int:
            with statements(app) as recorded:
                per_theme.theme_page(session, consultation)
                list(per_theme.iter_tables(session, consultation))
            return len(recorded.selects)

        # Both counts after a theme was written: the page keeps its order per figures
        # revision, which it reads again once a write raised it (one statement, however many
        # themes).
        ops.create_theme(session, consultation.id, "Nog leeg")
        session.commit()
        before = count()
        points = [built["l1"], built["l3"], built["o1"], built["o2"]]
        for n in range(40):
            theme = ops.create_theme(session, consultation.id, f"Thema {n}")
            ops.add_points(session, theme, points[n % 4:n % 4 + 2])
        session.commit()
        assert count() == before


def test_same_access_as_the_answered_table(demo_app):
    """Unpublished: outsiders get 404 on the table per theme and its files, as on the
    answered table; the secretariat reads them."""
    unpublish(demo_app)
    slug = "holland-rijnland-jeugdhulp-2016"
    for url in (f"/consultaties/{slug}/tabel?orde=thema",
                f"/consultaties/{slug}/tabel.xlsx?orde=thema"):
        assert demo_app.test_client().get(url).status_code == 404
        assert Actor(demo_app.test_client(), "secretary").get(url).status_code == 200


def test_the_board_links_to_the_table_per_theme(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    html = secretary.get("/consultaties/holland-rijnland-jeugdhulp-2016/themas") \
        .get_data(as_text=True)
    assert 'href="/consultaties/holland-rijnland-jeugdhulp-2016/tabel?orde=thema"' in html


def test_the_export_counts_a_point_in_two_themes_twice(app):
    with app.app_context():
        session = get_session()
        built = build(session)
        consultation = session.get(Consultation, built["consultation"].id)
        file, _size, points = exports.export_file(session, consultation, "xlsx",
                                                  by_theme=True)
        file.close()
    assert points == 5  # Leiden 1 twice, Oegstgeest 2, Leiden 3, Oegstgeest 1


def test_a_page_reads_the_whole_order_once_until_the_consultation_changes(app):
    """The page per theme worked its whole order out in Python on every request (317-680 ms
    at 10,000 points). Now a page asked again, or the next one, reads only its own rows; a
    change (a point into a theme, an answer's status, a theme deleted) shows at once."""
    with app.app_context():
        session = get_session()
        built = build(session)
        consultation = built["consultation"]

        def page(**kw):
            with statements(app) as recorded:
                found = per_theme.theme_page(session, consultation, **kw)
            # the order's statement over every theme link of the consultation, as
            # table.order sends it
            whole = [s for s in recorded.selects
                     if "SELECT themepoint.point_id, themepoint.theme_id" in s.sql]
            return _shape(found.sections), len(whole)

        shape, reads = page()
        assert shape == EXPECTED and reads == 1
        assert page() == (EXPECTED, 0)  # the same page again: the order is kept
        ops.add_points(session, built["burden"], [built["l3"]])
        session.commit()
        shape, reads = page()
        assert reads == 1 and shape[1] == ("Regeldruk", [
            ("Gemeente Leiden", ["1", "3"], ["Wordt **opgenomen** in het *inkoopplan*."])])
        assert ("Gemeente Leiden", ["3"], []) not in shape[2][1]
        ops.delete_theme(session, built["transition"])
        session.commit()
        assert [title for title, _blocks in page()[0]] == ["Regeldruk", "Zonder thema"]
        # a filter has its own order
        shape, reads = page(filters=Filters(status="proposed"))
        assert reads == 1 and shape == [("Zonder thema", [
            ("Gemeente Oegstgeest", ["2"], ["Zie punt 1 van Leiden."])])]



def test_the_board_says_that_descriptions_head_the_public_table(demo_app):
    """The attack: a description written on the board as a working note appeared, to the
    public, above its theme in the table per theme, with no word of it on the board."""
    demo = "/consultaties/holland-rijnland-jeugdhulp-2016"
    secretary = Actor(demo_app.test_client(), "secretary")
    assert secretary.form_post(f"{demo}/themas", {
        "title": "Privacy", "description": "Werkaantekening"}).status_code == 303
    with demo_app.app_context():
        session = get_session()
        theme = session.exec(select(Theme)).one()
        point = session.exec(select(Point).order_by(Point.id)).first()
    secretary.form_post(f"{demo}/themas/punten/{point.id}", {"into": str(theme.id)})
    public = demo_app.test_client().get(f"{demo}/tabel?orde=thema").get_data(as_text=True)
    assert "Werkaantekening" in public  # public indeed (a published round)
    board = secretary.get(f"{demo}/themas").get_data(as_text=True)
    hint = ("Titel en omschrijving staan ook boven het thema in de tabel per thema, voor "
            "iedereen die de beantwoording mag lezen")
    assert board.count(hint) == 2  # the new theme's form and the theme's own
