"""A real gunicorn serving the app, and a logged-in HTTP client for it (shared by the
concurrency, fault and production tests)."""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import Session, select

from consult import demo
from consult.db import get_session
from consult.models import Point

from .conftest import DEMO_PASSWORDS, make_app

SLUG = "holland-rijnland-jeugdhulp-2016"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on the loopback address that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_database(url: str, tmp_path, **config):
    """The schema, the demo and its search index on ``url``; returns (app, first 20 point ids).
    The app's engine is disposed: the servers open their own connections."""
    app = make_app(url, tmp_path, SEARCH_MODE="inline", **config)
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    with Session(app.extensions["consult.engine"]) as session:
        points = [p.id for p in session.exec(select(Point).order_by(Point.id).limit(20))]
    app.extensions["consult.engine"].dispose()
    return app, points


def server_env(url: str, tmp_path, **extra) -> dict:
    """The environment a production server gets: everything through CONSULT_* variables
    (none inherited from the environment the tests run in)."""
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("CONSULT_")},
        "CONSULT_DATABASE_URL": url,
        "CONSULT_INSTANCE_PATH": str(tmp_path / "instance"),
        "CONSULT_SECRET_KEY": "served-test-secret",
        "CONSULT_INSECURE_COOKIES": "1",
        "CONSULT_SEARCH_MODE": "thread",
        **extra,
    }


class Gunicorn:
    """A gunicorn master and its workers in a process group of their own, so that a test can
    stop them gracefully or kill every one of them at once (``kill()``: SIGKILL)."""

    def __init__(self, env: dict, log_path: Path, args: list[str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn",
             *(args or ["-w", "3", "--threads", "4", "--no-control-socket",
                        "-b", f"127.0.0.1:{self.port}"]), "app:app"],
            cwd=ROOT, env={**env, "CONSULT_BIND": f"127.0.0.1:{self.port}"},
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 40.0, path: str = "/") -> None:
        """Block until the server answers; fail the test with its log if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.base + path, timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers, if not with 200
            except OSError:
                time.sleep(0.2)
        self.kill()
        pytest.fail("gunicorn did not start:\n" + self.log_path.read_text()[-5000:])

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the master, which stops its workers)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def kill(self) -> None:
        """SIGKILL to the master and every worker: nothing gets to clean up."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text()


# The production settings: bind, workers and threads from CONSULT_BIND/_WORKERS/_THREADS.
CONF = ["-c", str(ROOT / "gunicorn.conf.py")]


def started(env: dict, log_path: Path, args: list[str] | None = None) -> Gunicorn:
    """A gunicorn that answers requests."""
    server = Gunicorn(env, log_path, args)
    server.wait_ready()
    return server


class Browser:
    """An HTTP client with its own cookies (logged in when a role is given), posting like
    htmx does."""

    def __init__(self, base: str, role: str | None = None):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        if role is not None:
            email, password = DEMO_PASSWORDS[role]
            token = self.token("/inloggen")
            status, _ = self.request("POST", "/inloggen", {"email": email, "password": password,
                                                            "csrf_token": token})
            assert status == 200, status  # the redirect after login, followed
        self.csrf = self.token("/")

    def token(self, path: str) -> str:
        _status, html = self.request("GET", path)
        return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)

    def request(self, method: str, path: str, data: dict | None = None, hx: bool = False,
                timeout: float = 60):
        """(status, body text); HTTP errors are answers too, not exceptions."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if hx:
            req.add_header("HX-Request", "true")
            req.add_header("X-CSRFToken", self.csrf)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def post_message(self, point: int, body: str) -> int:
        """Post a comment in a point's thread; the status the server answered."""
        status, _ = self.request("POST", f"/consultaties/{SLUG}/punten/{point}/berichten",
                                 {"body": body, "kind": "comment"}, hx=True)
        return status

    def search_total(self, query: str) -> int | None:
        """The number of results the search page reports; None while the index is rebuilt."""
        status, html = self.request("GET", "/zoeken?" + query)
        assert status == 200, (status, html[-2000:])
        found = re.search(r"(\d+) resulta(?:ten|at)\b", html)
        return int(found.group(1)) if found else None

    def health(self) -> tuple[int, dict]:
        """The health check's status and JSON."""
        status, body = self.request("GET", "/healthz", timeout=10)
        return status, json.loads(body)
