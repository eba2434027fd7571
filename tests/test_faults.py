"""Faults under a real gunicorn: kill -9 in the middle of writes, the search index deleted or
truncated, SQLite locked by a long writer, PostgreSQL restarted under the app.

Each test prints one "figures:" line (run with -s to see them; the README quotes them).
"""

import glob
import http.client
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session

from consult.db import make_engine
from consult.models import Message
from consult.search import outbox

from .conftest import BACKENDS, empty_database
from .served import CONF, ROOT, SLUG, Browser, demo_database, free_port, server_env, started

GONE = (OSError, http.client.HTTPException)  # what a client sees of a server that was killed
UNAVAILABLE = "The database cannot be reached right now. Try again in a moment."
REBUILDING = ("The search index is being rebuilt; search again in a moment. Everything else "
              "works as usual.")


def serve(url: str, tmp_path, workers: int = 2):
    """gunicorn with the production settings (gunicorn.conf.py), 2 workers x 4 threads."""
    env = server_env(url, tmp_path, CONSULT_WORKERS=str(workers), CONSULT_THREADS="4")
    return started(env, tmp_path / "gunicorn.log", CONF), env


def translated(app, msgid: str) -> str:
    """The text a Dutch reader gets for this message (the message itself until translated)."""
    with app.test_request_context():
        return gettext(msgid)


def messages_with(url: str, word: str) -> set[str]:
    """The bodies of the stored thread messages that contain ``word``, read straight from the
    database."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return set(session.execute(
                sa.select(Message.body).where(Message.body.contains(word))
            ).scalars())
    finally:
        engine.dispose()


def pending_outbox(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return outbox.pending_count(session)
    finally:
        engine.dispose()


def wait_for(check, timeout: float, step: float = 0.25):
    """Call ``check()`` until it returns something true; (value, seconds taken)."""
    started_at = time.monotonic()
    while True:
        value = check()
        elapsed = time.monotonic() - started_at
        if value or elapsed > timeout:
            return value, elapsed
        time.sleep(step)


def outbox_empty(client: Browser) -> dict | None:
    """The health check's JSON once it answers 200 with nothing waiting for the index."""
    status, health = client.health()
    return health if status == 200 and health["search"]["outbox"] == 0 else None


def no_server_errors(log: str) -> None:
    """No request answered 500, and nothing crashed unhandled."""
    access = [line for line in log.splitlines() if "gunicorn.access" in line]
    assert access, log[-3000:]
    assert not [line for line in access if '" 500 ' in line], log[-5000:]
    assert "Exception on " not in log, log[-5000:]  # Flask's line for an unhandled exception


# --- kill -9 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_mid_burst_loses_nothing_acknowledged_and_search_catches_up(backend, tmp_path):
    url = empty_database(backend, tmp_path)
    _app, points = demo_database(url, tmp_path)
    server, env = serve(url, tmp_path)
    writers = [Browser(server.base, "secretary") for _ in range(4)]
    acknowledged: list[str] = []
    refused: list[int] = []
    lock = threading.Lock()
    enough = threading.Event()

    def write(n: int) -> None:
        for i in range(300):
            body = f"Bericht crashbericht{n}x{i:03d} over de inkoop"
            try:
                status = writers[n].post_message(points[(n * 7 + i) % len(points)], body)
            except GONE:
                return  # killed while this request was in flight
            with lock:
                if status != 204:
                    refused.append(status)
                    return
                acknowledged.append(body)
                if len(acknowledged) >= 40:
                    enough.set()

    burst = [threading.Thread(target=write, args=(n,)) for n in range(len(writers))]
    for thread in burst:
        thread.start()
    try:
        assert enough.wait(60), server.log_text()[-3000:]
    finally:
        server.kill()  # master and workers, SIGKILL: no graceful anything
    for thread in burst:
        thread.join(30)
    assert not refused, refused

    stored = messages_with(url, "crashbericht")
    assert set(acknowledged) <= stored, set(acknowledged) - stored
    waiting = pending_outbox(url)

    # A new server on the same database and instance folder; nobody runs a command.
    restarted = time.monotonic()
    server = started(env, tmp_path / "gunicorn.log", CONF)
    serving = time.monotonic() - restarted
    try:
        reader = Browser(server.base, "secretary")
        total, _ = wait_for(
            lambda: reader.search_total("q=crashbericht*&kind=message") == len(stored), 15)
        caught_up = time.monotonic() - restarted
        assert total, f"search finds {reader.search_total('q=crashbericht*&kind=message')} " \
                      f"of {len(stored)} stored messages"
        for body in acknowledged[:: max(1, len(acknowledged) // 8)]:
            word = body.split()[1]
            assert reader.search_total("q=" + word) == 1, word
        health, _ = wait_for(lambda: outbox_empty(reader), 10)
        assert health == {"status": "ok", "database": "ok",
                          "search": {"outbox": 0, "present": True}}
    finally:
        server.stop()
    log = server.log_text()
    no_server_errors(log)
    if waiting:  # caught up by the workers' replay as they booted, before any request
        assert "pending changes replayed at start-up" in log, log[-3000:]
    print(f"\nfigures: kill -9 on {backend}: {len(acknowledged)} acknowledged, {len(stored)} "
          f"stored ({len(stored) - len(acknowledged)} more committed without an answer), "
          f"{waiting} outbox rows pending after the kill, all findable {caught_up:.1f} s after "
          f"the restart began (answering after {serving:.1f} s)")


# --- the search index damaged -----------------------------------------------------------------


@pytest.mark.parametrize("damage", ["deleted", "truncated"])
def test_a_damaged_index_under_a_running_server_is_rebuilt(damage, tmp_path):
    """The index is the same on both databases: SQLite is enough here."""
    url = empty_database("sqlite", tmp_path)
    app, points = demo_database(url, tmp_path)
    server, _env = serve(url, tmp_path)
    try:
        secretary = Browser(server.base, "secretary")
        full = secretary.search_total("q=jeugdhulp")
        assert full and full >= 10
        root = tmp_path / "instance" / "search"
        if damage == "deleted":
            shutil.rmtree(root)  # the whole search folder: index, pointer and lock files
        else:
            live = root / (root / "CURRENT").read_text().strip()
            for path in live.iterdir():
                os.truncate(path, 0)
        damaged = time.monotonic()
        dropped = []

        def answered(call):
            """Whoosh maps segment files into memory: a worker reading a file truncated under
            it dies of SIGBUS and gunicorn replaces it. Its request gets no answer; the
            next one must work."""
            try:
                return call()
            except GONE as exc:
                dropped.append(type(exc).__name__)
                time.sleep(1)
                return call()

        # Pages keep working, and a message saved now is not lost to search.
        for page in ("/", f"/consultaties/{SLUG}", f"/consultaties/{SLUG}/punten/{points[0]}"):
            status, html = answered(lambda page=page: secretary.request("GET", page))
            assert status == 200, (page, status, html[-2000:])
        body = "Bericht over de zwaluwstaart"
        if answered(lambda: secretary.post_message(points[1], body)) != 204:
            # Only when the post itself was dropped after its commit: then it is stored.
            assert dropped and messages_with(url, "zwaluwstaart") == {body}
        status, html = answered(lambda: secretary.request("GET", "/zoeken?q=jeugdhulp"))
        assert status == 200
        assert translated(app, REBUILDING) in html or f"{full} resultaten" in html, html[-3000:]

        def total(query: str) -> int:
            return answered(lambda: secretary.search_total(query))

        _, rebuilt = wait_for(lambda: total("q=jeugdhulp") == full
                              and total("q=zwaluwstaart") == 1, 30)
        complete = time.monotonic() - damaged
        assert total("q=jeugdhulp") == full
        assert total("q=zwaluwstaart") == 1
        status, health = answered(secretary.health)
        assert status == 200 and health["search"]["present"]
    finally:
        server.stop()
    no_server_errors(server.log_text())
    if damage == "deleted":
        assert not dropped, dropped
    print(f"\nfigures: index {damage}: complete again {complete:.1f} s after "
          f"the damage (search answered in full after {rebuilt:.1f} s of polling); "
          f"requests dropped by a worker dying of SIGBUS: {len(dropped)}")


# --- SQLite busy ----------------------------------------------------------------------------------


def test_requests_wait_for_a_long_sqlite_writer(tmp_path):
    url = empty_database("sqlite", tmp_path)
    _app, points = demo_database(url, tmp_path)
    server, _env = serve(url, tmp_path)
    try:
        secretary = Browser(server.base, "secretary")
        reader = Browser(server.base)
        holder = sqlite3.connect(tmp_path / "consult.sqlite3", isolation_level=None, timeout=15)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held like a long import would
        holder.execute("UPDATE consultation SET title = title")
        locked = time.monotonic()

        def timed(call):
            started_at = time.monotonic()
            return call(), time.monotonic() - started_at

        with ThreadPoolExecutor(max_workers=8) as pool:
            reads = [pool.submit(timed, lambda: reader.request("GET", f"/consultaties/{SLUG}")[0])
                     for _ in range(3)]
            posts = [pool.submit(timed, lambda n=n: secretary.post_message(
                points[n], f"Bericht wachtopdeschrijver{n} tijdens een lange schrijfactie"))
                for n in range(4)]
            time.sleep(3)
            holder.execute("COMMIT")
            held = time.monotonic() - locked
            reads = [f.result() for f in reads]
            posts = [f.result() for f in posts]
        holder.close()
    finally:
        server.stop()
    assert [status for status, _t in reads] == [200] * 3
    assert [status for status, _t in posts] == [204] * 4
    # The posts really met the lock: they waited for the writer, then went through.
    assert min(t for _s, t in posts) > 1.5, posts
    assert len(messages_with(url, "wachtopdeschrijver")) == 4
    no_server_errors(server.log_text())
    print(f"\nfigures: SQLite write lock held {held:.1f} s: page reads took "
          f"{max(t for _s, t in reads):.2f} s at most, posts waited "
          f"{min(t for _s, t in posts):.1f}-{max(t for _s, t in posts):.1f} s and all landed")


# --- PostgreSQL restarted ----------------------------------------------------------------------


class OwnPostgres:
    """A PostgreSQL server of this test alone (started by .ci/postgres-up), to stop and start."""

    def __init__(self, bindir: str):
        self.bindir = bindir
        self.port = int(os.environ.get("CONSULT_FAULTS_PG_PORT") or free_port())
        self.data = Path(tempfile.mkdtemp(prefix=f"consult-pg-{self.port}-", dir="/tmp"))
        self.data.chmod(0o700)
        self.url = self.start()

    def start(self) -> str:
        env = {**os.environ, "CONSULT_PG_PORT": str(self.port), "CONSULT_PG_DATA": str(self.data)}
        done = subprocess.run([str(ROOT / ".ci" / "postgres-up")], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        command = f"'{self.bindir}/pg_ctl' -D '{self.data}' -w stop -m fast"
        if os.getuid() == 0:  # PostgreSQL runs as its own user (see .ci/postgres-up)
            args = ["su", "postgres", "-s", "/bin/sh", "-c", command]
        else:
            args = ["sh", "-c", command]
        subprocess.run(args, check=True, capture_output=True, timeout=60)

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def own_postgres():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries missing: CI must run the PostgreSQL restart test")
        pytest.skip("PostgreSQL binaries missing (make test installs them)")
    server = OwnPostgres(os.path.dirname(found[-1]))
    yield server
    server.remove()


def test_postgresql_restarted_under_the_app(own_postgres, tmp_path):
    app, points = demo_database(own_postgres.url, tmp_path)
    server, _env = serve(own_postgres.url, tmp_path)
    unavailable = translated(app, UNAVAILABLE)
    try:
        secretary = Browser(server.base, "secretary")
        anonymous = Browser(server.base)
        assert secretary.health()[0] == 200
        assert secretary.request("GET", f"/consultaties/{SLUG}")[0] == 200

        own_postgres.stop()
        down = time.monotonic()
        # While it is down: a clean 503 in the reader's language, for pages, posts and the check.
        for client in (anonymous, secretary):
            status, html = client.request("GET", f"/consultaties/{SLUG}")
            assert status == 503, (status, html[-2000:])
            assert unavailable in html and "Traceback" not in html
        status, text = secretary.request(
            "POST", f"/consultaties/{SLUG}/punten/{points[0]}/berichten",
            {"body": "Bericht in de storing", "kind": "comment"}, hx=True)
        assert (status, text) == (503, unavailable)
        status, health = secretary.health()
        assert status == 503 and health["database"] == "error" and health["status"] == "error"
        answered_down = time.monotonic() - down

        own_postgres.start()
        up = time.monotonic()
        (ok, recovered) = wait_for(
            lambda: secretary.request("GET", f"/consultaties/{SLUG}")[0] == 200, 20, step=0.1)
        assert ok, server.log_text()[-3000:]
        assert secretary.post_message(points[0], "Bericht na de herstart van de database") == 204
        health, _ = wait_for(lambda: outbox_empty(secretary), 10)
        assert health  # answered 200 (the database is there) with the outbox empty
        assert anonymous.request("GET", f"/consultaties/{SLUG}")[0] == 200
    finally:
        server.stop()
    log = server.log_text()
    assert "database unavailable" in log
    no_server_errors(log)
    assert messages_with(own_postgres.url, "herstart van de database")
    print(f"\nfigures: PostgreSQL down: 503s answered within {answered_down:.2f} s of the stop; "
          f"pages back {recovered:.2f} s after the server was up again "
          f"({time.monotonic() - up:.1f} s including the checks), gunicorn never restarted")
