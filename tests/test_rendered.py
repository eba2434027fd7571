"""Every Markdown text is rendered once when it is written and stored beside it; pages show
the stored HTML and do no Markdown work. Every way rows are written fills it."""

import io
import json
import logging
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from markupsafe import Markup
from openpyxl import Workbook
from sqlmodel import select

from consult import db, demo, rendered
from consult.db import alembic_config, get_session
from consult.models import Point, Reaction, Stakeholder
from consult.text import render_markdown

from .conftest import Actor, empty_database, make_app, reopen

SLUG = "holland-rijnland-jeugdhulp-2016"


def _stale(engine) -> list[tuple[str, int]]:
    """(table, id) of every row whose stored HTML is missing or not the rendering of its text."""
    wrong = []
    with engine.connect() as conn:
        for model, pairs in rendered.FIELDS.items():
            table = model.__table__
            for text, html in pairs:
                query = sa.select(table.c.id, table.c[text], table.c[html])
                for row_id, source, stored in conn.execute(query):
                    if stored is None or str(stored) != str(render_markdown(source)):
                        wrong.append((table.name, row_id))
    return wrong


def _count_html(engine, needle: str) -> int:
    """Rows whose stored HTML contains ``needle``."""
    total = 0
    with engine.connect() as conn:
        for model, pairs in rendered.FIELDS.items():
            for _text, html in pairs:
                column = model.__table__.c[html]
                total += conn.execute(sa.select(sa.func.count()).where(
                    sa.cast(column, sa.Text).contains(needle))).scalar_one()
    return total


def test_the_demo_loader_stores_every_text_rendered(demo_app):
    engine = demo_app.extensions["consult.engine"]
    assert _stale(engine) == []
    assert _count_html(engine, "<p>") > 250  # points, answers, versions, the description


def test_what_users_write_on_the_pages_is_stored_rendered(demo_app, session):
    secretary = Actor(demo_app.test_client(), "secretary")
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    logged = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "stakeholder_id": leiden.id, "channel": "zienswijze", "title": "Brief", "text": "",
        "point_number": ["1", "2"], "point_heading": ["", ""],
        "point_text": ["Punt met **nadruk**", "Tweede punt"]})
    assert logged.status_code == 201
    reaction = session.exec(select(Reaction).order_by(Reaction.id.desc())).first()
    point = session.exec(select(Point).where(Point.reaction_id == reaction.id,
                                             Point.number == "1")).one()
    base = f"/consultaties/{SLUG}"
    answered = secretary.hx_post(f"{base}/reacties/{reaction.id}/antwoorden", data={
        "selection": "1 t/m 2", "body": "Wordt *meegenomen*.", "status": "adopted"})
    assert answered.status_code == 200
    response_id = session.execute(sa.text(
        "SELECT max(id) FROM response")).scalar_one()
    edited = secretary.form_post(f"{base}/antwoorden/{response_id}/bewerken", {
        "version": 1, "body": "Wordt **zeker** meegenomen.", "status": "adopted"})
    assert edited.status_code == 303
    councillor = Actor(demo_app.test_client(), "councillor")
    asked = councillor.hx_post(f"{base}/punten/{point.id}/berichten",
                               data={"body": "Wat betekent `18-/18+` hier?"})
    assert asked.status_code == 204
    reopen(demo_app)  # boards submit while the round is open
    board = Actor(demo_app.test_client(), "advisory_member")
    submitted = board.form_post(f"/portaal/{SLUG}/concept", data={
        "title": "Advies", "text": "", "point_number": ["1"], "point_heading": [""],
        "point_text": ["Advies met [een link](https://example.org)"], "submit": "1"})
    assert submitted.status_code == 303

    engine = demo_app.extensions["consult.engine"]
    assert _stale(engine) == []
    for html in ("<strong>nadruk</strong>", "<em>meegenomen</em>", "<strong>zeker</strong>",
                 "<code>18-/18+</code>", 'href="https://example.org"'):
        assert _count_html(engine, html) >= 1, html
    thread = secretary.get(f"{base}/punten/{point.id}").get_data(as_text=True)
    assert "Punt met <strong>nadruk</strong>" in thread
    assert "<strong>zeker</strong>" in thread and "<code>18-/18+</code>" in thread


def test_json_and_spreadsheet_imports_store_rendered_html(demo_app, tmp_path):
    exported = tmp_path / "c.json"
    result = demo_app.test_cli_runner().invoke(
        args=["consult", "export", SLUG, "--format", "json", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = make_app(empty_database("sqlite", elsewhere), elsewhere)
    assert other.test_cli_runner().invoke(args=["consult", "import", str(exported)]).exit_code == 0
    assert _stale(other.extensions["consult.engine"]) == []
    other.extensions["consult.engine"].dispose()

    book = Workbook()
    book.active.append(["stakeholder", "kind", "channel", "number", "heading", "text", "answer",
                        "destinations", "status"])
    book.active.append(["Gemeenteraad Voorschoten", "gemeenteraad", "raadsbesluit", "1", "",
                        "Privacy **borgen**", "Komt in de *privacyparagraaf*.", "",
                        "vastgesteld"])
    sheet = tmp_path / "tabel.xlsx"
    book.save(sheet)
    done = demo_app.test_cli_runner().invoke(
        args=["consult", "import", str(sheet), "--consultation", SLUG])
    assert done.exit_code == 0, done.output
    engine = demo_app.extensions["consult.engine"]
    assert _stale(engine) == []
    assert _count_html(engine, "<strong>borgen</strong>") == 1
    assert _count_html(engine, "<em>privacyparagraaf</em>") >= 2  # the answer and its version


def test_pages_show_the_stored_html(demo_app):
    """What is stored is what pages show: they render nothing themselves."""
    engine = demo_app.extensions["consult.engine"]
    with engine.begin() as conn:
        for table, column in rendered.HTML_COLUMNS:
            conn.execute(sa.text(f"UPDATE {table} SET {column} = '<p>opgeslagen-{table}</p>'"))
    client = demo_app.test_client()
    secretary = Actor(demo_app.test_client(), "secretary")
    consultation_page = client.get(f"/consultaties/{SLUG}").get_data(as_text=True)
    assert "opgeslagen-consultation" in consultation_page
    assert "opgeslagen-point" in client.get(f"/consultaties/{SLUG}/reacties/1").get_data(
        as_text=True)
    thread = secretary.get(f"/consultaties/{SLUG}/punten/1").get_data(as_text=True)
    assert "opgeslagen-point" in thread and "opgeslagen-response" in thread
    versions = secretary.get(f"/consultaties/{SLUG}/antwoorden/1/versies").get_data(as_text=True)
    assert "opgeslagen-responseversion" in versions
    assert "opgeslagen-response" in client.get(f"/consultaties/{SLUG}/tabel").get_data(
        as_text=True)
    assert "opgeslagen-consultation" in client.get(f"/consultaties/{SLUG}/openbaar").get_data(
        as_text=True)


def test_a_message_shows_its_stored_html(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    assert secretary.hx_post(f"/consultaties/{SLUG}/punten/1/berichten",
                             data={"body": "Een *bericht*"}).status_code == 204
    with demo_app.extensions["consult.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE message SET body_html = '<p>opgeslagen-bericht</p>' "
                             "WHERE body = 'Een *bericht*'"))
    thread = secretary.get(f"/consultaties/{SLUG}/punten/1").get_data(as_text=True)
    assert "opgeslagen-bericht" in thread and "<em>bericht</em>" not in thread


def test_a_row_without_stored_html_still_shows_rendered(demo_app, caplog):
    """Written behind the ORM's back (raw SQL): rendered on reading, with a warning."""
    with demo_app.extensions["consult.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE point SET body = 'Ingevoegd met **SQL**', body_html = NULL "
                             "WHERE id = 1"))
    with caplog.at_level(logging.WARNING, logger="consult.rendered"):
        page = demo_app.test_client().get(f"/consultaties/{SLUG}/punten/1")
    assert "Ingevoegd met <strong>SQL</strong>" in page.get_data(as_text=True)
    assert "has no stored HTML" in caplog.text


def test_only_rendered_html_can_be_stored(demo_app, session):
    point = session.get(Point, 1)
    point.body_html = "<script>alert(1)</script>"  # a plain string, not from the renderer
    session.add(point)
    with pytest.raises(sa.exc.StatementError, match="render_markdown"):
        session.flush()


def test_the_render_command_renders_every_text_again(demo_app):
    engine = demo_app.extensions["consult.engine"]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE response SET body_html = '<p>oud</p>'"))
    result = demo_app.test_cli_runner().invoke(args=["consult", "render"])
    assert result.exit_code == 0, result.output
    assert "teksten opnieuw opgemaakt" in result.output
    assert _stale(engine) == []


def test_the_migration_renders_the_existing_texts(database_url, tmp_path):
    app = make_app(database_url, tmp_path, create_schema=False)
    db.upgrade(database_url)
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    command.downgrade(alembic_config(database_url), "0005")  # the columns are gone
    db.upgrade(database_url)  # and come back filled
    engine = app.extensions["consult.engine"]
    assert _stale(engine) == []
    engine.dispose()


def _tamper(archive: Path, folder: Path) -> Path:
    """The archive with a point whose stored HTML claims to be a script (and checksums that
    match): HTML must never be taken from a file."""
    import hashlib

    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    manifest = json.loads(members["manifest.json"])
    lines = members["database/point.jsonl"].decode().splitlines()
    first = json.loads(lines[0])
    first["body_html"] = "<script>alert(1)</script>"
    lines[0] = json.dumps(first)
    members["database/point.jsonl"] = ("\n".join(lines) + "\n").encode()
    manifest["tables"]["point"]["columns"]["body_html"] = "plain"
    data = members["database/point.jsonl"]
    manifest["files"]["database/point.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(),
                                                 "size": len(data)}
    members["manifest.json"] = json.dumps(manifest).encode()
    out = folder / "tampered.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out


def test_backup_holds_texts_and_restore_renders_them(database_url, tmp_path):
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    source = make_app(empty_database("sqlite", source_dir), source_dir, create_schema=False)
    db.upgrade(source.config["DATABASE_URL"])
    with source.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    out = tmp_path / "backups"
    result = source.test_cli_runner().invoke(args=["consult", "backup", str(out)])
    assert result.exit_code == 0, result.output
    (archive,) = out.glob("*.tar.gz")
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert "body_html" not in manifest["tables"]["point"]["columns"]
    assert "body" in manifest["tables"]["point"]["columns"]
    source.extensions["consult.engine"].dispose()

    target_dir = tmp_path / "target"
    target_dir.mkdir()
    target = make_app(database_url, target_dir, create_schema=False)
    restored = target.test_cli_runner().invoke(
        args=["consult", "restore", str(_tamper(archive, tmp_path))])
    assert restored.exit_code == 0, restored.output
    engine = target.extensions["consult.engine"]
    assert _stale(engine) == []
    assert _count_html(engine, "<script") == 0
    engine.dispose()


def test_stored_html_is_markup(demo_app):
    with demo_app.app_context():
        point = get_session().get(Point, 1)
        assert isinstance(point.body_html, Markup)
