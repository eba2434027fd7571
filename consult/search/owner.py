"""Which machine owns the Whoosh index of a shared (PostgreSQL) database.

A Whoosh index lives in one machine's folder and follows the database through that machine's
outbox: a second app machine on the same database would apply the outbox to its own index,
and each machine would miss what the other applied, serving stale results without a word.
So the first machine to start names itself in ``search_state`` ("whoosh_owner": host name
and index folder), and any other machine refuses to start on that database with the Whoosh
backend (NotOwner), saying what to do: CONSULT_SEARCH_BACKEND=postgres for several machines,
or CONSULT_SEARCH_TAKE_OVER=1 on the machine that replaces the old one.

SQLite is one machine's file: no claim there.
"""

import socket
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from ..models import utcnow
from .tables import SearchState

OWNER = "whoosh_owner"


class NotOwner(RuntimeError):
    """Another machine's Whoosh index follows this database."""


def machine_id(root: Path) -> str:
    """This machine's index: '<host name>:<index folder>' (at most 200 characters)."""
    return f"{socket.gethostname()}:{Path(root).resolve()}"[-200:]


def claim(engine: Engine, root: Path, take_over: bool = False) -> str | None:
    """Name this machine the owner of the database's Whoosh index, unless another one is
    (raises NotOwner; ``take_over`` makes this one the owner instead). Returns the owner, or
    None where nothing is claimed (SQLite; a database not yet migrated or not reachable: the
    claim is made at the next start)."""
    if engine.dialect.name != "postgresql":
        return None
    me = machine_id(root)
    table = SearchState.__table__
    try:
        with engine.begin() as connection:
            connection.execute(postgresql.insert(table).values(
                name=OWNER, value=me, updated_at=utcnow()).on_conflict_do_nothing())
            owner = connection.execute(
                sa.select(table.c.value).where(table.c.name == OWNER).with_for_update()
            ).scalar_one()
            if owner != me and take_over:
                connection.execute(sa.update(table).where(table.c.name == OWNER).values(
                    value=me, updated_at=utcnow()))
                owner = me
    except sa.exc.DBAPIError:
        return None  # no search_state table yet (before `flask consult upgrade`), or no database
    if owner != me:
        raise NotOwner(
            f"The search index (Whoosh) of this database belongs to another machine ({owner}); "
            f"this one ({me}) would serve stale results. For several machines on one database "
            "set CONSULT_SEARCH_BACKEND=postgres on every machine; for a machine that replaces "
            "the old one, start it once with CONSULT_SEARCH_TAKE_OVER=1."
        )
    return owner
