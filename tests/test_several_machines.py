"""Two app machines on one PostgreSQL database: two gunicorn servers, each with its own
instance folder, behind no load balancer (the test is the load balancer). With the PostgreSQL
search backend they serve as one: what is saved through one is found and downloaded through the
other (uploads in the database, the default on PostgreSQL, or in a shared files folder), a
login and its throttling hold on both, and killing one loses nothing. With the Whoosh backend
a second machine refuses to start (owner.py)."""

import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from consult.db import make_engine
from consult.models import Consultation
from consult.search import owner

from .conftest import DEMO_PASSWORDS, empty_database, make_app
from .served import ROOT, SLUG, Browser, Gunicorn, demo_database, server_env, started


def _machine(url: str, folder, shared, backend: str) -> Gunicorn:
    """A machine; ``shared`` None: no shared folder (uploads go to the database, the default
    on PostgreSQL), else uploads in that folder (CONSULT_FILES_STORAGE=folder)."""
    files = {} if shared is None else {"CONSULT_FILES_STORAGE": "folder",
                                       "CONSULT_FILES_PATH": str(shared)}
    env = server_env(url, folder, CONSULT_SEARCH_BACKEND=backend, **files)
    folder.mkdir(parents=True, exist_ok=True)
    return started(env, folder / "gunicorn.log")


@pytest.fixture(params=["database", "folder"])
def two(request, tmp_path):
    """Machines a and b (own instance folders) on one database with the demo, the PostgreSQL
    search backend; uploads in the database (no shared folder) or in one shared folder."""
    url = empty_database("postgresql", tmp_path)
    shared = tmp_path / "shared" if request.param == "folder" else None
    config = {} if shared is None else {"FILES_STORAGE": "folder", "FILES_PATH": str(shared)}
    app, points = demo_database(url, tmp_path / "a", SEARCH_BACKEND="postgres", **config)
    a = _machine(url, tmp_path / "a", shared, "postgres")
    b = _machine(url, tmp_path / "b", shared, "postgres")
    yield a, b, points, app
    for server in (a, b):
        if server.process.poll() is None:
            server.stop()


def _found_within(browser: Browser, word: str, seconds: float) -> float | None:
    """Seconds until a search for the word finds one result, None if not within ``seconds``."""
    started_at = time.monotonic()
    while time.monotonic() - started_at < seconds:
        if browser.search_total("q=" + word) == 1:
            return time.monotonic() - started_at
        time.sleep(0.02)
    return None


def _post_file(browser: Browser, path: str, fields: dict, name: str, data: bytes) -> int:
    """A multipart form POST with one file under "file", as a browser sends it."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                 + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(browser.base + path, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("X-CSRFToken", browser.csrf)
    try:
        with browser.opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_two_machines_serve_as_one(two, tmp_path):
    a, b, points, app = two
    on_a, on_b = Browser(a.base, "secretary"), Browser(b.base, "secretary")
    for _ in range(6):  # every worker of b has served a search (templates compiled)
        on_b.search_total("q=jeugdhulp")
    # Saved through a, found through b: the search table is written in the same transaction,
    # so the very first search after the save finds it.
    word = f"tweemachine{uuid.uuid4().hex[:8]}"
    assert on_a.post_message(points[0], f"Besproken in het {word}") == 204
    clock = time.monotonic()
    assert on_b.search_total("q=" + word) == 1
    seconds = time.monotonic() - clock
    print(f"\nsaved through a -> found by the first search through b: {seconds * 1000:.0f} ms")
    assert seconds < 1.0
    # The conversation is for people with an account, on b as on a.
    assert Browser(b.base).search_total("q=" + word) == 0
    # A login on a holds on b (login sessions are rows of the database).
    on_a.base = b.base
    assert on_a.search_total("q=" + word) == 1
    on_a.base = a.base
    # An upload through a downloads through b (the database, or the shared files folder):
    # 10 MB, the largest there is.
    with Session(app.extensions["consult.engine"]) as session:
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
    document = (b"%PDF-1.7 inkoopkader voor beide machines\n" + bytes(range(256)) * 40960)[
        :10 * 1024 * 1024 - 100]
    clock = time.monotonic()
    status = _post_file(on_a, f"/consultaties/{SLUG}/bewerken",
                        {"version": consultation.version, "title": consultation.title,
                         "csrf_token": on_a.csrf}, "kader.pdf", document)
    uploaded = time.monotonic() - clock
    assert status in (200, 303), status
    clock = time.monotonic()
    request = urllib.request.Request(b.base + f"/consultaties/{SLUG}/document")
    with on_b.opener.open(request, timeout=30) as response:
        assert response.read() == document
    print(f"10 MB uploaded through a: {uploaded * 1000:.0f} ms, downloaded through b: "
          f"{(time.monotonic() - clock) * 1000:.0f} ms")
    if app.config["FILES_STORAGE"] == "database":  # on neither machine's disk
        assert not list(tmp_path.glob("[ab]/**/uploads/*"))
    # Login throttling counts the attempts made on both machines together.
    email = DEMO_PASSWORDS["viewer"][0]
    for n in range(5):
        guest = Browser((a, b)[n % 2].base)
        status, _ = guest.request("POST", "/inloggen", {
            "email": email, "password": "niet-het-wachtwoord", "csrf_token": guest.token(
                "/inloggen")})
        assert status == 401, (n, status)
    guest = Browser(b.base)
    status, _ = guest.request("POST", "/inloggen", {
        "email": email, "password": DEMO_PASSWORDS["viewer"][1],
        "csrf_token": guest.token("/inloggen")})
    assert status == 429
    # Killing a (every process at once) loses nothing: b serves what a saved last.
    last = f"laatste{uuid.uuid4().hex[:8]}"
    assert on_a.post_message(points[1], f"Vlak voor de storing: {last}") == 204
    a.kill()
    assert _found_within(on_b, last, 1.0) is not None
    assert on_b.health()[0] == 200


def test_a_second_machine_refuses_a_whoosh_index_it_does_not_own(tmp_path):
    url = empty_database("postgresql", tmp_path)
    shared = tmp_path / "shared"
    demo_database(url, tmp_path / "a", FILES_PATH=str(shared))
    a = _machine(url, tmp_path / "a", shared, "whoosh")
    b = None
    try:
        b = Gunicorn(server_env(url, tmp_path / "b", CONSULT_SEARCH_BACKEND="whoosh"),
                     tmp_path / "b.log")
        assert b.process.wait(timeout=90) != 0  # gunicorn: "Worker failed to boot"
        b.log.close()
        log = (tmp_path / "b.log").read_text()
        assert "belongs to another machine" in log and "CONSULT_SEARCH_BACKEND=postgres" in log
        assert Browser(a.base, "secretary").search_total("q=jeugdhulp")  # a serves on
    finally:
        a.stop()
        if b is not None and b.process.poll() is None:
            b.kill()  # it started after all: stop it with the test


def test_a_flask_command_run_elsewhere_does_not_claim_the_whoosh_index(tmp_path):
    """A deploy container (another host name, another folder) runs the migrations and makes an
    account through the flask command before the server ever started: it must not name itself
    the index's owner, or the real server would refuse to start."""
    url = empty_database("postgresql", tmp_path)
    env = server_env(url, tmp_path / "deploy", CONSULT_SEARCH_BACKEND="whoosh")
    for args in (["consult", "upgrade"], ["consult", "demo"]):
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    engine = make_engine(url)
    with engine.connect() as conn:
        claimed = conn.execute(sa.text("SELECT value FROM search_state WHERE name = :n"),
                               {"n": owner.OWNER}).scalar()
    engine.dispose()
    assert claimed is None
    a = _machine(url, tmp_path / "a", None, "whoosh")
    try:
        assert Browser(a.base).health()[0] == 200
        secretary, deadline = Browser(a.base, "secretary"), time.monotonic() + 120
        while not secretary.search_total("q=jeugdhulp") and time.monotonic() < deadline:
            time.sleep(1)  # its own index is built at its first start
        assert secretary.search_total("q=jeugdhulp")
    finally:
        a.stop()


def test_the_whoosh_owner_is_one_machine_until_another_takes_over(tmp_path):
    app = make_app(empty_database("postgresql", tmp_path), tmp_path)
    engine = app.extensions["consult.engine"]
    first, second = tmp_path / "one" / "search", tmp_path / "two" / "search"
    assert owner.claim(engine, first) == owner.machine_id(first)
    assert owner.claim(engine, first) == owner.machine_id(first)  # a restart
    with pytest.raises(owner.NotOwner, match="CONSULT_SEARCH_TAKE_OVER=1"):
        owner.claim(engine, second)
    assert owner.claim(engine, second, take_over=True) == owner.machine_id(second)
    with pytest.raises(owner.NotOwner):
        owner.claim(engine, first)
    sqlite = make_app(f"sqlite:///{tmp_path / 'one.sqlite3'}", tmp_path / "s")
    assert owner.claim(sqlite.extensions["consult.engine"], second) is None  # one file


def test_backup_and_restore_carry_the_uploads_of_the_files_folder(tmp_path):
    """With CONSULT_FILES_PATH (a folder every machine mounts) the uploads live there, not in
    the instance folder: a backup takes them from there and a restore puts them back there."""
    from consult import attachments, db, files

    from .test_backup import _backup, _instance, _members, _restore

    url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    source = _instance(url, tmp_path / "source", FILES_PATH=str(tmp_path / "files"))
    db.upgrade(url)
    with source.app_context():
        session = db.get_session()
        stored = attachments.store(session, None, files.of(source), None,
                                   "brief.txt", b"Brief van de gemeente Lisse").stored_name
        session.commit()
    assert (tmp_path / "files" / "uploads" / stored).exists()
    assert not (tmp_path / "source" / "instance" / "uploads" / stored).exists()
    archive = _backup(source, tmp_path / "backups")
    assert _members(archive)[f"uploads/{stored}"] == b"Brief van de gemeente Lisse"
    target = _instance(f"sqlite:///{tmp_path / 'target.sqlite3'}", tmp_path / "target",
                       FILES_PATH=str(tmp_path / "files2"))
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "files2" / "uploads" / stored).read_bytes() == b"Brief van de gemeente Lisse"
