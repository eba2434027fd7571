"""Fixtures: a real database per test (a fresh SQLite file, or a clean PostgreSQL schema)."""

import os
import signal
import sqlite3
from contextlib import closing, contextmanager

import pytest

# Before consult is imported: argon2's cheapest parameters for every password the suite hashes
# or checks, here and in every server and command it starts (they inherit the environment).
# consult/accounts.py says why; tests/test_accounts.py checks the default profile.
os.environ["CONSULT_TESTS_ONLY_CHEAP_PASSWORD_HASHES"] = "1"
# Every app the suite makes (thousands, each with a new Jinja environment) and every server it
# starts loads the templates compiled once, not compiling them again on its first pages
# (~0.3 s a test). One folder for the run, shared by the workers (config: TEMPLATE_CACHE_PATH).
if not os.environ.get("CONSULT_TEMPLATE_CACHE_PATH"):
    import tempfile

    os.environ["CONSULT_TEMPLATE_CACHE_PATH"] = tempfile.mkdtemp(prefix="consult-templates-")

from sqlalchemy import create_engine, make_url, text  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

from consult import create_app, demo  # noqa: E402
from consult.db import get_session  # noqa: E402

POSTGRES_ENV = "CONSULT_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def _own_postgres_database() -> None:
    """Under pytest-xdist each worker tests on a database of its own (``consult_test_gw0``...),
    created on first use; the environment then names it for everything the worker starts
    (gunicorn, the CLI), so no test reaches another worker's database."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get(POSTGRES_ENV)
    if not worker or not url or worker in url:
        return
    own = make_url(url).set(database=f"{make_url(url).database}_{worker}")
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                        {"n": own.database}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    os.environ[POSTGRES_ENV] = own.render_as_string(hide_password=False)


_own_postgres_database()


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema: every test starts from an empty database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def empty_database(backend: str, folder) -> str:
    """The URL of an empty database on the backend; PostgreSQL runs when its URL is given
    (always in CI, where a missing URL is a failure, not a skip)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'consult.sqlite3'}"
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"PostgreSQL: set {POSTGRES_ENV} (make test does it for you)")
    reset_postgres(url)
    return url


# The demo is loaded once per backend and session into a template, and each test that wants
# it gets a copy: loading takes 0.8-1.5 s (plus 0.3 s for the schema on PostgreSQL), copying
# 0.01 s (SQLite) / 0.25 s (PostgreSQL); some 1,200 tests start from the demo.
_DEMO_TEMPLATES: dict[str, str] = {}


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _copy_sqlite(source: str, target: str) -> None:
    """The online-backup API: a consistent copy whatever the journal (WAL) holds."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _create_from(url: str, name: str, template: str) -> None:
    """Drop database ``name`` (closing what still connects to it), then create it as a copy
    of ``template``. A copy needs the template to itself: sessions that an earlier test's app
    left open on it (a search thread's, after its engine was disposed) are ended first."""
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :t AND pid <> pg_backend_pid()"), {"t": template})
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine.dispose()


def _build_demo_template(backend: str, url: str, tmp_path_factory) -> str:
    """Load the demo into the empty database at ``url`` and keep a template of it: a file
    (SQLite) or a template database (PostgreSQL)."""
    folder = tmp_path_factory.mktemp("demo-template")
    app = make_app(url, folder)
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    app.extensions["consult.engine"].dispose()
    name = make_url(url).database
    if backend == "sqlite":
        template = str(folder / "demo.sqlite3")
        _copy_sqlite(name, template)
    else:
        template = f"{name}_demo_template"
        _create_from(url, template, name)
    return template


def _copy_of(url: str, template: str) -> None:
    """Make the database at ``url`` a copy of a template (_build_demo_template's kind)."""
    if url.startswith("sqlite"):
        _copy_sqlite(template, make_url(url).database)
    else:
        _create_from(url, make_url(url).database, template)


def demo_database(backend: str, folder, tmp_path_factory) -> str:
    """The URL of a database holding the demo (a copy of the session's template)."""
    template = _DEMO_TEMPLATES.get(backend)
    if template is None:
        url = empty_database(backend, folder)
        _DEMO_TEMPLATES[backend] = _build_demo_template(backend, url, tmp_path_factory)
    else:
        url = (f"sqlite:///{folder / 'consult.sqlite3'}" if backend == "sqlite"
               else os.environ[POSTGRES_ENV])  # set: the template was made on it
        _copy_of(url, template)
    return url


def _wants_demo(request) -> bool:
    return "demo_app" in request.fixturenames


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, tmp_path_factory):
    """An empty database on each backend, per test; the demo's, when the test wants the demo."""
    if _wants_demo(request):
        return demo_database(request.param, tmp_path, tmp_path_factory)
    return empty_database(request.param, tmp_path)


def make_app(database_url: str, tmp_path, create_schema: bool = True, **extra):
    """An app on the given database, by default with the schema created from the models."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "SESSION_COOKIE_SECURE": False,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            # The index is exercised by the search tests ("inline"); other tests only record
            # the outbox.
            "SEARCH_MODE": "off",
            **extra,
        }
    )
    if create_schema:
        SQLModel.metadata.create_all(app.extensions["consult.engine"])
    _APPS.append(app)
    return app


_APPS: list = []  # every app a test made: its engine is disposed when the test ends


@pytest.fixture(autouse=True)
def _dispose_engines():
    """Close the pooled connections of every app the test made (some tests use an app after
    disposing it once, which opens new ones): a connection left to the garbage collector warns
    (ResourceWarning, an error here) in whichever later test the collection happens to run."""
    yield
    while _APPS:
        _APPS.pop().extensions["consult.engine"].dispose()


# The demo indexed (SEARCH_MODE "inline"), kept once per database engine and search backend
# and session like the demo itself: the database as a template, and the Whoosh index folder
# that follows it. Loading and indexing takes 4-5 s; a copy of both ~0.3 s.
_INDEXED_TEMPLATES: dict[tuple[str, str], tuple[str, object]] = {}


def _load_indexed(database_url: str, folder, **config):
    """An app on this empty database with the demo loaded and indexed as it was written."""
    from consult import search

    app = make_app(database_url, folder, SEARCH_MODE="inline", **config)
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    assert search.service(app).wait_until_applied()
    return app


def _build_indexed_template(database_url: str, backend: str):
    """Load and index the demo in a folder of its own; keep the database as a template (the
    Whoosh index's owner forgotten, so a copy's app claims it afresh) and the index folder."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="consult-indexed-demo-"))
    app = _load_indexed(database_url, folder, SEARCH_BACKEND=backend)
    engine = app.extensions["consult.engine"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM search_state WHERE name = 'whoosh_owner'"))
    engine.dispose()
    name = make_url(database_url).database
    if database_url.startswith("sqlite"):
        template = str(folder / "indexed.sqlite3")
        _copy_sqlite(name, template)
    else:
        template = f"{name}_indexed_{backend}_template"
        _create_from(database_url, template, name)
    index = folder / "index"  # none for the PostgreSQL backend (its index is a table)
    if (folder / "instance" / "search").exists():
        shutil.copytree(folder / "instance" / "search", index)
    return template, index


@contextmanager
def indexed_demo(database_url: str, folder, **config):
    """The demo on this (empty) database, indexed as it is written (SEARCH_MODE "inline"):
    yields the app once the index has caught up, and disposes its engine afterwards. With no
    config but SEARCH_BACKEND, a copy of the session's indexed demo (database and index)."""
    import shutil

    if set(config) - {"SEARCH_BACKEND"}:
        app = _load_indexed(database_url, folder, **config)
    else:
        backend = config.get("SEARCH_BACKEND", "whoosh")
        key = (make_url(database_url).get_backend_name(), backend)
        if key not in _INDEXED_TEMPLATES:
            _INDEXED_TEMPLATES[key] = _build_indexed_template(database_url, backend)
        template, index = _INDEXED_TEMPLATES[key]
        _copy_of(database_url, template)
        if index.exists():
            shutil.copytree(index, folder / "instance" / "search")
        app = make_app(database_url, folder, create_schema=False, SEARCH_MODE="inline",
                       **config)
    try:
        yield app
    finally:
        app.extensions["consult.engine"].dispose()


@pytest.fixture
def app(request, database_url, tmp_path):
    """An app on an empty database (on the demo's, when the test wants the demo)."""
    app = make_app(database_url, tmp_path, create_schema=not _wants_demo(request))
    yield app
    app.extensions["consult.engine"].dispose()


@pytest.fixture
def demo_app(app):
    """An app with the 2016 Holland Rijnland consultation loaded: a copy of the demo loaded
    once per session, so the same rows, ids and timestamps for every test of a run."""
    return app


def answer_an_open_point(app, slug: str = "holland-rijnland-jeugdhulp-2016") -> None:
    """The secretariat answers ("adopted") the first point of the consultation that has no
    answer yet, and commits: its figures (progress, tallies, dashboard) change."""
    from consult.models import Consultation

    with app.app_context():
        session = get_session()
        answer_first_open_point(session, session.exec(
            select(Consultation).where(Consultation.slug == slug)).one())
        session.commit()


def answer_first_open_point(session, consultation, body: str = "Alsnog beantwoord.") -> None:
    """Answer ("adopted") the consultation's first point without an answer, in the session's
    transaction (flushed, not committed)."""
    from consult import followup, processing
    from consult.models import Point

    point = next(p.point for p in followup.consultation_points(session, consultation)
                 if not p.answers)
    processing.answer(session, None, consultation, [session.get(Point, point.id)], [], body,
                      "adopted")
    session.flush()


def take_steps(app, *steps, slug: str = "holland-rijnland-jeugdhulp-2016") -> None:
    """Take lifecycle steps on a consultation as the admin would (consult/lifecycle), e.g.
    take_steps(app, "unpublish", "undo_decision", "reopen") makes the published demo open;
    the decision is a tuple: ("decide", "PHO Jeugdhulp", "2015-12-16")."""
    from consult.lifecycle import take_step
    from consult.models import Consultation

    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        for step in steps:
            name, *decision = (step,) if isinstance(step, str) else step
            take_step(session, None, consultation, name, None, *decision)
        session.commit()


def everything_unseen(app, role: str = "secretary") -> None:
    """The demo user of ``role`` opened every thread before anything was written in it: each
    entry since is new to them (Nieuw lists every thread that concerns them)."""
    from consult.models import Point, ThreadVisit, User

    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.role == role)).first()
        for point_id in session.exec(select(Point.id)).all():
            session.add(ThreadVisit(user_id=user.id, point_id=point_id, seen_message_id=0))
        session.commit()


def unpublish(app) -> None:
    """Take the (only) consultation off the public web: members only from now on."""
    take_steps(app, "unpublish")


def reopen(app) -> None:
    """Make the published demo open for reactions again (advisory boards can draft)."""
    take_steps(app, "unpublish", "undo_decision", "reopen")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def session(app):
    """A session on the test database (closed after the test)."""
    with Session(app.extensions["consult.engine"]) as s:
        yield s


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- acting as a user -------------------------------------------------------------

DEMO_PASSWORDS = {
    "secretary": ("secretaris@consult.example", "demo-secretaris-2016"),
    "admin": ("beheer@consult.example", "demo-beheer-2016"),
    "councillor": ("raadslid@consult.example", "demo-raadslid-2016"),
    "advisory_member": ("adviesraad@consult.example", "demo-adviesraad-2016"),
    "viewer": ("lezer@consult.example", "demo-lezer-2016"),
}


def csrf_token(client) -> str:
    """The CSRF token the pages hand out (from the htmx headers on <body>)."""
    import re

    html = client.get("/").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


class Actor:
    """A test client logged in as one of the demo users, posting like the pages do."""

    def __init__(self, client, role: str | None):
        self.client = client
        self.role = role
        if role:
            email, password = DEMO_PASSWORDS[role]
            token = csrf_token(client)
            response = client.post(
                "/inloggen", data={"email": email, "password": password, "csrf_token": token}
            )
            assert response.status_code == 303, response.get_data(as_text=True)
        self.token = csrf_token(client)

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def hx_get(self, url, **kw):
        return self.client.get(url, headers={"HX-Request": "true"}, **kw)

    def hx_post(self, url, data=None, **kw):
        """A POST as htmx sends it: CSRF token in the header."""
        return self.client.post(
            url, data=data or {}, headers={"HX-Request": "true", "X-CSRFToken": self.token}, **kw
        )

    def open_page(self, url, **kw):
        """GET a page as the browser shows it: then send the POSTs it makes once on screen
        (its "seen" markers, hx-trigger="load"), as htmx would. Returns the page's response."""
        import html as html_lib
        import json
        import re

        page = self.client.get(url, **kw)
        for match in re.finditer(r'<div class="seen-marker" hx-post="([^"]+)" '
                                 r"hx-vals='([^']*)'", page.get_data(as_text=True)):
            target, values = html_lib.unescape(match.group(1)), json.loads(match.group(2))
            assert self.hx_post(target, values).status_code == 200
        return page

    def form_post(self, url, data=None, **kw):
        """A POST as a plain form sends it: CSRF token as a field."""
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw)


@pytest.fixture
def as_role(demo_app):
    """as_role("secretary") -> an Actor with its own client (cookies) on the demo app."""
    return lambda role: Actor(demo_app.test_client(), role)


# --- time bounds ----------------------------------------------------------------------


@contextmanager
def time_limit(seconds: float, what: str = "this"):
    """Fail the test when the block runs longer than ``seconds`` (wall clock), interrupting it
    then: on slow (old) code a time-bound test fails in seconds, not after minutes of CPU.
    Main thread only (a SIGALRM timer)."""

    def _expired(_signum, _frame):
        raise _Interrupted  # not an Exception: no ``except Exception`` on the way swallows it

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Interrupted:
        # A fresh exception from here: the interrupted frames can lack line numbers, which
        # breaks pytest's report.
        raise TimeLimitExceeded(f"{what} took more than {seconds} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Interrupted(BaseException):
    """Raised by the timer inside a ``time_limit`` block."""


class TimeLimitExceeded(AssertionError):
    """A ``time_limit`` block ran out of time."""
