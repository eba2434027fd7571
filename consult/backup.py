"""A whole instance in one archive (database, uploads, each consultation as JSON) and back.

The archive is a .tar.gz with ``database/<table>.jsonl`` (every row of every table, one JSON
object a line, read inside one snapshot transaction), ``uploads/<stored name>`` (the uploaded
originals and document versions, from whichever file store consult/files.py keeps them in),
``exports/<slug>.json (each consultation as ``consult/archive.py`` writes it, to
read or exchange) and, last, ``manifest.json``: the format, the schema revision, the backend,
the columns and row count of every table and the sha256 of every other member. Values are
written backend-neutrally (times as ISO in UTC, dates ISO, JSON as JSON), so a
SQLite backup restores into PostgreSQL and back. The search outbox is left out: it is
transient, and a restore rebuilds the index from the rows. So are the stored HTML columns
(consult/rendered.py): HTML is never taken from a file; a restore renders it from the texts.
"""

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .files import DatabaseFiles, Files, Missing
from .models import aware
from .rendered import HTML_COLUMNS

FORMAT = "consult-backup"
VERSION = 1
MANIFEST = "manifest.json"
# Never copied: Alembic's own bookkeeping (the restore sets it by migrating), the search
# outbox (what it points at is rebuilt from the rows anyway) and login sessions (a restored
# instance signs cookies with a key of its own: everybody logs in again).
# The stored files' table is left out too: its uploads are the archive's uploads/ members
# (a restore puts them into whichever store the target uses).
LEFT_OUT = ("alembic_version", "searchoutbox", "loginsession", "search_document",
            "search_state", "storedfile")  # the search table is rebuilt after a restore
BATCH = 1000
_MEMBER = re.compile(
    r"^(manifest\.json|database/[A-Za-z0-9_]+\.jsonl|exports/[A-Za-z0-9_.-]+\.json"
    r"|uploads/[A-Za-z0-9_.-]+)$"
)

Progress = Callable[[int, int], None]
"""``progress(steps_done_now, total_steps)``: called as rows and files are handled."""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the user (in Dutch)."""


def archive_path(path: Path, now: datetime | None = None) -> Path:
    """PATH itself when it names a .tar.gz, otherwise a time-stamped archive in the folder PATH."""
    if path.name.endswith(".tar.gz"):
        return path
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return path / f"consult-backup-{stamp}.tar.gz"


# --- values ---------------------------------------------------------------------------------


def column_kind(column: sa.Column) -> str:
    """How a column's values are written: datetime, date, json or plain."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return "datetime"
    if isinstance(kind, sa.Date):
        return "date"
    if isinstance(kind, sa.JSON):
        return "json"
    return "plain"


def _encode(value, kind: str):
    """A stored value as JSON; times are UTC (SQLite hands them back naive, stored as UTC)."""
    if value is None:
        return None
    if kind == "datetime":
        return aware(value).astimezone(UTC).isoformat()
    if kind == "date":
        return value.isoformat()
    return value


def _decode(value, kind: str):
    """The JSON value back as what the column takes (any other kind as it is)."""
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


# --- writing --------------------------------------------------------------------------------


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that reads one consistent state of the database without blocking writers.

    SQLite (WAL): an explicit BEGIN, so that every SELECT on this connection reads the state
    of the first one (Python's sqlite3 would otherwise run each SELECT on its own).
    PostgreSQL: a REPEATABLE READ, READ ONLY transaction: one snapshot for all statements."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
        elif conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            yield conn
        finally:
            conn.rollback()


def current_revision(conn: Connection) -> str | None:
    """The Alembic revision the database is at (None when it was never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _scripts():
    """The migrations this version of consult knows."""
    from alembic.script import ScriptDirectory

    from .db import alembic_config

    return ScriptDirectory.from_config(alembic_config(""))


class _HashedFile:
    """A file written (or read) while its sha256 and size are counted."""

    def __init__(self, raw):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.raw.write(data)

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data

    def entry(self) -> dict:
        return {"sha256": self.sha.hexdigest(), "size": self.size}


def write(engine: Engine, files: Files, target: Path,
          progress: Progress | None = None) -> dict:
    """Write the archive to ``target`` (via ``target.partial``, renamed when complete) and
    return its manifest. The database is read in one snapshot; the uploads are copied after
    it, so every upload a row of the snapshot names is there (uploads are never changed)."""
    progress = progress or (lambda _n, _total: None)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".consult-backup-", dir=target.parent))
    except OSError as exc:
        raise BackupError(f"Kan de map {target.parent} niet gebruiken: {exc.strerror}.") from exc
    partial = target.with_name(target.name + ".partial")
    try:
        uploads = _upload_names(files)
        manifest, members = _dump_database(engine, staging, len(uploads), progress)
        uploads = _upload_names(files)  # and any that arrived meanwhile
        named = set(_stored_names(staging))
        manifest["uploads"] = {"files": len(uploads), "missing": sorted(named - set(uploads))}
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            for name in sorted(members):
                tar.add(staging / name, arcname=name, recursive=False)
            for stored in uploads:
                try:
                    data = files.read("uploads", stored)
                except Missing:  # named a moment ago, removed by hand since
                    continue
                name = f"uploads/{stored}"
                hashed = _HashedFile(io.BytesIO(data))
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                tar.addfile(info, hashed)
                members[name] = hashed.entry()
                progress(1, 0)
            manifest["files"] = members
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Kan {target} niet schrijven: {exc.strerror or exc}.") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _upload_names(files: Files) -> list[str]:
    """The stored name of every upload in the store, sorted."""
    return [name for name in files.names("uploads") if _MEMBER.match(f"uploads/{name}")]


def _stored_names(staging: Path) -> Iterator[str]:
    """The stored names the snapshot's attachment and document version rows refer to."""
    for table in ("attachment", "documentversion"):
        path = staging / "database" / f"{table}.jsonl"
        if path.exists():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    name = json.loads(line).get("stored_name")
                    if name:
                        yield name


def _dump_database(engine: Engine, staging: Path, uploads: int,
                   progress: Progress) -> tuple[dict, dict]:
    """Every table's rows (and each consultation as JSON) from one snapshot into ``staging``."""
    files: dict[str, dict] = {}
    (staging / "database").mkdir()
    with snapshot(engine) as conn:
        revision = current_revision(conn)  # the first read: it fixes the snapshot
        if revision is None:
            raise BackupError("De database heeft geen schemaversie; voer eerst "
                              "`flask consult upgrade` uit.")
        meta = sa.MetaData()
        meta.reflect(conn)
        tables = [t for t in meta.sorted_tables if t.name not in LEFT_OUT]
        counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                  for t in tables}
        total = sum(counts.values()) + uploads
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "revision": revision,
            "created_at": datetime.now(UTC).isoformat(),
            "backend": conn.dialect.name,
            "left_out": list(LEFT_OUT),
            "tables": {},
        }
        for table in tables:
            name = f"database/{table.name}.jsonl"
            columns = [c for c in table.columns if (table.name, c.name) not in HTML_COLUMNS]
            kinds = {c.name: column_kind(c) for c in columns}
            order = list(table.primary_key.columns) or columns
            with (staging / name).open("wb") as raw:
                out = _HashedFile(raw)
                result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
                    sa.select(*columns).order_by(*order)
                )
                for part in result.partitions():
                    lines = [
                        json.dumps({k: _encode(v, kinds[k])
                                    for k, v in zip(kinds, row, strict=True)}, ensure_ascii=False)
                        for row in part
                    ]
                    out.write(("\n".join(lines) + "\n").encode("utf-8"))
                    progress(len(part), total)
            files[name] = out.entry()
            manifest["tables"][table.name] = {"rows": counts[table.name], "columns": kinds}
        manifest["exports"] = _export_consultations(conn, staging, revision, files)
    return manifest, files


def _export_consultations(conn: Connection, staging: Path, revision: str,
                          files: dict) -> list[str]:
    """Each consultation as ``consult/archive.py`` writes it (only when the database is at the
    revision the models describe). Read last: the session shares the snapshot's connection."""
    from sqlmodel import Session, select

    from . import archive
    from .models import Consultation

    if revision != _scripts().get_current_head():
        return []
    (staging / "exports").mkdir()
    written = []
    with Session(bind=conn, autoflush=False) as session:
        for consultation in session.exec(select(Consultation).order_by(Consultation.id)).all():
            name = f"exports/{consultation.slug}.json"
            data = archive.dumps(archive.export(session, consultation)).encode("utf-8")
            with (staging / name).open("wb") as raw:
                out = _HashedFile(raw)
                out.write(data)
            files[name] = out.entry()
            written.append(name)
    return written


# --- restoring ------------------------------------------------------------------------------


def row_count(manifest: dict) -> int:
    """The rows of all tables in the archive the manifest describes."""
    return sum(t["rows"] for t in manifest["tables"].values())


@dataclass
class Unpacked:
    """An archive whose members were extracted into ``folder`` and checked against its manifest."""

    manifest: dict
    folder: Path

    @property
    def rows(self) -> int:
        return row_count(self.manifest)

    @property
    def uploads(self) -> list[Path]:
        return sorted((self.folder / "uploads").glob("*"))


def unpack(archive: Path, folder: Path) -> Unpacked:
    """Extract the archive into ``folder``, checking every member's name, size and sha256
    against the manifest, and the format and schema revision against this version of consult."""
    seen: dict[str, dict] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if not member.isfile() or not _MEMBER.match(member.name):
                    raise BackupError(f"Onverwacht bestand in het archief: {member.name}.")
                dest = folder / member.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, dest.open("wb") as raw:
                    out = _HashedFile(raw)
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                seen[member.name] = out.entry()
    except FileNotFoundError as exc:
        raise BackupError(f"Het archief {archive} bestaat niet.") from exc
    except IsADirectoryError as exc:
        raise BackupError(f"{archive} is een map, geen archief.") from exc
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"Het archief {archive} is beschadigd of onvolledig ({exc}).") from exc
    if MANIFEST not in seen:
        raise BackupError(f"Het archief {archive} is onvolledig: manifest.json ontbreekt.")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError("Het archief is beschadigd: manifest.json is geen geldige JSON.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is geen back-up van consult.")
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise BackupError(f"Deze back-up heeft formaat {manifest.get('version')}; deze versie "
                          f"van consult leest tot en met formaat {VERSION}. Werk consult bij.")
    files = manifest.get("files", {})
    for name, entry in files.items():
        if name not in seen:
            raise BackupError(f"Het archief is onvolledig: {name} ontbreekt.")
        if seen[name] != entry:
            raise BackupError(f"Het archief is beschadigd: {name} klopt niet met de "
                              "controlesom in het manifest.")
    extra = sorted(set(seen) - set(files) - {MANIFEST})
    if extra:
        raise BackupError(f"Onverwacht bestand in het archief: {extra[0]}.")
    for table in manifest["tables"]:
        if f"database/{table}.jsonl" not in files:
            raise BackupError(f"Het archief is onvolledig: de tabel {table} ontbreekt.")
    try:
        _scripts().get_revision(manifest["revision"])
    except Exception as exc:  # alembic raises several kinds for an unknown revision
        raise BackupError(
            f"Deze back-up komt van een nieuwere databaseversie ({manifest['revision']}) dan "
            "deze versie van consult kent. Werk consult eerst bij."
        ) from exc
    return Unpacked(manifest, folder)


def tables_with_rows(engine: Engine) -> list[str]:
    """The tables of the database that hold rows (the outbox and Alembic's table aside)."""
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return [
            name for name in sorted(names)
            if name not in LEFT_OUT
            and conn.execute(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)).first()
        ]


def prepare_schema(engine: Engine, url: str, revision: str) -> None:
    """Bring an empty database to the backup's revision (down, if it was migrated further)."""
    from alembic import command

    from . import db
    from .db import alembic_config

    with engine.connect() as conn:
        current = current_revision(conn)
    if current == revision:
        return
    if current is not None:
        older = {s.revision for s in _scripts().iterate_revisions(current, "base")}
        if revision in older:
            command.downgrade(alembic_config(url), revision)
            return
    db.upgrade(url, revision)


def load(conn: Connection, unpacked: Unpacked, progress: Progress | None = None) -> int:
    """Insert every row of the archive, table by table in foreign-key order, on ``conn`` (the
    caller commits once); then move PostgreSQL's sequences past the highest ids."""
    progress = progress or (lambda _n, _total: None)
    meta = sa.MetaData()
    meta.reflect(conn)
    total = unpacked.rows + len(unpacked.uploads)
    inserted = 0
    for name, info in unpacked.manifest["tables"].items():
        table = meta.tables.get(name)
        if table is None:
            raise BackupError(f"De tabel {name} uit de back-up bestaat niet in deze database.")
        kinds = info["columns"]
        unknown = sorted(set(kinds) - set(table.columns.keys()))
        if unknown:
            raise BackupError(f"De kolom {name}.{unknown[0]} uit de back-up bestaat niet in "
                              "deze database.")
        inserted += _load_table(conn, table, kinds, unpacked.folder / "database" / f"{name}.jsonl",
                                lambda n: progress(n, total))
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, [meta.tables[name] for name in unpacked.manifest["tables"]])
    return inserted


def _load_table(conn: Connection, table: sa.Table, kinds: dict, path: Path, progress) -> int:
    """One table's rows in batches. A reference to a row of the same table that comes later
    (a stakeholder's or destination's parent) is filled in after all rows are in."""
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    key = next(iter(table.primary_key.columns)).name if self_refs else None
    seen: set = set()
    later: list[tuple] = []
    batch: list[dict] = []
    count = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = {k: _decode(v, kinds[k]) for k, v in json.loads(line).items()
                   if (table.name, k) not in HTML_COLUMNS}  # rendered again after loading
            for column in self_refs:
                if row[column] is not None and row[column] not in seen:
                    later.append((row[key], column, row[column]))
                    row[column] = None
            if key:
                seen.add(row[key])
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(table.insert(), batch)
                count += len(batch)
                progress(len(batch))
                batch = []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
        progress(len(batch))
    for id_, column, value in later:
        conn.execute(table.update().where(table.c[key] == id_).values({column: value}))
    return count


def _reset_sequences(conn: Connection, tables: list[sa.Table]) -> None:
    """Let PostgreSQL's next generated id follow the highest restored one."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                    {"t": quote(table.name), "c": column.name}).scalar()
            if sequence:
                conn.execute(
                    sa.text(f"SELECT setval(:s, COALESCE((SELECT MAX({quote(column.name)}) "
                            f"FROM {quote(table.name)}), 0) + 1, false)"),
                    {"s": sequence},
                )


def can_install_uploads(conn: Connection, files: Files) -> bool:
    """Whether the uploads can go in now, in ``conn``'s transaction: always for the folder
    store; for the database store only when the schema loaded so far (the archive's revision)
    already has its table (migration 0032)."""
    return not isinstance(files, DatabaseFiles) or sa.inspect(conn).has_table("storedfile")


def install_uploads(unpacked: Unpacked, files: Files, conn: Connection,
                    progress: Progress | None = None) -> int:
    """Put the archive's uploads into the store (the database store in ``conn``'s transaction,
    the one the rows are loaded in, so they commit or roll back together); returns how many.
    On any error the files this call wrote to a folder store are removed again and the error
    is raised (OSError for the folder, SQLAlchemyError for the database)."""
    progress = progress or (lambda _n, _total: None)
    written: list[str] = []
    try:
        for path in unpacked.uploads:
            files.put(conn, "uploads", path.name, path.read_bytes())
            written.append(path.name)
            progress(1, 0)
    except BaseException:
        if not isinstance(files, DatabaseFiles):
            for name in written:
                files.delete(None, "uploads", name)
        raise
    return len(written)


def empty(engine: Engine) -> None:
    """Remove every row of every table (a restore that failed after its rows were committed),
    so the database is empty again and the restore can be repeated; the schema stays."""
    with engine.begin() as conn:
        found = sa.MetaData()
        found.reflect(conn)
        for table in reversed(found.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(table.delete())
