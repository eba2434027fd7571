"""Where uploaded files are kept: a folder or the database, behind one small adapter.

Every upload consult keeps goes through a `Files` store under a generated name, in one of two
kinds: ``uploads`` (uploaded originals and document versions' originals, never changed once
written) and ``imports`` (tables waiting for their import, a day at most). The setting
CONSULT_FILES_STORAGE picks the store:

- ``folder``: files in ``<CONSULT_FILES_PATH>/<kind>/<name>`` (the instance folder unless
  set), written at once. The default on SQLite.
- ``database``: rows of the table ``storedfile`` (the bytes, their size and SHA-256), written
  in the request's transaction, so a file exists exactly when the row naming it does, and
  every app machine on the database reads it. The default on PostgreSQL.

A download is streamed from either: from the database in chunks of `CHUNK` bytes, each its
own short query, so neither the whole file nor a session is held while it is sent. A file
that is not there raises `Missing`; the app answers it with a 404 and a Dutch sentence.
"""

import hashlib
import io
import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Response, send_file
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from .models import utcnow

KINDS = ("uploads", "imports")
CHUNK = 1024 * 1024  # bytes per query when a file is streamed out of the database
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class StoredFile(SQLModel, table=True):
    """One kept file in the database store: its kind and generated name, its bytes, their
    size (bytes) and SHA-256 (hex), and when it was written."""

    kind: str = Field(primary_key=True, max_length=16)
    name: str = Field(primary_key=True, max_length=64)
    data: bytes = Field(sa_type=sa.LargeBinary)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True),
                                 index=True)


# On PostgreSQL the bytes are stored uncompressed out of line: uploads are mostly compressed
# already (PDF, .docx), and `substr` then reads only the chunk asked for (a streamed download).
sa.event.listen(StoredFile.__table__, "after_create", sa.DDL(
    "ALTER TABLE storedfile ALTER COLUMN data SET STORAGE EXTERNAL").execute_if(
        dialect="postgresql"))


class Missing(LookupError):
    """No file of this kind under this name (never stored, or removed)."""


def _check(kind: str, name: str) -> None:
    if kind not in KINDS or not isinstance(name, str) or not _NAME.fullmatch(name) \
            or name.startswith("."):
        raise Missing(f"{kind}/{name}")


class FolderFiles:
    """Files in ``<root>/<kind>/``: one machine's disk, or a folder every machine mounts."""

    storage = "folder"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def folder(self, kind: str) -> Path:
        """The folder of a kind (created on first use)."""
        path = self.root / kind
        path.mkdir(parents=True, exist_ok=True)
        return path

    def put(self, db: Session | Connection | None, kind: str, name: str, data: bytes) -> None:
        """Write the file now (``db`` is not used: a folder has no transaction)."""
        _check(kind, name)
        path = self.folder(kind) / name
        partial = path.with_name(f".{name}.partial")
        try:
            partial.write_bytes(data)
            os.replace(partial, path)  # never half a file under its name
        except OSError:
            partial.unlink(missing_ok=True)
            raise

    def read(self, kind: str, name: str) -> bytes:
        """The whole file; raises Missing."""
        _check(kind, name)
        try:
            return (self.folder(kind) / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise Missing(f"{kind}/{name}") from exc

    def send(self, kind: str, name: str, mimetype: str, download_name: str) -> Response:
        """The file as a download (Content-Length, ETag, Range as Flask gives a file);
        raises Missing."""
        _check(kind, name)
        path = self.folder(kind) / name
        if not path.is_file():
            raise Missing(f"{kind}/{name}")
        return send_file(path, mimetype=mimetype, as_attachment=True,
                         download_name=download_name)

    def exists(self, kind: str, name: str) -> bool:
        """Whether the file is there."""
        try:
            _check(kind, name)
        except Missing:
            return False
        return (self.folder(kind) / name).is_file()

    def delete(self, db: Session | Connection | None, kind: str, name: str) -> None:
        """Remove the file now if it is there."""
        _check(kind, name)
        (self.folder(kind) / name).unlink(missing_ok=True)

    def names(self, kind: str) -> list[str]:
        """Every file of the kind, sorted by name."""
        folder = self.root / kind
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir()
                      if p.is_file() and _NAME.fullmatch(p.name) and not p.name.startswith("."))

    def older_than(self, kind: str, seconds: float, now: float | None = None) -> list[str]:
        """Names of the files of the kind written more than ``seconds`` before ``now`` (epoch
        seconds, default: this moment)."""
        now = time.time() if now is None else now
        old = []
        for name in self.names(kind):
            try:
                if now - (self.root / kind / name).stat().st_mtime > seconds:
                    old.append(name)
            except FileNotFoundError:  # another worker removed it just now
                continue
        return old


class DatabaseFiles:
    """Files as rows of ``storedfile``: what every app machine on the database reads."""

    storage = "database"

    def __init__(self, engine: Engine, earlier: FolderFiles | None = None):
        self.engine = engine
        self.table = StoredFile.__table__
        # Files written to the folder before the switch to the database are still read
        # from there (and backed up from there; a restore puts them into the table).
        self.earlier = earlier

    def put(self, db: Session | Connection, kind: str, name: str, data: bytes) -> None:
        """Insert the file in ``db``'s transaction (the caller commits it)."""
        _check(kind, name)
        db.execute(self.table.insert().values(
            kind=kind, name=name, data=data, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), created_at=utcnow()))

    def _where(self, kind: str, name: str):
        return (self.table.c.kind == kind) & (self.table.c.name == name)

    def read(self, kind: str, name: str) -> bytes:
        """The whole file; raises Missing."""
        _check(kind, name)
        with self.engine.connect() as conn:
            data = conn.execute(sa.select(self.table.c.data).where(
                self._where(kind, name))).scalar()
        if data is None:
            if self.earlier is not None:
                return self.earlier.read(kind, name)
            raise Missing(f"{kind}/{name}")
        return bytes(data)

    def send(self, kind: str, name: str, mimetype: str, download_name: str) -> Response:
        """The file as a download, read from the row `CHUNK` bytes at a time while it is
        sent (its SHA-256 as ETag); raises Missing."""
        _check(kind, name)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(self.table.c.size, self.table.c.sha256).where(
                self._where(kind, name))).first()
        if row is None:
            if self.earlier is not None:
                return self.earlier.send(kind, name, mimetype, download_name)
            raise Missing(f"{kind}/{name}")
        handle = io.BufferedReader(_Chunks(self, kind, name, row.size), CHUNK)
        response = send_file(handle, mimetype=mimetype, as_attachment=True,
                             download_name=download_name, etag=row.sha256)
        if response.status_code == 200:  # not a 304: the whole file follows
            response.content_length = row.size
        return response

    def chunk(self, kind: str, name: str, start: int, length: int) -> bytes:
        """``length`` bytes from byte ``start`` (0-based) of the file, fewer at its end."""
        with self.engine.connect() as conn:
            data = conn.execute(sa.select(sa.func.substr(
                self.table.c.data, start + 1, length)).where(self._where(kind, name))).scalar()
        if data is None:
            raise Missing(f"{kind}/{name}")  # removed while it was being read
        return bytes(data)

    def exists(self, kind: str, name: str) -> bool:
        """Whether the file is there."""
        try:
            _check(kind, name)
        except Missing:
            return False
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(sa.literal(1)).where(
                self._where(kind, name))).first() is not None
        return found or (self.earlier is not None and self.earlier.exists(kind, name))

    def delete(self, db: Session | Connection, kind: str, name: str) -> None:
        """Delete the row in ``db``'s transaction (the caller commits it)."""
        _check(kind, name)
        db.execute(self.table.delete().where(self._where(kind, name)))
        if self.earlier is not None:
            self.earlier.delete(None, kind, name)

    def names(self, kind: str) -> list[str]:
        """Every file of the kind, sorted by name (those still in the earlier folder too)."""
        with self.engine.connect() as conn:
            names = set(conn.execute(sa.select(self.table.c.name).where(
                self.table.c.kind == kind)).scalars())
        if self.earlier is not None:
            names.update(self.earlier.names(kind))
        return sorted(names)

    def older_than(self, kind: str, seconds: float, now: float | None = None) -> list[str]:
        """Names of the files of the kind written more than ``seconds`` before ``now`` (epoch
        seconds, default: this moment)."""
        moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
        with self.engine.connect() as conn:
            old = list(conn.execute(sa.select(self.table.c.name).where(
                (self.table.c.kind == kind)
                & (self.table.c.created_at < moment - timedelta(seconds=seconds)))).scalars())
        if self.earlier is not None:
            old += self.earlier.older_than(kind, seconds, now)
        return old


class _Chunks(io.RawIOBase):
    """A stored file read from the database a chunk at a time."""

    def __init__(self, files: DatabaseFiles, kind: str, name: str, size: int):
        self.files, self.kind, self.name, self.size, self.position = files, kind, name, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), self.size - self.position)
        if wanted <= 0:
            return 0
        data = self.files.chunk(self.kind, self.name, self.position, wanted)
        buffer[:len(data)] = data
        self.position += len(data)
        return len(data)


Files = FolderFiles | DatabaseFiles


def make(storage: str, files_path: str, engine: Engine) -> Files:
    """The store a setting names; ValueError for an unknown one."""
    if storage == "folder":
        return FolderFiles(files_path)
    if storage == "database":
        return DatabaseFiles(engine, FolderFiles(files_path))
    raise ValueError(f"CONSULT_FILES_STORAGE must be 'database' or 'folder', not {storage!r}")


def of(app) -> Files:
    """The app's store (made once, at start-up)."""
    return app.extensions["consult.files"]


def init_app(app) -> None:
    """Make the store CONSULT_FILES_STORAGE names (after the engine exists)."""
    app.extensions["consult.files"] = make(app.config["FILES_STORAGE"], app.config["FILES_PATH"],
                                           app.extensions["consult.engine"])
