"""No request holds a gunicorn worker for minutes: the watchdog (consult/watchdog.py) ends a
worker whose request runs over CONSULT_REQUEST_TIMEOUT, threaded workers included, and the
master starts a new one. The slow request is a real one: a thread message waiting for a
database lock that another connection holds (as a stuck transaction or a long import would).

Before: gunicorn's own timeout does not see a stuck thread of a gthread worker; the message
waited 15 s for SQLite's busy timeout (then a 503) and on PostgreSQL for as long as the lock
was held."""

import http.client
import re
import sqlite3
import time
import urllib.error
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from consult import watchdog
from consult.db import make_engine

from .conftest import empty_database
from .served import CONF, Browser, demo_database, server_env, started

LIMIT = 3
DROPPED = (http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)


@contextmanager
def _lock_held(backend: str, url: str, tmp_path):
    """Another connection holds the lock every write of the consultation needs."""
    if backend == "sqlite":
        holder = sqlite3.connect(tmp_path / "consult.sqlite3", isolation_level=None, timeout=15)
        holder.execute("BEGIN IMMEDIATE")  # SQLite's write lock
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("UPDATE consultation SET title = title"))  # its row lock
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def _ready_workers(log: str) -> list[str]:
    return re.findall(r"\[(\d+)\] INFO consult: worker ready: ", log)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_request_stuck_on_a_lock_ends_its_worker_and_a_new_one_serves(backend, tmp_path):
    url = empty_database(backend, tmp_path)
    _app, points = demo_database(url, tmp_path)
    env = server_env(url, tmp_path, CONSULT_WORKERS="1", CONSULT_THREADS="4",
                     CONSULT_REQUEST_TIMEOUT=str(LIMIT), CONSULT_LOG_LEVEL="INFO")
    server = started(env, tmp_path / "gunicorn.log", CONF)
    try:
        secretary = Browser(server.base, "secretary")
        (first,) = _ready_workers(server.log_text())
        with _lock_held(backend, url, tmp_path):
            began = time.monotonic()
            with pytest.raises(DROPPED):
                secretary.request("POST", f"/consultaties/holland-rijnland-jeugdhulp-2016/"
                                  f"punten/{points[0]}/berichten",
                                  {"body": "Bericht dat op een slot wacht", "kind": "comment"},
                                  hx=True, timeout=40)
            ended = time.monotonic() - began
        assert LIMIT <= ended < LIMIT + watchdog.GRACE + 5, ended
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(_ready_workers(server.log_text())) < 2:
            time.sleep(0.2)
        workers = _ready_workers(server.log_text())
        assert len(workers) == 2 and workers[1] != first, server.log_text()[-3000:]
        status, page = secretary.request("GET", "/consultaties/holland-rijnland-jeugdhulp-2016")
        assert status == 200
        assert "Bericht dat op een slot wacht" not in page  # died with its transaction
    finally:
        server.stop()
    log = server.log_text()
    assert f"requests limited to {LIMIT} s" in log
    assert re.search(
        rf"\[{first}\] ERROR consult\.watchdog: request POST /consultaties/[\w-]+/punten/\d+/"
        rf"berichten has run \d+ s, over the limit of {LIMIT} s \(CONSULT_REQUEST_TIMEOUT\): "
        rf"worker {first} stops", log), log[-3000:]
    assert "File " in log.split("ERROR consult.watchdog", 1)[1]  # the stuck thread's stack
    assert re.search(rf"Worker \(pid:{first}\) exited with code {watchdog.EXIT_CODE}", log), \
        log[-3000:]


def test_the_limit_comes_from_the_environment(monkeypatch, caplog):
    monkeypatch.delenv("CONSULT_REQUEST_TIMEOUT", raising=False)
    assert watchdog.limit_from_environment() == watchdog.DEFAULT_LIMIT
    monkeypatch.setenv("CONSULT_REQUEST_TIMEOUT", "0")
    assert watchdog.limit_from_environment() == 0  # switched off
    monkeypatch.setenv("CONSULT_REQUEST_TIMEOUT", "een minuut")
    assert watchdog.limit_from_environment() == watchdog.DEFAULT_LIMIT
    assert "is not a number of seconds" in caplog.text
