"""The engine, a session per request, and Alembic upgrades."""

import json
import os
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import (
    ARRAY,
    Boolean,
    Integer,
    String,
    TypeDecorator,
    bindparam,
    event,
    func,
    inspect,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, create_engine

from .cleantext import clean_value

# Beside the package in a checkout, inside it in an installed wheel (consult.packaged).
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
if not MIGRATIONS_DIR.is_dir():
    MIGRATIONS_DIR = MIGRATIONS_DIR.parent.parent / "migrations"


# SQLite's page cache per connection (MiB; its default is 2) and how much of the database
# file it reads through a memory map (MiB; default 0: every page read is a read() call into a
# private copy). At 120k points the file is ~730 MB; a page that follows a council's 1,569
# points through their messages touches more pages than 2 MiB hold, and read them again from
# the operating system on every request: "Nieuw"'s main query 9.8 ms, 3.4 ms mapped (measured
# on bench/scale_data.py's installation). The map shares the operating system's page cache
# between connections and processes, so it costs address space, not memory per connection.
# SQLite's documentation (mmap.html): an I/O error on a mapped file ends the process instead
# of returning an error; CONSULT_SQLITE_MMAP_MB=0 turns it off.
SQLITE_CACHE_MB_ENV = "CONSULT_SQLITE_CACHE_MB"
SQLITE_MMAP_MB_ENV = "CONSULT_SQLITE_MMAP_MB"
SQLITE_CACHE_MB = 16
SQLITE_MMAP_MB = 1024


def _mebibytes(name: str, default: int, largest: int) -> int:
    """A size in MiB from environment variable ``name`` (a whole number from 0 to ``largest``,
    ASCII digits), else ``default``. Raises ValueError naming the variable otherwise."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > largest:
        raise ValueError(f"{name} must be a whole number of MiB from 0 to {largest}, "
                         f"not {raw!r}")
    return int(raw)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout, a page cache of
    CONSULT_SQLITE_CACHE_MB (16) MiB and a memory map of CONSULT_SQLITE_MMAP_MB (1024) MiB on
    every connection; PostgreSQL connections run without JIT compilation.
    Raises ValueError for a size that is not a whole number of MiB."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})
        # SQLite keeps the cache size in a 32-bit number of KiB (a larger one wrapped around
        # to no cache at all) and maps at most SQLITE_MAX_MMAP_SIZE (~2 GiB in most builds).
        cache_kib = _mebibytes(SQLITE_CACHE_MB_ENV, SQLITE_CACHE_MB, 65_536) * 1024
        mmap_bytes = _mebibytes(SQLITE_MMAP_MB_ENV, SQLITE_MMAP_MB, 1_048_576) * 1024 * 1024

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.execute("PRAGMA synchronous=NORMAL")
            if cache_kib:  # negative: a size in KiB, not a number of pages
                cur.execute(f"PRAGMA cache_size=-{cache_kib:d}")
            cur.execute(f"PRAGMA mmap_size={mmap_bytes:d}")
            cur.close()

        return engine
    # No JIT: PostgreSQL compiles a query whose estimated cost passes jit_above_cost (100,000),
    # which a dashboard aggregate over a 10,000-point consultation does; compiling costs more
    # than the query (PostgreSQL's docs: JIT pays off for long analytical queries, not for
    # short OLTP ones).
    return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db" not in g:
        g.db = Session(current_app.extensions["consult.engine"], expire_on_commit=False)
    return g.db


def _close_session(exc):
    """Roll back on error and always close the request's session."""
    session = g.pop("db", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def alembic_config(url: str):
    """An Alembic config pointing at migrations/ and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database schema up to the given revision."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def kept(flag):
    """``flag = false``: the row's ``archived`` flag (never NULL) is off.

    The one way every query says "not archived". The big tables (point, reaction, response,
    message, landing) have no index on ``archived`` alone since migration 0024, so no planner
    can walk "every live row of the installation" through one; the flag sits second in their
    composite indexes (``ix_point_reaction_live``, ``ix_response_reaction_live``...), which a
    plain equality uses as a prefix and for the order after it."""
    return flag == sa_false()


class unindexed(ColumnElement):  # noqa: N801 - used like a function: unindexed(Column)
    """The column, hidden from SQLite's index choice: on SQLite ``coalesce(c, c)`` (the same
    value, no index serves it), elsewhere the plain column.

    A hint for SQLite, whose planner (with or without statistics) drives some queries through
    a low-selectivity index (a status, a whole consultation) instead of the selective one, e.g.
    "Nieuw" for the secretariat: 86 ms with the hint, 193 ms without at 120k points. The same
    expression blinded PostgreSQL's estimates (one row expected; a parallel plan): 309 ms
    there with it, 60 ms without; so PostgreSQL gets the column. For the archived flags use
    ``kept``."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(unindexed)
def _unindexed_plain(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return compiler.process(func.coalesce(element.column, element.column), **kw)


class IdList(TypeDecorator):
    """A list of integer ids as one bound parameter: a JSON array on SQLite (read back by
    ``json_each``), an integer array on PostgreSQL. See ``among``."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Integer))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value, dialect):
        ids = [int(i) for i in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class among(ColumnElement):  # noqa: N801 - used like a function: among(Column, ids)
    """``column IN ids`` with the ids bound as one parameter: SQLite ``column IN (SELECT value
    FROM json_each(?))``, PostgreSQL ``column = ANY(?)``.

    For a list of ids a request already holds (kept between requests, e.g. a reader's points
    of interest): SQLAlchemy's ``in_()`` renders and binds one parameter per id on every
    execution, 5 ms of Python for 1,569 ids, more than the query itself; this one is compiled
    once (the statement cache ignores the value) and bound once. SQLite's planner still
    probes the column's index per id (``LIST SUBQUERY`` over ``json_each``)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, ids):
        """``ids``: the ids, or a bound parameter of type IdList (a statement built once)."""
        self.column = column
        self.ids = ids if isinstance(ids, BindParameter) else bindparam(None, list(ids),
                                                                        type_=IdList())

    def self_group(self, against=None):
        """Already a condition: no ``= 1`` where SQLite has no boolean type."""
        return self


@compiles(among)
def _among_any(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"


@compiles(among, "sqlite")
def _among_sqlite(element, compiler, **kw):
    return (f"{compiler.process(element.column, **kw)} IN "
            f"(SELECT value FROM json_each({compiler.process(element.ids, **kw)}))")


def analyze(engine: Engine) -> None:
    """Refresh the query planner's statistics (``ANALYZE``; SQLite keeps none until asked, and
    then chooses indexes by their shape alone). Seconds at 100k points; run after migrating
    and after large imports."""
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def clean_before_flush(session, _context, _instances) -> None:
    """Strip control characters from every text written through the ORM: the one place all
    input passes, whichever form, import or operation it came from (see cleantext). New rows
    are cleaned whole; changed rows only in the attributes that changed."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        changed = state.dict.keys() if state.pending else state.committed_state.keys()
        for key in changed & state.mapper.column_attrs.keys():
            value = state.dict.get(key)
            if isinstance(value, str | list | dict):
                cleaned = clean_value(value)
                if cleaned != value:
                    setattr(obj, key, cleaned)


def init_app(app: Flask) -> None:
    """Create the engine once, register the session teardown and the input cleaning."""
    if not event.contains(OrmSession, "before_flush", clean_before_flush):
        event.listen(OrmSession, "before_flush", clean_before_flush)
    app.extensions["consult.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)
