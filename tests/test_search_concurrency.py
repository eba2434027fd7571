"""Several gunicorn workers and threads writing and searching at once: nobody sees a LockError
or a reader racing a commit, and every saved message becomes findable."""

import http.cookiejar
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select

from consult import demo, search
from consult.db import get_session
from consult.models import Point

from .conftest import DEMO_PASSWORDS, empty_database, make_app

SLUG = "holland-rijnland-jeugdhulp-2016"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A logged-in HTTP client with its own cookies, posting like htmx does."""

    def __init__(self, base: str, role: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        email, password = DEMO_PASSWORDS[role]
        token = self.token("/inloggen")
        self.request("POST", "/inloggen", {"email": email, "password": password,
                                           "csrf_token": token})
        self.csrf = self.token("/")

    def token(self, path: str) -> str:
        _status, html = self.request("GET", path)
        return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)

    def request(self, method: str, path: str, data: dict | None = None, hx: bool = False):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if hx:
            req.add_header("HX-Request", "true")
            req.add_header("X-CSRFToken", self.csrf)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path):
    """gunicorn, 3 workers x 4 threads, on a database with the demo, indexed."""
    url = empty_database(request.param, tmp_path)
    app = make_app(url, tmp_path, SEARCH_MODE="inline")
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    with Session(app.extensions["consult.engine"]) as session:
        points = [p.id for p in session.exec(select(Point).limit(20))]
    app.extensions["consult.engine"].dispose()
    port = free_port()
    env = {
        **os.environ,
        "CONSULT_DATABASE_URL": url,
        "CONSULT_INSTANCE_PATH": str(tmp_path / "instance"),
        "CONSULT_SECRET_KEY": "concurrency-test",
        "CONSULT_INSECURE_COOKIES": "1",
        "CONSULT_SEARCH_MODE": "thread",
    }
    log = open(tmp_path / "gunicorn.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "3", "--threads", "4", "-b",
         f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail((tmp_path / "gunicorn.log").read_text())
    yield base, points, tmp_path / "gunicorn.log", app
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=20)
    log.close()


def test_concurrent_writes_and_searches_through_gunicorn(served):
    base, points, log_path, app = served
    writers = [Browser(base, "secretary") for _ in range(6)]
    reader = Browser(base, "secretary")
    words: list[str] = []
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def write(n: int):
        client = writers[n % len(writers)]
        word = f"gelijktijdig{n:03d}woord"
        point = random.Random(n).choice(points)
        status, _ = client.request(
            "POST", f"/consultaties/{SLUG}/punten/{point}/berichten",
            {"body": f"Bericht {word} over de inkoop", "kind": "comment"}, hx=True,
        )
        with lock:
            statuses.append(("post", status))
            if status == 204:
                words.append(word)

    def read(n: int):
        status, _ = reader.request(
            "GET", "/zoeken?" + urllib.parse.urlencode({"q": f"gelijktijdig* inkoop {n % 5}"})
        )
        status2, _ = reader.request("GET", "/zoeken?q=jeugdhulp&page=2")
        with lock:
            statuses.extend([("search", status), ("search", status2)])

    with ThreadPoolExecutor(max_workers=16) as pool:
        jobs = []
        for n in range(120):
            jobs.append(pool.submit(write, n))
            if n % 2 == 0:
                jobs.append(pool.submit(read, n))
        for job in jobs:
            job.result()

    assert {s for _kind, s in statuses} <= {200, 204}, statuses
    assert len(words) == 120
    # Every message that was acknowledged becomes findable, by each word, within seconds.
    deadline = time.monotonic() + 20
    missing = words
    while missing and time.monotonic() < deadline:
        status, html = reader.request("GET", "/zoeken?q=gelijktijdig*&kind=message&page=1")
        total = int(re.search(r"(\d+) resultaten", html).group(1)) if status == 200 else 0
        if total == len(words):
            missing = []
        else:
            time.sleep(0.3)
    assert not missing, f"only {total} of {len(words)} messages findable"
    for word in random.Random(7).sample(words, 10):
        status, html = reader.request("GET", "/zoeken?q=" + word)
        assert "1 resultaat" in html, word
    log = log_path.read_text()
    for bad in ("LockError", "FileNotFoundError", "Traceback", "Exception"):
        assert bad not in log, log[-3000:]
    # The outbox is empty and the index holds exactly what the database holds.
    status = search.service(app).status()
    assert status["outbox"] == 0
    assert status["index"] == status["database"]
    assert status["database"]["message"] == 120
