"""Load test: simulated users reading, searching and writing through gunicorn (not part of the
test command).

Usage:
    .venv/bin/python bench/load.py --backend sqlite [--users 50 --seconds 60]
    .venv/bin/python bench/load.py --backend postgresql --database-url postgresql+psycopg://...
    .venv/bin/python bench/load.py --installation /work/scale/instance [--backend postgresql
        --database-url $(bench/postgres-prod-up)]

The PostgreSQL URL may also come from CONSULT_BENCH_POSTGRES_URL or CONSULT_TEST_POSTGRES_URL;
its public schema is DROPPED and rebuilt, so never point it at a database you care about.

A fresh database (migrations, then the demo consultation) and a fresh search index in a
temporary instance folder; or, with --installation DIR (an instance folder holding
consult.sqlite3 and search/, as bench/scale_data.py makes), a copy of that installation on
SQLite, or the same installation generated anew (bench/scale_data.generate, seed 1) on
PostgreSQL (25+ minutes on 2 shared cores; --prepared instead runs on a database that holds
it already, e.g. a copy made with CREATE DATABASE consult_bench TEMPLATE <generated>, with
--installation its instance folder, whose search index is copied and taken over). The users
then spread their requests over all its consultations; gunicorn with
--workers (2 x cores by default) sync workers on 127.0.0.1 only. Each simulated user logs in
with its own session (secretaries, councillors, advisory-board members and readers; the demo
accounts, one session per user) before the clock starts, then loops until --seconds have passed
or --max-requests were sent in all: it waits a think time drawn uniformly from 0 to --think
seconds, picks a request by the mix below and sends it over its own http.client connection (sync
workers close it after each response, so every request opens a new TCP connection, as behind a
proxy without keep-alive to the app).

    70 % reading:  thread page 20, its similar points (the fragment the page loads) 8,
                   stakeholder page 10, destination page 8, consultation page 5,
                   reaction page 5, dashboard 3, answered table 2, home 3,
                   stakeholder index 3, "Nieuw" 3
    20 % search:   the search page 15, the header box's drop-down 5, over Dutch queries taken
                   from the demo text
    10 % writing:  post a message carrying a unique token to a random point's thread
                   (councillors and advisory-board members ask a question; readers may not
                   post, so their 10 % are searches); secretaries post a comment half of the
                   time, answer one of their points a quarter (POST, 200) and edit one of
                   their answers a quarter (the edit form, then POST with its version, 303):
                   each secretary session owns a share of the points and of the answers, so
                   edits never race (a 409 conflict would count as an error here, and so does
                   an edit form showing a version another session saved)

A request counts as an error when it raised or answered anything but 2xx/3xx; only a GET is
sent again after its kept connection dropped, a POST only if it never went out, and a timeout
never. After the run:
every message and answer that was acknowledged must be in the database and findable by its
token through /zoeken (after the outbox drained), the outbox must be empty and the index must
hold what the database holds; the gunicorn log is scanned for tracebacks.
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from consult import create_app, demo, search  # noqa: E402
from consult.db import get_session, upgrade  # noqa: E402
from consult.models import (  # noqa: E402
    Consultation,
    Destination,
    Message,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponseStatus,
    ResponseVersion,
    Stakeholder,
)

SLUG = "holland-rijnland-jeugdhulp-2016"
ACCOUNTS = {
    "secretary": ("secretaris@consult.example", "demo-secretaris-2016"),
    "councillor": ("raadslid@consult.example", "demo-raadslid-2016"),
    "advisory_member": ("adviesraad@consult.example", "demo-adviesraad-2016"),
    "viewer": ("lezer@consult.example", "demo-lezer-2016"),
}
# Of every 10 users: 4 secretaries, 3 councillors, 2 advisory-board members, 1 reader.
ROLE_CYCLE = ["secretary", "councillor", "advisory_member", "secretary", "councillor",
              "viewer", "secretary", "advisory_member", "councillor", "secretary"]
READS = [("thread", 20), ("thread similar", 8), ("stakeholder", 10), ("destination", 8),
         ("consultation", 5), ("reaction", 5), ("dashboard", 3), ("answered table", 2),
         ("home", 3), ("stakeholder index", 3), ("Nieuw", 3)]
SEARCHES = [("search page", 15), ("search drop-down", 5)]
QUERIES = ["huisartsen", "jeugd-ggz", "pgb", "inkoop*", "JGT's", "1Gezin1Plan", "gemeenteraden",
           "financiele", "privacy", "budget", "veiligheid", "innovatie", "transformatie",
           '"specialistische jeugdhulp"', "jeugdhulp -inkoop", "monitor OR kosten", "regionaal",
           "verwijzing huisarts", "zorgaanbieders", "continuïteit", "raad", "plan"]
PAGE_TYPES = {name for name, _w in READS} | {name for name, _w in SEARCHES}
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
# A kept connection the server had closed; not timeouts, which are hung requests (errors).
RECONNECT = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least p % of them at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p * len(ordered) / 100) - 1)]


# --- the instance --------------------------------------------------------------------------


@dataclass
class Demo:
    """Ids the simulated users pick from."""

    points: list = field(default_factory=list)  # (point id, reaction id, number, slug)
    stakeholders: list = field(default_factory=list)
    destinations: list = field(default_factory=list)  # (id, slug)
    reactions: list = field(default_factory=list)  # (id, slug)
    responses: dict = field(default_factory=dict)  # id -> status, decided_by/on, destinations,
    slugs: list = field(default_factory=list)  # of every consultation


def _drop_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(url: str, instance: Path, installation: Path | None = None,
            prepared: bool = False) -> Demo:
    """Migrate, load the demo (or the installation), index it, and read the ids the users
    will visit. ``prepared``: the PostgreSQL database holds ``installation`` already (its
    instance folder, copied): neither dropped nor generated again."""
    if prepared:
        import shutil

        shutil.copytree(installation, instance)
    elif url.startswith("postgresql"):
        _drop_schema(url)
    if prepared:
        pass
    elif installation and url.startswith("sqlite"):
        import shutil

        shutil.copytree(installation, instance)
        shutil.copyfile(installation / "consult.sqlite3", url.removeprefix("sqlite:///"))
        (instance / "consult.sqlite3").unlink()
    elif installation:
        from bench import scale_data

        scale_data.generate(url, instance_path=str(instance))
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "load", "SEARCH_MODE": "inline",
                      "SEARCH_TAKE_OVER": prepared})  # the copied index is this one's now
    if not installation:
        with app.app_context():
            session = get_session()
            demo.load(session)
            session.commit()
            search.service(app).wait_until_applied(60)
    found = Demo()
    with Session(app.extensions["consult.engine"]) as session:
        slug_of = dict(session.exec(sa.select(Consultation.id, Consultation.slug)).all())
        found.slugs = sorted(slug_of.values())
        reaction_slug = {r: slug_of[c] for r, c in session.exec(
            sa.select(Reaction.id, Reaction.consultation_id)).all()}
        found.points = [(p, r, n, reaction_slug[r]) for p, r, n in session.exec(
            sa.select(Point.id, Point.reaction_id, Point.number)
            .where(Point.archived == False).order_by(Point.id))]  # noqa: E712
        found.stakeholders = list(session.exec(select(Stakeholder.id).where(
            Stakeholder.archived == False)))  # noqa: E712
        found.destinations = [(d, slug_of[c]) for d, c in session.exec(
            sa.select(Destination.id, Destination.consultation_id)).all()]
        found.reactions = sorted(reaction_slug.items())
        routes = defaultdict(list)
        for response_id, destination_id in session.exec(sa.select(
                ResponseDestination.response_id, ResponseDestination.destination_id)).all():
            routes[response_id].append(destination_id)
        for r in session.exec(sa.select(Response.id, Response.status, Response.decided_by,
                                        Response.decided_on, Response.consultation_id)
                              .order_by(Response.id)).all():
            found.responses[r.id] = {
                "status": r.status, "decided_by": r.decided_by,
                "decided_on": r.decided_on.isoformat() if r.decided_on else "",
                "destination_ids": routes[r.id], "slug": slug_of[r.consultation_id],
            }
    app.extensions["consult.engine"].dispose()
    return found


def start_gunicorn(url: str, instance: Path, workers: int, threads: int, log_path: Path):
    """gunicorn on 127.0.0.1, ready to answer; returns (process, base URL)."""
    port = free_port()
    env = {**os.environ, "CONSULT_DATABASE_URL": url, "CONSULT_INSTANCE_PATH": str(instance),
           "CONSULT_SECRET_KEY": "load", "CONSULT_INSECURE_COOKIES": "1",
           "CONSULT_SEARCH_MODE": "thread"}
    log = open(log_path, "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--access-logfile", str(log_path.with_name("access.log")),
         "--access-logformat", "%(m)s %(U)s %(s)s %(M)s", "app:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                # One worker answers; the others may still be building their app, which the
                # warm-up (--warmup) gives them time for before the clock starts.
                return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(log_path.read_text())


def worker_cpu_seconds(server) -> float:
    """CPU time (user + system) used so far by gunicorn's workers, from /proc (Linux)."""
    total = 0.0
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")
    return total


# --- a simulated user ------------------------------------------------------------------------


class User:
    """One browser: its own cookies and connection, logged in as a demo account."""

    def __init__(self, port: int, role: str):
        self.port = port
        self.role = role
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.csrf = ""

    def request(self, method: str, path: str, data: dict | list | None = None,
                hx: bool = False) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if hx:
            headers["HX-Request"] = "true"
            headers["X-CSRFToken"] = self.csrf
        try:
            self.conn.request(method, path, body=body, headers=headers)
        except RECONNECT:
            # A connection the server closed between requests: the request (one send of headers
            # and body) never reached the app, so it is sent once more on a new connection.
            self.reconnect()
            self.conn.request(method, path, body=body, headers=headers)
        try:
            response = self.conn.getresponse()
        except RECONNECT:
            # Dropped after the request went out: the app may have acted on it, so only a GET
            # is sent again; a POST's failure (and any timeout) counts as an error.
            if method != "GET":
                raise
            self.reconnect()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        html = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, html

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def log_in(self) -> None:
        email, password = ACCOUNTS[self.role]
        _status, html = self.request("GET", "/inloggen")
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        status, _html = self.request("POST", "/inloggen", {"email": email, "password": password,
                                                           "csrf_token": token})
        if status not in (302, 303):
            raise SystemExit(f"login of {email} answered {status}")
        _status, html = self.request("GET", "/")
        self.csrf = CSRF.search(html).group(1)


@dataclass
class Sample:
    kind: str
    ms: float
    ok: bool
    status: int


class Run:
    """The shared state of one load run: the budget, the samples and what was acknowledged."""

    def __init__(self, demo_ids: Demo, args, tag: str):
        self.demo = demo_ids
        self.args = args
        self.tag = tag
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.sent = 0
        self.messages: list[str] = []  # tokens of acknowledged messages
        self.answers: dict[str, int] = {}  # token of an acknowledged answer text -> response
        self.new_answers: list[str] = []  # tokens of acknowledged new answers
        self.errors: list[str] = []
        self.conflicts = 0  # an answer's edit form showing a version another session saved
        self.serial = 0

    def token(self) -> str:
        with self.lock:
            self.serial += 1
            return f"{self.tag}{self.serial:06d}w"

    def take(self) -> bool:
        """One more request within the budget?"""
        with self.lock:
            if self.sent >= self.args.max_requests:
                return False
            self.sent += 1
            return True

    def record(self, kind: str, ms: float, status: int, expected=(200, 204, 302, 303),
               detail: str = "") -> bool:
        ok = status in expected
        with self.lock:
            self.samples.append(Sample(kind, ms, ok, status))
            if not ok and len(self.errors) < 50:
                self.errors.append(f"{kind}: {status} {detail}"[:300])
        return ok


def timed(run: Run, user: User, kind: str, method: str, path: str, data=None, hx=False,
          expected=(200, 204, 302, 303)) -> tuple[bool, str]:
    start = time.perf_counter()
    try:
        status, html = user.request(method, path, data, hx)
    except Exception as err:  # noqa: BLE001 - every failure is counted, none stops the user
        run.record(kind, (time.perf_counter() - start) * 1000, 0, (), repr(err))
        return False, ""
    ok = run.record(kind, (time.perf_counter() - start) * 1000, status, expected, path)
    return ok, html


def warm_up(run: Run, user: User, seat: int, deadline: float) -> None:
    """Unrecorded reads and searches, so that every worker has its templates compiled and its
    search reader open before the clock starts."""
    rnd = random.Random(seat)
    d = run.demo
    while time.monotonic() < deadline:
        time.sleep(rnd.uniform(0, run.args.think))
        point, _r, _n, slug = rnd.choice(d.points)
        destination, d_slug = rnd.choice(d.destinations)
        path = rnd.choice([f"/consultaties/{slug}/punten/{point}", f"/indieners/"
                           f"{rnd.choice(d.stakeholders)}", f"/consultaties/{d_slug}/bestemmingen/"
                           f"{destination}", f"/consultaties/{slug}",
                           "/zoeken?" + urllib.parse.urlencode({"q": rnd.choice(QUERIES)})])
        try:
            user.request("GET", path)
        except OSError:  # a slow server times a warm-up request out: the run will count it
            user.reconnect()


def simulate(run: Run, user: User, seat: int, deadline: float) -> None:
    """One user's loop: think, pick, request, until the time or the budget is spent."""
    rnd = random.Random(run.args.seed * 1000 + seat)
    d = run.demo
    secretaries = run.args.secretary_seats
    own_points, own_responses = [], []
    if user.role == "secretary":
        share = secretaries.index(seat)
        # Points with a plain number (the selection "punt 4a" is not one point's number).
        own_points = [p for p in d.points if p[2].isdigit()][share::len(secretaries)]
        own_responses = sorted(d.responses)[share::len(secretaries)]
    versions: dict[int, int] = {}
    reads = [k for k, w in READS for _ in range(w)]
    searches = [k for k, w in SEARCHES for _ in range(w)]
    while time.monotonic() < deadline:
        time.sleep(rnd.uniform(0, run.args.think))
        if time.monotonic() >= deadline or not run.take():
            return
        roll = rnd.random()
        if roll < 0.10 and user.role != "viewer":
            write = rnd.random()
            if user.role != "secretary" or write < 0.5 or not own_responses:
                token = run.token()
                point, _r, _n, slug = rnd.choice(d.points)
                kind = "comment" if user.role == "secretary" else "question"
                ok, _ = timed(run, user, "post message", "POST",
                              f"/consultaties/{slug}/punten/{point}/berichten",
                              {"body": f"Bericht {token} over de inkoop en de huisartsen",
                               "kind": kind}, hx=True, expected=(204,))
                if ok:
                    with run.lock:
                        run.messages.append(token)
            elif write < 0.75:
                token = run.token()
                point, reaction, number, slug = rnd.choice(own_points)
                ok, _ = timed(run, user, "answer points", "POST",
                              f"/consultaties/{slug}/reacties/{reaction}/antwoorden",
                              {"selection": f"punt {number}", "status": "proposed",
                               "body": f"Antwoord {token}: wordt meegenomen in de inkoop."},
                              hx=True, expected=(200,))
                if ok:
                    with run.lock:
                        run.new_answers.append(token)
            else:
                response = rnd.choice(own_responses)
                slug = d.responses[response]["slug"]
                ok, html = timed(run, user, "answer edit form", "GET",
                                 f"/consultaties/{slug}/antwoorden/{response}/bewerken",
                                 expected=(200,))
                if not ok:
                    continue
                version = int(re.search(r'name="version" value="(\d+)"', html).group(1))
                if versions.get(response, version) != version:
                    with run.lock:
                        run.conflicts += 1
                        if len(run.errors) < 50:
                            run.errors.append(f"answer {response}: version {version} was "
                                              f"{versions[response]} (someone else edited it)")
                form = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
                token = run.token()
                known = d.responses[response]
                data = [("csrf_token", form), ("version", version),
                        ("body", f"Antwoord bijgewerkt {token}: zie de inkoop."),
                        ("status", known["status"]), ("decided_by", known["decided_by"]),
                        ("decided_on", known["decided_on"])]
                data += [("destination_ids", i) for i in known["destination_ids"]]
                ok, _ = timed(run, user, "answer edit", "POST",
                              f"/consultaties/{slug}/antwoorden/{response}/bewerken", data,
                              expected=(303,))
                if ok:
                    versions[response] = version + 1
                    with run.lock:
                        run.answers[token] = response
        elif roll < 0.30:
            kind = rnd.choice(searches)
            query = urllib.parse.urlencode({"q": rnd.choice(QUERIES)})
            if kind == "search page":
                timed(run, user, kind, "GET", f"/zoeken?{query}", expected=(200,))
            else:
                timed(run, user, kind, "GET", f"/zoeken/snel?{query}", hx=True,
                      expected=(200,))
        else:
            kind = rnd.choice(reads)
            point, _r, _n, slug = rnd.choice(d.points)
            reaction, r_slug = rnd.choice(d.reactions)
            destination, d_slug = rnd.choice(d.destinations)
            path = {
                "thread": f"/consultaties/{slug}/punten/{point}",
                "thread similar": f"/consultaties/{slug}/punten/{point}/vergelijkbaar",
                "stakeholder": f"/indieners/{rnd.choice(d.stakeholders)}",
                "destination": f"/consultaties/{d_slug}/bestemmingen/{destination}",
                "consultation": f"/consultaties/{slug}",
                "reaction": f"/consultaties/{r_slug}/reacties/{reaction}",
                "dashboard": f"/consultaties/{slug}/dashboard",
                "answered table": f"/consultaties/{slug}/tabel",
                "home": "/",
                "stakeholder index": "/indieners",
                "Nieuw": "/nieuw",
            }[kind]
            timed(run, user, kind, "GET", path, hx=kind == "thread similar", expected=(200,))


# --- after the run -----------------------------------------------------------------------------


def verify(run: Run, url: str, instance: Path, port: int, settle: float) -> dict:
    """Acknowledged writes in the database and findable; the index equal to the database."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "load", "SEARCH_MODE": "off"})
    service = search.service(app)
    start = time.monotonic()
    drained = service.wait_until_applied(settle)
    drain_s = time.monotonic() - start
    status = service.status()
    pattern = re.compile(rf"{run.tag}\d{{6}}w")
    with Session(app.extensions["consult.engine"]) as session:
        bodies = session.exec(select(Message.body).where(
            Message.body.contains(run.tag))).all()
        in_db_messages = {m for b in bodies for m in pattern.findall(b)}
        versions = session.exec(select(ResponseVersion.body).where(
            ResponseVersion.body.contains(run.tag))).all()
        in_db_answers = {m for b in versions for m in pattern.findall(b)}
        current = {r.id: r.body for r in session.exec(select(Response))}
    app.extensions["consult.engine"].dispose()

    # Findable: each message's token, and each answer's current text, through /zoeken.
    latest = {}
    for token, response in run.answers.items():  # tokens are issued in order
        if token > latest.get(response, ""):
            latest[response] = token
    # Drafts are never indexed (consult/search/documents.py): an edited draft (an edit keeps
    # the status; the 120k installation has drafts, the demo none) is checked in the database
    # only.
    released = {r: t for r, t in latest.items()
                if run.demo.responses[r]["status"] != ResponseStatus.draft}
    searchable = list(run.messages) + list(run.new_answers) + list(released.values())
    checker = User(port, "secretary")
    checker.log_in()
    findable: set[str] = set()

    def probe(token: str) -> None:
        probe_user = getattr(local, "user", None)
        if probe_user is None:
            probe_user = local.user = User(port, "secretary")
            probe_user.cookies, probe_user.csrf = dict(checker.cookies), checker.csrf
        _s, html = probe_user.request("GET", f"/zoeken?q={token}")
        found = re.search(r"(\d+) resulta", html)
        if token in html and found and int(found.group(1)) >= 1:
            with run.lock:
                findable.add(token)

    local = threading.local()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(probe, searchable))
    acknowledged_answers = set(run.answers) | set(run.new_answers)
    return {
        "outbox_drained": drained,
        "drain_seconds": round(drain_s, 2),
        "index_equals_database": status["index"] == status["database"],
        "outbox": status["outbox"],
        "messages": {
            "posted": len(run.messages),
            "in_database": len(set(run.messages) & in_db_messages),
            "findable": len(set(run.messages) & findable),
        },
        "answers": {
            "saved": len(acknowledged_answers),
            "in_database": len(acknowledged_answers & in_db_answers),
            "current_texts": len(latest) + len(run.new_answers),
            "current_in_database": sum(
                1 for r, t in latest.items() if t in current.get(r, "")) + len(
                [t for t in run.new_answers if any(t in b for b in current.values())]),
            "released": len(released) + len(run.new_answers),
            "findable": len((set(released.values()) | set(run.new_answers)) & findable),
        },
    }


SERVER_KINDS = [  # the access log's method and path -> the request type
    ("GET", r"/consultaties/[^/]+/punten/\d+", "thread"),
    ("GET", r"/consultaties/[^/]+/punten/\d+/vergelijkbaar", "thread similar"),
    ("GET", r"/indieners/\d+", "stakeholder"),
    ("GET", r"/consultaties/[^/]+/bestemmingen/\d+", "destination"),
    ("GET", r"/consultaties/[^/]+", "consultation"),
    ("GET", r"/consultaties/[^/]+/reacties/\d+", "reaction"),
    ("GET", r"/consultaties/[^/]+/dashboard", "dashboard"),
    ("GET", r"/consultaties/[^/]+/tabel", "answered table"),
    ("GET", r"/", "home"),
    ("GET", r"/indieners", "stakeholder index"),
    ("GET", r"/nieuw", "Nieuw"),
    ("GET", r"/zoeken", "search page"),
    ("GET", r"/zoeken/snel", "search drop-down"),
    ("POST", r"/consultaties/[^/]+/punten/\d+/berichten", "post message"),
    ("POST", r"/consultaties/[^/]+/reacties/\d+/antwoorden", "answer points"),
    ("GET", r"/consultaties/[^/]+/antwoorden/\d+/bewerken", "answer edit form"),
    ("POST", r"/consultaties/[^/]+/antwoorden/\d+/bewerken", "answer edit"),
]


def server_times(access_log: str) -> dict:
    """Per request type, the time spent inside a worker (gunicorn's %(M)s): the rest of what a
    user waited is the queue for a free worker and the connection."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in access_log.splitlines():
        # Our format, on its own line or after the prefix of gunicorn.conf.py's log format.
        found = re.search(r"\b(GET|POST) (/\S*) (\d{3}) (\d+)$", line)
        if not found:
            continue
        method, path, _status, ms = found.groups()
        kind = next((k for m, pattern, k in SERVER_KINDS
                     if m == method and re.fullmatch(pattern, path)), None)
        if kind:
            times[kind].append(float(ms))
    return {kind: {"p50": round(statistics.median(v), 1), "p95": round(percentile(v, 95), 1)}
            for kind, v in times.items()}


def exceptions(log: str) -> list[str]:
    """The exception line that ends each traceback in the log (distinct, at most 5)."""
    found: list[str] = []
    lines = log.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = next((x for x in lines[n + 1:] if x and not x.startswith(" ")), "")
            if end not in found:
                found.append(end[:300])
    return found[:5]


def report(run: Run, seconds: float) -> dict:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in run.samples:
        by_kind[s.kind].append(s)
    order = [k for k, _ in READS] + [k for k, _ in SEARCHES] + [
        "post message", "answer points", "answer edit form", "answer edit"]
    rows = {}
    for kind in order + ["all"]:
        samples = run.samples if kind == "all" else by_kind.get(kind, [])
        if not samples:
            continue
        ms = [s.ms for s in samples]
        rows[kind] = {
            "count": len(samples),
            "rps": round(len(samples) / seconds, 2),
            "p50": round(statistics.median(ms), 1),
            "p95": round(percentile(ms, 95), 1),
            "p99": round(percentile(ms, 99), 1),
            "errors": sum(1 for s in samples if not s.ok),
        }
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get(
        "CONSULT_BENCH_POSTGRES_URL") or os.environ.get("CONSULT_TEST_POSTGRES_URL"))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--think", type=float, default=2.0,
                        help="think time before each request: uniform from 0 to this (s)")
    parser.add_argument("--settle", type=float, default=60,
                        help="seconds to wait for the search outbox to drain after the run")
    parser.add_argument("--warmup", type=float, default=10,
                        help="seconds of reading and searching before the clock starts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--installation", type=Path,
                        help="an instance folder with a generated installation (copied)")
    parser.add_argument("--prepared", action="store_true",
                        help="PostgreSQL: the database holds the installation already (e.g. "
                             "CREATE DATABASE ... TEMPLATE a generated one); --installation "
                             "is its instance folder (copied), nothing is dropped")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    args = parser.parse_args()
    if args.backend == "postgresql":
        if not args.database_url or not args.database_url.startswith("postgresql"):
            raise SystemExit("--backend postgresql needs --database-url (or "
                             "CONSULT_BENCH_POSTGRES_URL); its public schema is dropped")
        url = args.database_url
    else:
        url = None
    folder = Path(tempfile.mkdtemp(prefix="consult-load-"))
    instance = folder / "instance"
    url = url or f"sqlite:///{folder / 'load.sqlite3'}"
    log_path = folder / "gunicorn.log"
    print(f"{args.backend}: preparing {args.installation or 'the demo'} in {folder}",
          flush=True)
    if args.prepared and not (args.installation and url.startswith("postgresql")):
        raise SystemExit("--prepared needs --backend postgresql and --installation")
    demo_ids = prepare(url, instance, args.installation, args.prepared)
    server, port = start_gunicorn(url, instance, args.workers, args.threads, log_path)
    try:
        roles = [ROLE_CYCLE[n % len(ROLE_CYCLE)] for n in range(args.users)]
        args.secretary_seats = [n for n, r in enumerate(roles) if r == "secretary"]
        users = [User(port, role) for role in roles]
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(User.log_in, users))
        print(f"{len(users)} users logged in ({time.monotonic() - start:.1f} s); "
              f"{args.workers} workers x {args.threads} threads; think 0-{args.think} s; "
              f"running {args.seconds:g} s", flush=True)
        tag = "lt" + "".join(random.Random().choice("bcdfghjkmnpqrstvxz") for _ in range(6))
        run = Run(demo_ids, args, tag)
        if args.warmup:
            deadline = time.monotonic() + args.warmup
            threads = [threading.Thread(target=warm_up, args=(run, u, n, deadline))
                       for n, u in enumerate(users)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=simulate, args=(run, u, n, deadline))
                   for n, u in enumerate(users)]
        load_before = os.getloadavg()[0]
        # gunicorn.conf.py, when there, sends access lines to the main log instead.
        access_logs = [log_path, log_path.with_name("access.log")]
        access_from = [p.stat().st_size if p.exists() else 0 for p in access_logs]
        cpu_before = worker_cpu_seconds(server)
        own_before = time.process_time()
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        cpu = worker_cpu_seconds(server) - cpu_before
        own_cpu = time.process_time() - own_before
        lines = ""
        for path, offset in zip(access_logs, access_from, strict=True):
            if path.exists():
                with open(path, "rb") as f:
                    f.seek(offset)
                    lines += f.read().decode("utf-8", "replace")
        inside = server_times(lines)
        rows = report(run, elapsed)
        for kind, times in inside.items():
            if kind in rows:
                rows[kind]["server_p50"], rows[kind]["server_p95"] = times["p50"], times["p95"]
        load_after = os.getloadavg()[0]
        checks = verify(run, url, instance, port, args.settle)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # workers stuck in slow requests: do not hide why
            server.kill()
            server.wait()
    log = log_path.read_text(errors="replace")
    checks["gunicorn_tracebacks"] = log.count("Traceback")
    checks["gunicorn_worker_timeouts"] = log.count("WORKER TIMEOUT")
    checks["gunicorn_exceptions"] = exceptions(log)

    print(f"\n{args.backend}, {args.users} users, {elapsed:.1f} s, {args.workers} workers, "
          f"think 0-{args.think} s, {len(run.samples)} requests; workers' CPU {cpu:.1f} s "
          f"({1000 * cpu / max(1, len(run.samples)):.1f} ms a request), the simulated users' "
          f"{own_cpu:.1f} s; load average "
          f"{load_before:.1f} before, {load_after:.1f} after (2 cores, shared)")
    print(f"{'request':<18} {'count':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'errors':>6}   in a worker: p50 / p95 ms")
    for kind, r in rows.items():
        print(f"{kind:<18} {r['count']:>6} {r['rps']:>7.1f} {r['p50']:>7.1f} {r['p95']:>7.1f} "
              f"{r['p99']:>7.1f} {r['errors']:>6}   {r.get('server_p50', '')} / "
              f"{r.get('server_p95', '')}")
    m, a = checks["messages"], checks["answers"]
    print(f"\nmessages: posted {m['posted']}, in database {m['in_database']}, "
          f"findable {m['findable']}")
    print(f"answers: saved {a['saved']}, in database {a['in_database']}; current texts "
          f"{a['current_texts']}, in database {a['current_in_database']}, findable "
          f"{a['findable']} of {a['released']} released (drafts are not indexed)")
    print(f"outbox drained: {checks['outbox_drained']} ({checks['drain_seconds']} s), "
          f"index equals database: {checks['index_equals_database']}, "
          f"gunicorn tracebacks: {checks['gunicorn_tracebacks']}, "
          f"worker timeouts: {checks['gunicorn_worker_timeouts']}")
    for line in run.errors[:20]:
        print("error:", line)
    for line in checks["gunicorn_exceptions"]:
        print("gunicorn log:", line)
    slow = [k for k in PAGE_TYPES if k in rows and rows[k]["p95"] > 250]
    errors = sum(r["errors"] for k, r in rows.items() if k != "all") + run.conflicts
    lost = (m["posted"] - m["in_database"]) + (m["posted"] - m["findable"]) + (
        a["saved"] - a["in_database"]) + (a["current_texts"] - a["current_in_database"]) + (
        a["released"] - a["findable"])
    print(f"targets: errors {errors} (0; edit conflicts {run.conflicts}), lost writes {lost} "
          f"(0), pages/search over 250 ms p95: {', '.join(sorted(slow)) or 'none'}")
    result = {"backend": args.backend, "users": args.users, "seconds": round(elapsed, 1),
              "workers": args.workers, "threads": args.threads, "think": args.think,
              "requests": len(run.samples), "worker_cpu_s": round(cpu, 1),
              "cpu_ms_per_request": round(1000 * cpu / max(1, len(run.samples)), 1),
              "client_cpu_s": round(own_cpu, 1),
              "load_average": [round(load_before, 2), round(load_after, 2)], "rows": rows,
              "checks": checks, "errors": errors, "conflicts": run.conflicts,
              "lost_writes": lost, "slow": slow, "error_samples": run.errors[:50]}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    else:
        print("kept", folder)
    sys.exit(1 if errors or lost else 0)


if __name__ == "__main__":
    main()
