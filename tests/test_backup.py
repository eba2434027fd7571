"""Backup and restore: a whole instance into one archive and back into a fresh one."""

import io
import json
import re
import subprocess
import sys
import tarfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from consult import accounts, attachments, backup, db, demo, files, threads
from consult.models import Consultation, Point, Reaction, Role, Stakeholder, User

from .conftest import Actor, empty_database, make_app

SLUG = "holland-rijnland-jeugdhulp-2016"
WORD = "zwaluwstaartverbinding"  # in no text of the demo
UPLOAD = b"Brief van de gemeente Lisse\n\n1. Eerste punt.\n" + bytes(range(32, 127)) * 40


def _instance(url: str, folder: Path, **extra):
    """An app on ``url`` with its own instance folder and no schema yet."""
    return make_app(url, folder, create_schema=False, **extra)


def _point(session, stakeholder="Nieuwkoop", number="8") -> Point:
    return session.exec(
        select(Point).join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == stakeholder, Point.number == number)
    ).one()


def _source(url: str, folder: Path, **extra):
    """A migrated instance with the demo and a few things of its own: a message, an upload,
    a new account (each with its audit event)."""
    app = _instance(url, folder, **extra)
    db.upgrade(url)
    with app.app_context():
        session = db.get_session()
        demo.load(session)
        secretary = accounts.user_by_email(session, "secretaris@consult.example")
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        point = _point(session)
        threads.post_message(session, secretary, consultation, point, "comment",
                             f"De {WORD} komt in het inkoopplan.")
        attachments.store(session, secretary, files.of(app),
                          session.get(Reaction, point.reaction_id), "lisse.txt",
                          UPLOAD)
        accounts.create_user(session, email="nieuw@consult.example", name="Nina Nieuw",
                             role=Role.viewer, password="een-lang-wachtwoord-2026")
        session.commit()
    return app


def _rows(engine) -> dict[str, list]:
    """Every table's rows (the outbox and Alembic's table aside), sorted, times in UTC."""
    def value(v):
        if isinstance(v, datetime):
            return (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(UTC)
        return v

    meta = sa.MetaData()
    with engine.connect() as conn:
        meta.reflect(conn)
        return {
            t.name: sorted((tuple(value(v) for v in row) for row in conn.execute(sa.select(t))),
                           key=repr)
            for t in meta.sorted_tables if t.name not in backup.LEFT_OUT
        }


def _uploads(app) -> dict[str, bytes]:
    """Every upload in the app's file store (folder or database), by stored name."""
    store = files.of(app)
    return {name: store.read("uploads", name) for name in store.names("uploads")}


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def _backup(app, folder: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["consult", "backup", str(folder)])
    assert result.exit_code == 0, result.output
    # counts after a colon: "1 consultaties" read wrong (the attack)
    assert re.search(r"Back-up geschreven naar .*Rijen: [\d.]+, tabellen: \d+, bijlagen: \d+, "
                     r"consultaties als JSON: \d+\.", result.output), result.output
    (archive,) = folder.glob("consult-backup-*.tar.gz")
    return archive


def _restore(app, archive: Path):
    return app.test_cli_runner().invoke(args=["consult", "restore", str(archive)])


def _check_restored(app, expected_rows: dict, expected_uploads: dict) -> None:
    """Same rows, same uploads; the thread shows, old passwords work, search finds, new ids
    follow the restored ones."""
    engine = app.extensions["consult.engine"]
    assert _rows(engine) == expected_rows
    assert _uploads(app) == expected_uploads
    with Session(engine) as session:
        point = _point(session)
        highest = session.exec(select(sa.func.max(User.id))).one()
    secretary = Actor(app.test_client(), "secretary")  # the demo password, from the backup
    page = secretary.get(f"/consultaties/{SLUG}/punten/{point.id}")
    assert page.status_code == 200  # the message is conversation: for people with an account
    assert f"De {WORD} komt in het inkoopplan." in page.get_data(as_text=True)
    client = app.test_client()
    login = Actor(client, None).form_post("/inloggen", data={
        "email": "nieuw@consult.example", "password": "een-lang-wachtwoord-2026"})
    assert login.status_code == 303
    found = app.test_cli_runner().invoke(args=["consult", "search", WORD, "--json"])
    assert found.exit_code == 0, found.output
    hits = json.loads(found.output[found.output.index("{"):])
    assert hits["total"] == 1 and hits["results"][0]["kind"] == "message"
    with app.app_context():  # ids go on after the restored ones (PostgreSQL's sequences)
        session = db.get_session()
        user = accounts.create_user(session, email="later@consult.example", name="Later",
                                    role=Role.viewer, password="nog-een-wachtwoord-2026")
        session.commit()
        assert user.id == highest + 1


@pytest.mark.parametrize("storage", ["folder", "database"])
def test_round_trip_into_a_fresh_instance(database_url, tmp_path, storage):
    """Backup through the CLI, restore into a fresh database and instance folder: every row
    and upload the same, and the app works on it. The uploads come from either file store
    and go into the other one (consult/files.py)."""
    other = {"folder": "database", "database": "folder"}[storage]
    source = _source(database_url, tmp_path / "source", FILES_STORAGE=storage)
    rows, uploads = _rows(source.extensions["consult.engine"]), _uploads(source)
    assert rows["attachment"] and rows["user"] and len(uploads) == 1
    archive = _backup(source, tmp_path / "backups")
    source.extensions["consult.engine"].dispose()

    members = _members(archive)
    manifest = json.loads(members["manifest.json"])
    assert manifest["backend"] == database_url.split(":")[0].split("+")[0]
    assert manifest["tables"]["point"]["rows"] == 204
    assert "searchoutbox" not in manifest["tables"]
    assert members[f"uploads/{next(iter(uploads))}"] == UPLOAD
    assert json.loads(members[f"exports/{SLUG}.json"])["consultation"]["slug"] == SLUG

    target_url = empty_database("postgresql", tmp_path) if "postgresql" in database_url \
        else f"sqlite:///{tmp_path / 'restored.sqlite3'}"  # PostgreSQL: the schema is reset
    target = _instance(target_url, tmp_path / "target", FILES_STORAGE=other)
    kept = tmp_path / "target" / "instance" / "shared-cache"
    assert kept.is_dir()  # figures kept before the restore may meet its revisions again
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    assert not kept.exists()
    assert "teruggezet uit" in result.output and "documenten geïndexeerd" in result.output
    _check_restored(target, rows, uploads)
    in_folder = {p.name for p in (tmp_path / "target" / "instance" / "uploads").glob("*")}
    assert in_folder == (set(uploads) if other == "folder" else set())
    with target.extensions["consult.engine"].connect() as conn:
        in_table = set(conn.execute(sa.text("SELECT name FROM storedfile")).scalars())
    assert in_table == (set(uploads) if other == "database" else set())
    target.extensions["consult.engine"].dispose()


def test_sqlite_backup_restores_into_postgresql_and_back(tmp_path):
    """SQLite -> PostgreSQL -> SQLite: the rows survive, and a backup of each copy writes the
    very same table files."""
    pg_url = empty_database("postgresql", tmp_path)
    source = _source(f"sqlite:///{tmp_path / 'source.sqlite3'}", tmp_path / "source")
    rows, uploads = _rows(source.extensions["consult.engine"]), _uploads(source)
    first = _backup(source, tmp_path / "one")

    on_pg = _instance(pg_url, tmp_path / "pg")
    assert _restore(on_pg, first).exit_code == 0
    second = _backup(on_pg, tmp_path / "two")
    again = _instance(f"sqlite:///{tmp_path / 'again.sqlite3'}", tmp_path / "again")
    assert _restore(again, second).exit_code == 0
    third = _backup(again, tmp_path / "three")
    copies = [{n: d for n, d in _members(a).items() if n != "manifest.json"}
              for a in (first, second, third)]
    assert copies[0] == copies[1] == copies[2]  # rows, uploads and exports, byte for byte
    assert _rows(on_pg.extensions["consult.engine"]) == rows
    assert _uploads(on_pg) == _uploads(again) == uploads
    on_pg.extensions["consult.engine"].dispose()
    again.extensions["consult.engine"].dispose()


WRITER = """
import os, sys
from sqlmodel import select
from consult import accounts, create_app, db, threads
from consult.models import Consultation, Point

url, instance, slug, point_id, counter = sys.argv[1:]
app = create_app({"SECRET_KEY": "t", "DATABASE_URL": url, "INSTANCE_PATH": instance,
                  "SEARCH_MODE": "off"})
with app.app_context():
    session = db.get_session()
    secretary = accounts.user_by_email(session, "secretaris@consult.example")
    consultation = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
    point = session.get(Point, int(point_id))
    n = 0
    while True:
        n += 1
        threads.post_message(session, secretary, consultation, point, "comment", f"Schrijver {n}")
        session.commit()
        with open(counter + ".new", "w") as out:
            out.write(str(n))
        os.replace(counter + ".new", counter)
"""


def test_backup_while_writing_is_one_consistent_snapshot(database_url, tmp_path):
    """Another process keeps posting messages (each with its audit event and the
    consultation's revision bumped, in one transaction), two of them between any two tables
    the backup reads: the archive holds one moment."""
    app = _instance(database_url, tmp_path)
    db.upgrade(database_url)
    engine = app.extensions["consult.engine"]
    with app.app_context():
        session = db.get_session()
        demo.load(session)
        session.commit()
    with Session(engine) as session:
        before = session.exec(select(sa.func.count()).select_from(sa.table("message"))).one()
        revision_before = session.exec(
            select(Consultation.revision).where(Consultation.slug == SLUG)).one()
        last = session.exec(select(sa.func.max(sa.column("id"))).select_from(
            sa.table("message"))).one() or 0
    with Session(engine) as session:
        point_id = _point(session).id
    counter, log = tmp_path / "committed", tmp_path / "writer.log"
    with log.open("w") as stderr:
        writer = subprocess.Popen(  # another process, as a web worker would be
            [sys.executable, "-c", WRITER, database_url, app.instance_path, SLUG,
             str(point_id), str(counter)],
            cwd=Path(__file__).resolve().parent.parent, stderr=stderr)

    def committed() -> int:
        try:
            return int(counter.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def wait_for(n: int) -> None:
        deadline = time.monotonic() + 30
        while committed() < n:
            assert writer.poll() is None, log.read_text()
            assert time.monotonic() < deadline
            time.sleep(0.005)

    def progress(_steps, _total):
        wait_for(committed() + 2)  # between the tables it reads, two more commits

    try:
        wait_for(1)  # one message before the backup starts
        manifest = backup.write(engine, files.of(app), tmp_path / "b.tar.gz", progress)
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    with Session(engine) as session:
        after = session.exec(select(sa.func.count()).select_from(sa.table("message"))).one()

    members = _members(tmp_path / "b.tar.gz")
    tables = {name: [json.loads(line) for line in members[f"database/{name}.jsonl"].splitlines()]
              for name in manifest["tables"]}
    for name, info in manifest["tables"].items():
        assert info["rows"] == len(tables[name]), name
    messages = [m for m in tables["message"] if m["body"].startswith("Schrijver ")]
    assert before < before + len(messages) < after  # written during the backup, not all
    assert len(tables["message"]) == before + len(messages)
    created = {e["entity_id"] for e in tables["auditevent"]
               if e["entity"] == "message" and e["action"] == "create" and e["entity_id"] > last}
    assert created == {m["id"] for m in messages}  # each message with its audit event, no more
    (consultation,) = [c for c in tables["consultation"] if c["slug"] == SLUG]
    assert consultation["revision"] == revision_before + len(messages)
    engine.dispose()


def _one_account(folder: Path):
    """A migrated SQLite instance in ``folder`` with one account (an administrator)."""
    url = f"sqlite:///{folder}.sqlite3"
    app = _instance(url, folder)
    db.upgrade(url)
    with app.app_context():
        session = db.get_session()
        accounts.create_user(session, email="een@consult.example", name="Een",
                             role=Role.admin, password="een-lang-wachtwoord-2026")
        session.commit()
    return app


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory):
    """A backup of a small SQLite instance: one account and one uploaded file."""
    tmp_path = tmp_path_factory.mktemp("small")
    app = _one_account(tmp_path / "small")
    uploads = Path(app.instance_path) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / ("0" * 32)).write_bytes(b"x")  # so a refused restore could copy one
    archive = _backup(app, tmp_path / "small-backups")
    app.extensions["consult.engine"].dispose()
    return archive


def _rewrite(archive: Path, dest: Path, change) -> Path:
    """A copy of the archive with ``change(name, data) -> data`` applied to each member."""
    with tarfile.open(dest, "w:gz") as out:
        for name, data in _members(archive).items():
            data = change(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return dest


def _tamper_row(name, data):
    return data.replace(b"een@consult.example", b"twee@consult.example") \
        if name == "database/user.jsonl" else data


def _future_revision(name, data):
    if name != "manifest.json":
        return data
    return re.sub(rb'"revision": "[^"]+"', b'"revision": "9999_from_the_future"', data)


@pytest.mark.parametrize("damage, message", [
    ("truncated", "is beschadigd of onvolledig"),
    ("tampered", "klopt niet met de controlesom"),
    ("newer", "nieuwere databaseversie (9999_from_the_future)"),
    ("missing", "bestaat niet"),
])
def test_a_bad_archive_changes_nothing(database_url, tmp_path, small_archive, damage, message):
    """A truncated, altered, too new or missing archive: a clear message, exit code 1, and
    the target database still without a single table."""
    if damage == "truncated":
        data = small_archive.read_bytes()
        archive = tmp_path / "cut.tar.gz"
        archive.write_bytes(data[: len(data) // 2])
    elif damage == "tampered":
        archive = _rewrite(small_archive, tmp_path / "bad.tar.gz", _tamper_row)
    elif damage == "newer":
        archive = _rewrite(small_archive, tmp_path / "new.tar.gz", _future_revision)
    else:
        archive = tmp_path / "nowhere.tar.gz"
    target = _instance(database_url, tmp_path / "target")
    result = _restore(target, archive)
    assert result.exit_code == 1
    assert message in result.output and result.output.startswith("Fout: ")
    assert sa.inspect(target.extensions["consult.engine"]).get_table_names() == []
    assert not list((tmp_path / "target" / "instance").glob("**/uploads/*"))
    target.extensions["consult.engine"].dispose()


def test_a_restore_whose_uploads_fail_reads_nothing_in(database_url, tmp_path):
    """The second of two uploads cannot be written (its name is taken by a folder on the
    target's disk): the restore says so, leaves no row and no upload behind (the first one is
    removed again), and once the obstacle is gone the same archive restores."""
    source = _one_account(tmp_path / "two")
    for name in ("0" * 32, "1" * 32):
        files.of(source).put(None, "uploads", name, name.encode())
    archive = _backup(source, tmp_path / "two-backups")
    source.extensions["consult.engine"].dispose()

    target = _instance(database_url, tmp_path / "target", FILES_STORAGE="folder")
    blocked = tmp_path / "target" / "instance" / "uploads" / ("1" * 32)
    blocked.mkdir(parents=True)
    result = _restore(target, archive)
    assert result.exit_code == 1
    assert "\nFout: Het terugzetten is mislukt; er is niets ingelezen: IsADirectoryError" \
        in result.output
    engine = target.extensions["consult.engine"]
    assert backup.tables_with_rows(engine) == []
    assert [p.name for p in blocked.parent.iterdir()] == ["1" * 32]  # the folder, nothing else

    blocked.rmdir()
    again = _restore(target, archive)
    assert again.exit_code == 0, again.output
    assert _uploads(target) == {"0" * 32: b"0" * 32, "1" * 32: b"1" * 32}
    with Session(engine) as session:
        assert session.exec(select(User.email)).all() == ["een@consult.example"]
    engine.dispose()


def test_restore_refuses_a_database_with_data(database_url, tmp_path, small_archive):
    """Restoring over an instance in use is refused and leaves every row as it was."""
    target = _instance(database_url, tmp_path / "target")
    db.upgrade(database_url)
    with target.app_context():
        session = db.get_session()
        accounts.create_user(session, email="al-in-gebruik@consult.example", name="In gebruik",
                             role=Role.admin, password="een-lang-wachtwoord-2026")
        session.commit()
    engine = target.extensions["consult.engine"]
    rows = _rows(engine)
    result = _restore(target, small_archive)
    assert result.exit_code == 1
    assert "De database is niet leeg" in result.output
    assert _rows(engine) == rows
    engine.dispose()


def test_an_older_backup_restores_into_the_newest_schema(tmp_path):
    """A backup made at an older revision is restored at that revision, then migrated."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    source = _source(url, tmp_path / "source")
    scripts = ScriptDirectory.from_config(db.alembic_config(url))
    head = scripts.get_current_head()
    older = scripts.get_revision(head).down_revision
    command.downgrade(db.alembic_config(url), older)  # the data stays
    archive = _backup(source, tmp_path / "backups")
    source.extensions["consult.engine"].dispose()
    manifest = json.loads(_members(archive)["manifest.json"])
    assert manifest["revision"] == older and manifest["exports"] == []

    target = _instance(f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path / "target")
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    engine = target.extensions["consult.engine"]
    with engine.connect() as conn:
        assert backup.current_revision(conn) == head
        assert conn.execute(sa.text("SELECT count(*) FROM point")).scalar() == 204
    with Session(engine) as session:
        point = _point(session)
    page = Actor(target.test_client(), "secretary").get(
        f"/consultaties/{SLUG}/punten/{point.id}")
    assert f"De {WORD} komt in het inkoopplan." in page.get_data(as_text=True)
    engine.dispose()
