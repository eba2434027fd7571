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
    assert "3 points in 1 reactions, 1 answers, 1 new stakeholders (Gemeenteraad Voorschoten)" \
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
        ["Gemeenteraad Voorschoten", "", "raadsbesluit", "1", "", "Tekst", "", "", ""],
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
        "Rij 2, kolom kind: “Gemeenteraad Voorschoten” is nieuw: geef een geldige soort indiener.",
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
    assert ok.exit_code == 0 and "1 points in 1 reactions, 0 answers, 0 new" in ok.output
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
    assert only.exit_code == 0 and f"Into the only consultation: {SLUG}" in only.output
    with demo_app.app_context():
        from consult.intake import create_consultation

        session = get_session()
        create_consultation(session, title="Inkoop Wmo 2027", slug="inkoop-wmo-2027",
                            organiser="Holland Rijnland")
        session.commit()
    missing = runner.invoke(args=["consult", "import", str(path)])
    assert missing.exit_code == 1 and "--consultation" in missing.output
    assert "(holland-rijnland-jeugdhulp-2016, inkoop-wmo-2027)" in missing.output
