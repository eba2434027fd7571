"""The production setup of the README, end to end: PostgreSQL, configuration only through
environment variables, the schema and demo through the command line, gunicorn with several
workers from gunicorn.conf.py, the health check, search across workers, and the log."""

import re
import subprocess
import sys
import time

from .conftest import empty_database
from .served import CONF, ROOT, Browser, Gunicorn, server_env

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[\d+\] (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"[\w.]+: "
)


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`flask --app app ...` as an operator runs it."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_gunicorn_on_postgresql_configured_from_the_environment(tmp_path):
    url = empty_database("postgresql", tmp_path)
    # Only CONSULT_* variables (none inherited), plain HTTP to 127.0.0.1 (insecure cookies).
    env = server_env(url, tmp_path, CONSULT_SECRET_KEY="a-long-random-production-secret",
                     CONSULT_LOG_LEVEL="INFO", CONSULT_WORKERS="3", CONSULT_THREADS="2")
    assert "Database op versie head." in flask(env, "consult", "upgrade").stdout
    demo = flask(env, "consult", "demo")
    assert "204 punten" in demo.stdout
    # The commands log in the same format as the server (on standard error).
    assert re.search(r"INFO consult\.search: search index: rebuilt with \d+ documents",
                     demo.stderr), demo.stderr

    server = Gunicorn(env, tmp_path / "gunicorn.log", CONF)  # bind from CONSULT_BIND
    server.wait_ready(path="/healthz")
    try:
        status, health = Browser(server.base).health()
        assert status == 200
        assert health == {"status": "ok", "database": "ok",
                          "search": {"outbox": 0, "present": True}}

        secretary = Browser(server.base, "secretary")
        assert secretary.post_message(1, "Bericht over de productieproef in Katwijk") == 204
        readers = [Browser(server.base, "viewer") for _ in range(3)]
        # Every worker finds what one of them saved (one index on disk, one writer at a time).
        deadline = time.monotonic() + 20
        found = []
        while time.monotonic() < deadline:
            found.append(readers[len(found) % 3].search_total("q=productieproef&kind=message"))
            pids = set(re.findall(r"\[(\d+)\] INFO gunicorn\.access: .*GET /zoeken",
                                  server.log_text()))
            if len(found) >= 6 and len(pids) >= 2 and found[-1] == 1:
                break
            time.sleep(0.1)
        assert found[-1] == 1 and len(pids) >= 2, (found, pids)
        assert all(n == 1 for n in found[found.index(1):]), found
    finally:
        server.stop()

    log = server.log_text()
    assert "Traceback" not in log, log[-5000:]
    lines = [line for line in log.splitlines() if line.strip()]
    assert [line for line in lines if not LINE.match(line)] == []  # one format throughout
    workers = re.findall(r"\[(\d+)\] INFO consult: worker ready: database "
                         r"postgresql\+psycopg://consult:\*\*\*@", log)
    assert len(set(workers)) == 3, log  # three workers, no password in the log
    # Each keeps what it holds from its start out of garbage collection (a full collection
    # traversed it all: 179-286 ms in the middle of a request at 1,000,000 points).
    frozen = [int(n) for n in re.findall(r"(\d+) start-up objects kept out of garbage "
                                         r"collection", log)]
    assert len(frozen) == 3 and min(frozen) > 10_000, frozen
    assert re.search(r'INFO gunicorn\.access: 127\.0\.0\.1 "GET /healthz HTTP/1\.1" 200 \d+ '
                     r'\d+ms', log)
    assert re.search(r'gunicorn\.access: .*"POST /consultaties/.*/berichten HTTP/1\.1" 204', log)
    assert "a-long-random-production-secret" not in log
