"""Our own exports import back: export -> import into an empty consultation -> export gives the
same table, in CSV and in Excel, into the same database and into a fresh one."""

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from consult import reports, rowimport
from consult.consultations import get_consultation
from consult.db import get_session
from consult.intake import DraftPoint, create_consultation, log_reaction
from consult.models import Point, Reaction, Response, Stakeholder
from consult.processing import answer
from consult.rowimport import csvfile

from .conftest import empty_database, make_app

SLUG = "holland-rijnland-jeugdhulp-2016"
# Texts a spreadsheet would read as a formula (OWASP's list and its full-width forms): the
# export keeps them from being formulas (sec-exports), the import must give them back as typed.
FORMULA_LIKE = ["=SOM(A1:A9)", "+31 6 1234 5678 bellen", "-5% korting op de tarieven",
                "@gemeente: reageer", "|pijp", "%procent", "\uff1d1+1 volbreed"]


def _export(session, slug: str, fmt: str) -> bytes:
    consultation = get_consultation(session, slug)
    return reports.FORMATS[fmt][1](reports.answered_table(session, consultation))


def _rows(session, slug: str) -> list[list[str]]:
    return reports.flat_rows(reports.answered_table(session, get_consultation(session, slug)))


def _import(session, slug: str, fmt: str, data: bytes) -> rowimport.Plan:
    consultation = get_consultation(session, slug)
    checked = rowimport.plan(session, consultation, rowimport.read_table(f"tabel.{fmt}", data))
    assert checked.ok, [str(p) for p in checked.problems]
    rowimport.apply(session, None, consultation, checked)
    session.commit()
    return checked


def _empty_consultation(session, slug="kopie-2016"):
    create_consultation(session, title="Kopie van de tabel", slug=slug, organiser="HR")
    session.commit()


def _assert_no_formulas(fmt: str, data: bytes) -> None:
    """The Excel export holds text only (sec-exports): a text that starts with "=" is no
    formula, so it has its value to import."""
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).active
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_demo_table_imports_back_as_itself(demo_app, fmt):
    with demo_app.app_context():
        session = get_session()
        data = _export(session, SLUG, fmt)
        _empty_consultation(session)
        checked = _import(session, "kopie-2016", fmt, data)
        assert (checked.reactions, checked.points, checked.answers) == (17, 204, 53)
        assert checked.new_stakeholders == []  # every name is a stakeholder of the demo
        assert _rows(session, "kopie-2016") == _rows(session, SLUG)
        if fmt == "csv":
            assert _export(session, "kopie-2016", fmt) == data
        # The joint letter is one reaction again, its points with their own senders.
        copy = get_consultation(session, "kopie-2016")
        joint = session.exec(select(Reaction).where(
            Reaction.consultation_id == copy.id, Reaction.channel == "gezamenlijke_reactie")).one()
        senders = {session.get(Stakeholder, p.stakeholder_id).name for p in session.exec(
            select(Point).where(Point.reaction_id == joint.id,
                                Point.stakeholder_id.is_not(None)))}
        assert {"Gemeenteraad Lisse", "Gemeenteraad Teylingen"} <= senders
        # The answer to a reaction as a whole ("Geen opmerkingen.") is one again.
        whole = session.exec(select(Response).where(
            Response.consultation_id == copy.id, Response.body == "Geen opmerkingen.")).all()
        assert len(whole) == 1 and whole[0].reaction_id is not None


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_demo_table_imports_into_a_fresh_database(demo_app, tmp_path, fmt):
    with demo_app.app_context():
        data = _export(get_session(), SLUG, fmt)
        original = _rows(get_session(), SLUG)
    (tmp_path / "other").mkdir()
    url = empty_database("sqlite", tmp_path / "other")  # the copy on SQLite
    other = make_app(url, tmp_path / "other")
    try:
        with other.app_context():
            session = get_session()
            _empty_consultation(session)
            checked = _import(session, "kopie-2016", fmt, data)
            assert "Gemeenteraad Lisse" in checked.new_stakeholders
            assert len(checked.new_destinations) == 18  # the tree the table names
            assert _rows(session, "kopie-2016") == original
    finally:
        other.extensions["consult.engine"].dispose()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_texts_that_look_like_formulas_come_back_as_typed(demo_app, fmt):
    """Compares what is stored, not only the exported table: an import that left the export's
    quote on would store "'=SOM(...)", and that exports as the same cell again."""
    with demo_app.app_context():
        session = get_session()
        consultation = get_consultation(session, SLUG)
        leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
        reaction = log_reaction(
            session, None, consultation, leiden,
            [DraftPoint(str(i), text, heading=text) for i, text in enumerate(FORMULA_LIKE, 1)],
            channel="collegebrief", title="=Brief van Leiden")
        points = session.exec(select(Point).where(Point.reaction_id == reaction.id)).all()
        answer(session, None, consultation, points, [], "-Overgenomen: =JA()", "adopted",
               reaction_id=reaction.id)
        session.commit()
        data = _export(session, SLUG, fmt)
        _assert_no_formulas(fmt, data)
        _empty_consultation(session)
        _import(session, "kopie-2016", fmt, data)
        copy = get_consultation(session, "kopie-2016")
        imported = session.exec(select(Reaction).where(
            Reaction.consultation_id == copy.id, Reaction.title == "=Brief van Leiden")).one()
        stored = session.exec(select(Point).where(Point.reaction_id == imported.id)
                              .order_by(Point.position)).all()
        assert [p.body for p in stored] == FORMULA_LIKE
        assert [p.heading for p in stored] == FORMULA_LIKE
        body = session.exec(select(Response.body).where(
            Response.reaction_id == imported.id)).one()
        assert body == "-Overgenomen: =JA()"
        assert _rows(session, "kopie-2016") == _rows(session, SLUG)


def test_the_exports_formula_quote_is_taken_off_and_nothing_else():
    """The CSV cells exactly as the hardened export writes them (a quote before = + - @ | %
    and the full-width signs; defusedcsv's "\\|"): read back as typed. A quote before anything
    else is the text's own."""
    cells = ["'=SOM(A1:A9)", "'+31 6", "'-5%", "'@gemeente", "'\\|pijp", "'%procent",
             "'\uff1d1+1", "'s-Gravenhage"]
    line = ";".join(f'"{c}"' for c in cells)
    data = f"Indiener;Kanaal;Nummer;Tekst\r\nLeiden;collegebrief;1;{line}\r\n".encode()
    grid = csvfile.read(data)
    assert grid.rows[1][1][3:] == ["=SOM(A1:A9)", "+31 6", "-5%", "@gemeente", "|pijp",
                                   "%procent", "\uff1d1+1", "'s-Gravenhage"]
