"""What a request costs in the database, measured without a clock (issue 15).

- ``statements(app)``: every SQL statement the app's engine runs inside the block, as
  ``Statement(sql, params)``; ``.selects``, ``.writes`` and ``.widest`` (the most bound
  parameters of one statement) summarise them.
- ``vm_steps(app)``: SQLite only; the number of virtual-machine instructions (in units of 100,
  through ``sqlite3.Connection.set_progress_handler``) the statements in the block ran. It does
  not depend on the machine's speed or load, so "this page costs the same with 5,000 more points
  elsewhere in the installation" is a deterministic test.
- ``plans(app, recorded)``: the query plan of every recorded SELECT; ``full_scans(...)`` the
  tables a plan reads whole (SQLite ``SCAN t`` without an index or ``BLOOM FILTER ON t``;
  PostgreSQL ``Seq Scan``).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event


@dataclass
class Statement:
    sql: str
    params: object

    @property
    def width(self) -> int:
        """How many parameters the statement binds (a list of rows counts its first row)."""
        p = self.params
        if isinstance(p, (list, tuple)) and p and isinstance(p[0], (list, tuple, dict)):
            p = p[0]
        return len(p) if isinstance(p, (list, tuple, dict)) else 0


@dataclass
class Recorded:
    all: list[Statement] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.all)

    @property
    def selects(self) -> list[Statement]:
        return [s for s in self.all if s.sql.lstrip().upper().startswith(("SELECT", "WITH"))]

    @property
    def writes(self) -> list[Statement]:
        return [s for s in self.all
                if s.sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]

    @property
    def widest(self) -> int:
        return max((s.width for s in self.all), default=0)


@contextmanager
def statements(app):
    """Record every statement of the app's engine run inside the block."""
    engine = app.extensions["consult.engine"]
    found = Recorded()

    def remember(_conn, _cursor, sql, params, _context, _many):
        found.all.append(Statement(sql, params))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", remember)


class Steps:
    count = 0


@contextmanager
def vm_steps(app):
    """Count SQLite VM instructions (hundreds) of every connection used inside the block.

    Connections already in the pool are hooked when checked out; the handler is removed at
    the end. Raises RuntimeError on another engine than SQLite."""
    engine = app.extensions["consult.engine"]
    if engine.dialect.name != "sqlite":
        raise RuntimeError("vm_steps counts SQLite instructions only")
    found = Steps()
    hooked = []

    def tick():
        found.count += 1
        return 0

    def checkout(dbapi_connection, _record, _proxy):
        # A connection's first statement reads the schema, which costs steps that have nothing
        # to do with the page (the pool hands out its connections in turn): read it first.
        dbapi_connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
        dbapi_connection.set_progress_handler(tick, 100)
        hooked.append(dbapi_connection)

    event.listen(engine, "checkout", checkout)
    try:
        yield found
    finally:
        event.remove(engine, "checkout", checkout)
        for connection in hooked:
            try:
                connection.set_progress_handler(None, 0)
            except Exception:  # noqa: BLE001 - a closed connection has no handler left
                pass


_SQLITE_SCAN = re.compile(r"\bSCAN (\w+)(?! USING (?:COVERING )?INDEX)(?!.*USING)")


def plans(app, recorded: Recorded) -> list[tuple[str, str]]:
    """(sql, plan text) for every recorded SELECT, re-run under EXPLAIN (QUERY PLAN)."""
    engine = app.extensions["consult.engine"]
    out = []
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for s in recorded.selects:
            if engine.dialect.name == "sqlite":
                rows = raw.execute("EXPLAIN QUERY PLAN " + s.sql, s.params or ()).fetchall()
                out.append((s.sql, "\n".join(str(r[-1]) for r in rows)))
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")
                rows = conn.exec_driver_sql("EXPLAIN " + s.sql, s.params or ()).fetchall()
                out.append((s.sql, "\n".join(r[0] for r in rows)))
    return out


_SQLITE_BLOOM = re.compile(r"\bBLOOM FILTER ON (\w+)")


def full_scans(found: list[tuple[str, str]], tables: set[str]) -> list[tuple[str, str]]:
    """The (table, sql) pairs of plans that read one of ``tables`` whole: a scan without an
    index, or (SQLite 3.38+) a Bloom filter, which is built by reading every row of its table
    before the join starts (a LIMIT does not stop it)."""
    bad = []
    for sql, plan in found:
        for line in plan.splitlines():
            m = (_SQLITE_SCAN.search(line) or _SQLITE_BLOOM.search(line)
                 or re.search(r"Seq Scan on (\w+)", line))
            if m and m.group(1) in tables:
                bad.append((m.group(1), sql))
    return bad


__all__ = ["statements", "vm_steps", "plans", "full_scans", "Recorded", "Statement"]
