"""Importing an answered table from Excel or CSV: checked row by row, all or nothing."""

import io

from openpyxl import Workbook
from sqlmodel import func, select

from consult.db import get_session
from consult.models import Point, Reaction, Response, ResponsePoint, Stakeholder

SLUG = "holland-rijnland-jeugdhulp-2016"
HEADER = ["stakeholder", "kind", "channel", "number", "heading", "text", "answer",
          "destinations", "status"]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count(app, model) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model)).one()


GOOD = [
    ["Gemeenteraad Voorschoten", "gemeenteraad", "raadsbesluit", "1", "Privacy",
     "Privacy van jeugdigen borgen", "De punten 1 en 2 komen in de privacyparagraaf.",
     "Inkoopplan 2017 › Privacy", "vastgesteld"],
    ["Gemeenteraad Voorschoten", "gemeenteraad", "raadsbesluit", "2", "Privacy",
     "Heldere afspraken over gegevensdeling", "De punten 1 en 2 komen in de privacyparagraaf.",
     "Inkoopplan 2017 › Privacy", "vastgesteld"],
    ["Gemeenteraad Voorschoten", "gemeenteraad", "raadsbesluit", "3", "",
     "Evalueer na een jaar", "", "", ""],
]


def test_dry_run_then_import_from_excel(demo_app, tmp_path):
    path = tmp_path / "tabel.xlsx"
    path.write_bytes(_xlsx(GOOD))
    runner = demo_app.test_cli_runner()
    before = _count(demo_app, Point)
    dry = runner.invoke(args=["consult", "import", str(path), "--consultation", SLUG,
                              "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "3 punten in 1 reacties, 1 antwoorden, 1 nieuwe indieners (Gemeenteraad Voorschoten)" \
        in dry.output
    assert _count(demo_app, Point) == before
    done = runner.invoke(args=["consult", "import", str(path), "--consultation", SLUG])
    assert done.exit_code == 0, done.output
    assert _count(demo_app, Point) == before + 3
    with demo_app.app_context():
        session = get_session()
        stakeholder = session.exec(select(Stakeholder).where(
            Stakeholder.name == "Gemeenteraad Voorschoten")).one()
        assert stakeholder.kind == "council"
        reaction = session.exec(select(Reaction).where(
            Reaction.stakeholder_id == stakeholder.id)).one()
        assert reaction.channel == "raadsbesluit"
        points = session.exec(select(Point).where(Point.reaction_id == reaction.id)
                              .order_by(Point.position)).all()
        assert [(p.number, p.heading, p.body) for p in points] == [
            ("1", "Privacy", "Privacy van jeugdigen borgen"),
            ("2", "Privacy", "Heldere afspraken over gegevensdeling"),
            ("3", None, "Evalueer na een jaar")]
        shared = session.exec(select(ResponsePoint.response_id).where(
            ResponsePoint.point_id.in_([points[0].id, points[1].id]))).all()
        assert len(set(shared)) == 1  # one answer beside points 1 and 2
        response = session.get(Response, shared[0])
        assert response.status == "adopted" and "privacyparagraaf" in response.body
    page = demo_app.test_client().get(f"/indieners/{stakeholder.id}").get_data(as_text=True)
    assert "Inkoopplan 2017 › Privacy" in page and "Nog open (1)" in page


def test_every_bad_row_named_and_nothing_written(demo_app, tmp_path):
    bad = [
        ["Gemeenteraad Wassenaar", "", "raadsbesluit", "1", "", "Tekst", "", "", ""],
        ["Gemeenteraad Voorschoten", "gemeenteraad", "brief", "2", "", "", "", "", ""],
        ["Leiden", "", "collegebrief", "", "", "Tekst", "Antwoord", "Bestaat niet", "zo zo"],
        ["Leiden", "", "collegebrief", "4", "", "Tekst", "", "Inkoopplan 2017", ""],
        ["Leiden", "", "collegebrief", "4", "", "Tekst", "", "", ""],
    ]
    path = tmp_path / "fout.xlsx"
    path.write_bytes(_xlsx(bad))
    before = _count(demo_app, Point)
    result = demo_app.test_cli_runner().invoke(
        args=["consult", "import", str(path), "--consultation", SLUG])
    assert result.exit_code == 1
    for message in [
        "Rij 2, kolom kind: “Gemeenteraad Wassenaar” is nieuw: geef een geldige soort indiener.",
        "Rij 3, kolom channel: onbekend kanaal “brief”.",
        "Rij 3, kolom text: is leeg.",
        "Rij 4, kolom number: is leeg.",
        "Rij 4, kolom status: onbekende status “zo zo”.",
        "Rij 4, kolom destinations: onbekende bestemming “Bestaat niet”.",
        "Rij 5, kolom answer: bestemmingen zonder antwoord.",
        "Rij 6, kolom number: punt 4 staat al eerder in deze reactie.",
    ]:
        assert message in result.output, message
    assert "problemen; er is niets ingelezen" in result.output
    assert _count(demo_app, Point) == before


def test_csv_with_dutch_headers_and_file_errors(demo_app, tmp_path):
    path = tmp_path / "tabel.csv"
    path.write_text("\ufeffIndiener;Soort;Kanaal;Nummer;Kop;Tekst;Toelichting;Bestemmingen;Status\n"
                    "Leiden;;collegebrief;1;;Aandacht voor mantelzorgers;;;\n", encoding="utf-8")
    runner = demo_app.test_cli_runner()
    ok = runner.invoke(args=["consult", "import", str(path), "--consultation", SLUG, "--dry-run"])
    assert ok.exit_code == 0 and "1 punten in 1 reacties, 0 antwoorden, 0 nieuwe" in ok.output
    for name, data, message in [
        ("leeg.csv", b"", "Het bestand is leeg"),
        ("raar.csv", b"a;b\n1;2\n", "mist de kolom(men): stakeholder, channel, number, text"),
        ("kapot.xlsx", b"PK\x03\x04 niet echt", "kan niet worden gelezen"),
        ("oud.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "oud Excel-bestand (.xls)"),
        ("open.csv", b"Indiener;Kanaal;Nummer;Tekst\nLeiden;collegebrief;1;\"Niet gesloten\n",
         "Rij 2: een aanhalingsteken"),
    ]:
        (tmp_path / name).write_bytes(data)
        result = runner.invoke(args=["consult", "import", str(tmp_path / name),
                                     "--consultation", SLUG])
        assert result.exit_code == 1 and message in result.output, (name, result.output)
    # With one consultation there is nothing to ask; with two, the command asks which.
    only = runner.invoke(args=["consult", "import", str(path), "--dry-run"])
    assert only.exit_code == 0 and f"In de enige consultatie: {SLUG}" in only.output
    with demo_app.app_context():
        from consult.intake import create_consultation

        session = get_session()
        create_consultation(session, title="Inkoop Wmo 2027", slug="inkoop-wmo-2027",
                            organiser="Holland Rijnland")
        session.commit()
    missing = runner.invoke(args=["consult", "import", str(path)])
    assert missing.exit_code == 1 and "--consultation" in missing.output
    assert "(holland-rijnland-jeugdhulp-2016, inkoop-wmo-2027)" in missing.output


def _plan_csv(app, text: str, apply: bool = False):
    """The plan of a CSV table for a new consultation of an empty database (applied if asked)."""
    from consult import rowimport
    from consult.intake import create_consultation

    session = get_session()
    consultation = create_consultation(session, title="Inkoop 2027", slug="inkoop-2027",
                                       organiser="Holland Rijnland")
    checked = rowimport.plan(session, consultation,
                             rowimport.read_table("tabel.csv", text.encode()))
    if apply:
        assert checked.ok, [str(p) for p in checked.problems]
        rowimport.apply(session, None, consultation, checked)
        session.commit()
    return checked


def test_a_new_stakeholders_kind_may_stand_in_any_of_its_rows(app):
    """The kind is often filled in once, not on the first row; the parent named in the
    "Gemeente / subregio" column that is itself a sender further down keeps the kind its
    own row gives, not "other"."""
    table = ("Gemeente / subregio;Indiener;Soort indiener;Kanaal;Nummer;Punt\r\n"
             "Wassenaar;Gemeenteraad Wassenaar;;raadsbesluit;1;Privacy borgen\r\n"
             "Wassenaar;Gemeenteraad Wassenaar;gemeenteraad;raadsbesluit;2;Evalueer\r\n"
             ";Wassenaar;gemeente (ambtelijk);collegebrief;1;Regie lokaal\r\n")
    with app.app_context():
        checked = _plan_csv(app, table, apply=True)
        assert checked.new_stakeholders == ["Gemeenteraad Wassenaar", "Wassenaar"]
        session = get_session()
        kinds = {s.name: (s.kind, s.parent_id) for s in session.exec(select(Stakeholder))}
        wassenaar = session.exec(select(Stakeholder).where(Stakeholder.name == "Wassenaar")).one()
        assert kinds == {"Gemeenteraad Wassenaar": ("council", wassenaar.id),
                         "Wassenaar": ("municipality", None)}


def test_a_new_stakeholder_without_a_kind_or_with_two_is_a_row_error(app):
    table = ("Indiener;Soort indiener;Kanaal;Nummer;Punt\r\n"
             "Gemeenteraad Wassenaar;gemeenteraad;raadsbesluit;1;Privacy borgen\r\n"
             "Gemeenteraad Wassenaar;adviesraad;raadsbesluit;2;Evalueer\r\n"
             "Adviesraad Sociaal Domein Wassenaar;;zienswijze;1;Betrek ons\r\n"
             "Jeugdraad Wassenaar;jongerenclub;zienswijze;1;Luister naar ons\r\n")
    with app.app_context():
        checked = _plan_csv(app, table)
    assert [str(p) for p in checked.problems] == [  # in the order of the file
        "Rij 3, kolom kind: “Gemeenteraad Wassenaar” heeft hier een andere soort dan in een "
        "eerdere rij.",
        "Rij 4, kolom kind: “Adviesraad Sociaal Domein Wassenaar” is nieuw: geef een geldige "
        "soort indiener.",
        "Rij 5, kolom kind: onbekende soort indiener “jongerenclub”.",
        "Rij 5, kolom kind: “Jeugdraad Wassenaar” is nieuw: geef een geldige soort indiener.",
    ]


def test_letters_of_two_senders_are_one_reaction_only_within_one_subregion(app):
    """A table that numbers its points right through, with a reaction column of generic
    titles: two senders are one joint letter only when they share their municipality or
    subregion (as our export writes a joint letter), never across subregions or without one."""
    head = "Gemeente / subregio;Indiener;Soort indiener;Kanaal;Reactie;Nummer;Punt\r\n"
    rows = ("{a};Gemeenteraad Lisse;gemeenteraad;zienswijze;Zienswijze;1;Eén\r\n"
            "{a};Gemeenteraad Lisse;gemeenteraad;zienswijze;Zienswijze;2;Twee\r\n"
            "{b};Gemeenteraad Leiden;gemeenteraad;zienswijze;Zienswijze;3;Drie\r\n")
    with app.app_context():
        joint = _plan_csv(app, head + rows.format(a="Duin- en Bollenstreek",
                                                  b="Duin- en Bollenstreek"))
        assert joint.ok and joint.reactions == 1
        get_session().rollback()
        apart = _plan_csv(app, head + rows.format(a="Duin- en Bollenstreek", b="Leiden"))
        assert apart.ok and apart.reactions == 2
        get_session().rollback()
        unnamed = _plan_csv(app, head + rows.format(a="", b=""))
        assert unnamed.ok and unnamed.reactions == 2
