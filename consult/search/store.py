"""The Whoosh index on disk: one writer at a time across processes, readers that survive commits.

Layout under the instance folder::

    search/
      CURRENT          name of the live index directory (replaced atomically)
      write.lock       fcntl lock: whoever holds it is the only writer (all processes)
      ix-<stamp>/      the live index; a rebuild writes a new one beside it, then swaps
        ANALYSIS       the text analysis it was built with (analysis.VERSION): an index of
                       another one is rebuilt at start (SearchService.check_analysis)

What the stack notes measured and this module answers:
- a second Whoosh writer raises LockError at once -> every write takes ``write.lock`` first
  (blocking, with a timeout), so Whoosh's own lock is never contended;
- readers opening the index while a writer commits can hit FileNotFoundError for a TOC or
  segment file that was just replaced -> reading retries with a fresh reader;
- a rebuild must not take search offline -> it fills a new directory and swaps CURRENT.
"""

import fcntl
import gc
import os
import pickle
import shutil
import struct
import threading
import time
import traceback
import warnings
import zlib
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, Schema
from whoosh.writing import CLEAR

from ..models import Channel, ResponseStatus, StakeholderKind
from . import analysis
from .analysis import DutchText

FACETS = ("kind", "consultation", "stakeholder", "skind", "channel", "status", "year")

# Facet values are stored as numbers in per-document columns (no postings): matching.py loads a
# segment's column as one array. Ids and years are stored as they are; codes by position here
# (0 = none). Append new codes at the end: the order is the stored format.
CODES = {
    "kind": ("", "point", "response", "message", "stakeholder", "section"),
    "skind": ("", *(k.value for k in StakeholderKind)),
    "channel": ("", *(c.value for c in Channel)),
    "status": ("", "open", *(s.value for s in ResponseStatus)),
    # Who may read a document: everyone (""), the secretariat ("1": internal notes), people
    # with an account ("members": the thread conversation; see the public line in access.py).
    "internal": ("", "1", "members"),
}
NUMBERS = ("consultation", "stakeholder", "year")
# Facets a document may hold several values of (an answer to the points of Gemeente A and B
# is filed under both): the number column keeps the first (who a stakeholder document is, for
# matching.Restriction.stakeholders), this column every value, packed as the destinations are
# (big-endian 32-bit: ids, or the codes above). Filters and facet counts read this one.
MULTI = {"stakeholder": "stakeholders", "skind": "skinds"}
_TYPES = {"consultation": "I", "stakeholder": "I", "year": "H", **dict.fromkeys(CODES, "B")}


def make_schema() -> Schema:
    """What one search document holds. Only the key is stored: texts come from the database."""
    return Schema(
        key=ID(unique=True, stored=True),
        when=COLUMN(NumericColumn("q", default=0)),
        # The destination ids a document was routed to, as big-endian 32-bit numbers.
        destinations=COLUMN(VarBytesColumn()),
        **{column: COLUMN(VarBytesColumn()) for column in MULTI.values()},
        body=DutchText(),
        **{name: COLUMN(NumericColumn(code, default=0)) for name, code in _TYPES.items()},
    )


_CODE_OF = {name: {v: i for i, v in enumerate(values)} for name, values in CODES.items()}


def _prepare(doc: dict) -> dict:
    """A search document (strings) as the columns store it (numbers, packed ids)."""
    out = {}
    for name, value in doc.items():
        if name in MULTI:  # "12 15": every value in its column, the first in the number one
            values = [_CODE_OF[name].get(v, 0) if name in _CODE_OF else int(v)
                      for v in str(value or "").split()]
            values = list(dict.fromkeys(v for v in values if v))
            out[MULTI[name]] = struct.pack(f">{len(values)}I", *values)
            out[name] = values[0] if values else 0
            continue
        if name in _CODE_OF:
            value = _CODE_OF[name].get(value or "", 0)
        elif name in NUMBERS:
            value = int(value) if value else 0
        elif name == "destinations":
            ids = [int(v) for v in value.split()] if value else []
            value = struct.pack(f">{len(ids)}I", *ids)
        out[name] = value
    return out


_NUMPY_TYPES = {"B": ">u1", "H": ">u2", "I": ">u4", "i": ">i4", "q": ">i8"}


def column_array(reader, size: int) -> np.ndarray:
    """A Whoosh numeric column as one array, read in one piece (not a value at a time)."""
    count = getattr(reader, "_count", None)
    code = getattr(reader, "_typecode", None)
    if count is None or code not in _NUMPY_TYPES:  # another layout: the slow, sure way
        return np.fromiter((int(v) for v in reader), np.int64, size)
    raw = reader._dbfile.get(reader._basepos, count * reader._fixedlen) if count else b""
    values = np.frombuffer(raw, _NUMPY_TYPES[code]).astype(np.int64)
    if count < size:  # trailing documents with the default value are not written
        values = np.concatenate([values, np.full(size - count, reader._default, np.int64)])
    return values


def _install_fast_lengths() -> None:
    """Whoosh asks a segment's field length once per posting while writing it (a column seek
    and a struct unpack each: a fifth of the indexing time). Answer from the whole length
    column, decoded once per segment reader. Same values, same files."""
    from whoosh.codec import whoosh3

    if getattr(whoosh3.W3PerDocReader, "_consult_fast_lengths", False):
        return
    original = whoosh3.W3PerDocReader.doc_field_length

    def doc_field_length(self, docnum, fieldname, default=0):
        cache = self.__dict__.setdefault("_consult_lengths", {})
        lengths = cache.get(fieldname)
        if lengths is None:
            column = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
            if column is None:
                return original(self, docnum, fieldname, default)
            table = np.array([whoosh3.byte_to_length(b) for b in range(256)], np.int64)
            lengths = table[column_array(column, self._doccount)].tolist()
            cache[fieldname] = lengths
        if docnum < len(lengths):
            return lengths[docnum] or default
        return original(self, docnum, fieldname, default)

    whoosh3.W3PerDocReader.doc_field_length = doc_field_length
    whoosh3.W3PerDocReader._consult_fast_lengths = True


_install_fast_lengths()


class _View:
    """A read-only file over a memoryview (a part of the memory-mapped segment)."""

    __slots__ = ("_buf", "_pos", "closed")

    def __init__(self, buf):
        self._buf = buf
        self._pos = 0
        self.closed = False

    def read(self, size=-1):
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf),
                                                                   self._pos + size)
        out = bytes(self._buf[self._pos:end])
        self._pos = max(self._pos, end)
        return out

    def readinto(self, target):
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size=-1):
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf),
                                                                   self._pos + size)
        found = bytes(self._buf[self._pos:end]).find(b"\n") if end > self._pos else -1
        return self.read(found + 1 if found >= 0 else end - self._pos)

    def seek(self, position, whence=0):
        base = (0, self._pos, len(self._buf))[whence]
        self._pos = max(0, base + position)
        return self._pos

    def tell(self):
        return self._pos

    def close(self):
        self.closed = True

    def flush(self):
        pass


def _install_mapped_buffers() -> None:
    """Whoosh opens each part of a memory-mapped segment as ``BytesIO(memoryview)``, which
    copies it: every new searcher (after every commit, in every worker) copied the whole
    term dictionary and postings of every segment -- 0.8 s for a 100,000-point index with a
    real vocabulary, and the first query after a save waited for it. Read the mapped bytes
    in place instead (same bytes, same reads)."""
    from whoosh.filedb import structfile

    if getattr(structfile.BufferFile, "_consult_in_place", False):
        return

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = _View(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    structfile.BufferFile.__init__ = __init__
    structfile.BufferFile._consult_in_place = True


_install_mapped_buffers()


def _install_one_read_directory() -> None:
    """Whoosh's HashReader (a segment's term dictionary) reads its directory of 256 hash
    tables one 12-byte entry at a time: 256 reads through the file object for every segment
    of every new searcher, 70 % of opening a searcher at 100,000 points (two segments,
    ~0.5 ms of each first query after a commit). Read it in one piece instead: the same
    bytes, unpacked into the same (position, slots) tuples; everything else as Whoosh's
    HashReader.__init__ (whoosh/filedb/filetables.py, whoosh-reloaded 2.7.5)."""
    from whoosh.filedb import filetables

    reader = filetables.HashReader
    if getattr(reader, "_consult_one_read", False):
        return

    def __init__(self, dbfile, length=None, magic=b"HSH3", startoffset=0):
        self.dbfile = dbfile
        self.startoffset = startoffset
        self.is_closed = False
        if length is None:
            dbfile.seek(0, os.SEEK_END)
            length = dbfile.tell() - startoffset
        dbfile.seek(startoffset)
        filemagic = dbfile.read(4)
        if filemagic != magic:
            raise filetables.FileFormatError(f"Unknown file header {filemagic!r}")
        self.hashtype = dbfile.read_byte()
        self.hashfn = filetables._hash_functions[self.hashtype]
        dbfile.read_int()  # two ints reserved for future use
        dbfile.read_int()
        self.startofdata = dbfile.tell()
        exptr = startoffset + length - 4
        expos = exptr - dbfile.get_int(exptr)  # the extras' pickle ends with its length
        dbfile.seek(expos)
        self._read_extras()
        size = filetables._directory_size
        directory = dbfile.get(expos - size, size)
        if len(directory) != size:
            raise EOFError("hash directory cut short")
        self.tables = list(filetables._dir_entry.iter_unpack(directory))
        self.endofdata = self.tables[0][0]

    reader._whoosh_init = reader.__init__  # kept for tests/test_search_postings.py
    reader.__init__ = __init__
    reader._consult_one_read = True


_install_one_read_directory()


ANALYSIS_FILE = "ANALYSIS"

# A full rebuild writes segments of this many documents (memory stays bounded; searches run
# over the segments side by side).
SEGMENT_SIZE = 250_000


class IndexUnavailable(Exception):
    """There is no usable index (deleted, never built, corrupt)."""


# What Whoosh raises when a segment's bytes are not what it wrote (measured by truncating and
# overwriting bytes of the .seg files of the demo's index: EOFError, OSError, IndexError,
# UnicodeDecodeError; struct, zlib and pickle errors come from the same readers). A mistake in
# the code (RecursionError, TypeError, AttributeError, KeyError, ...) is none of these: it is
# not cured by rebuilding the index, so it is not taken for damage.
DAMAGE = (OSError, EOFError, IndexError, UnicodeDecodeError, struct.error, zlib.error,
          pickle.UnpicklingError)


class LockTimeout(Exception):
    """Another process held the write lock for too long."""


class IndexStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._thread_lock = threading.Lock()

    # --- where the live index is ---------------------------------------------------

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_dir(self) -> Path | None:
        try:
            name = self.pointer.read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        return path if name and path.is_dir() else None

    def new_dir(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.root / f"ix-{stamp}-{os.getpid()}"
        path.mkdir(parents=True)  # the whole search folder may have been deleted
        whoosh_index.create_in(str(path), make_schema())
        (path / ANALYSIS_FILE).write_text(analysis.VERSION)
        return path

    def analysis_of(self, path: Path) -> str:
        """The analysis an index directory was built with ("" for one from before it was
        recorded)."""
        try:
            return (path / ANALYSIS_FILE).read_text().strip()
        except FileNotFoundError:
            return ""

    def outdated(self) -> bool:
        """Whether the live index was built with another analysis than this code's: its terms
        are not what queries now look for, so it must be rebuilt."""
        path = self.current_dir()
        return path is not None and self.analysis_of(path) != analysis.VERSION

    def lock_file(self, name: str):
        """Open a lock file of the search folder (re-created if someone deleted the folder)."""
        self.root.mkdir(parents=True, exist_ok=True)
        return open(self.root / name, "a+")

    def swap(self, path: Path) -> None:
        """Make ``path`` the live index (readers pick it up on their next search)."""
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(path.name)
        os.replace(tmp, self.pointer)
        self.remove_old(keep=path)

    def remove_old(self, keep: Path, older_than: float = 60.0) -> None:
        """Drop index directories other than ``keep`` that nobody has switched to lately."""
        now = time.time()
        for child in self.root.glob("ix-*"):
            if child != keep and child.is_dir() and now - child.stat().st_mtime > older_than:
                shutil.rmtree(child, ignore_errors=True)

    def adopt(self, path: Path, shares: list[Path]) -> None:
        """Move the segments of separately built indexes into the (empty) index at ``path``."""
        from whoosh.filedb.filestore import FileStorage
        from whoosh.index import TOC

        segments = []
        for share in shares:
            toc = TOC.read(FileStorage(str(share)), "MAIN")
            for segment in toc.segments:
                for name in segment.list_files(FileStorage(str(share))):
                    os.replace(share / name, path / name)
                segments.append(segment)
            shutil.rmtree(share, ignore_errors=True)
        storage = FileStorage(str(path))
        generation = TOC._latest_generation(storage, "MAIN") + 1
        TOC(make_schema(), segments, generation).write(storage, "MAIN")

    def open(self, path: Path | None = None):
        path = path or self.current_dir()
        if path is None:
            raise IndexUnavailable("no index")
        failure = None
        with warnings.catch_warnings():
            # A broken index makes Whoosh raise with its TOC file still open; that file is
            # closed when the exception goes, which must not warn (or fail the tests).
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                return whoosh_index.open_dir(str(path))
            except FileNotFoundError:
                raise
            except Exception as exc:  # EmptyIndexError, corrupt TOC, unpickling errors
                failure = f"{type(exc).__name__}: {exc}"
            gc.collect()
        raise IndexUnavailable(failure)

    # --- writing ---------------------------------------------------------------------

    @contextmanager
    def write_lock(self, timeout: float = 30.0):
        """The cross-process writer lock (and a thread lock, as flock is per process)."""
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=timeout):
            raise LockTimeout("write lock (thread)")
        try:
            with self.lock_file("write.lock") as handle:
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise LockTimeout("write lock") from None
                        time.sleep(0.005)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def apply(self, documents: list[dict], removed: list[str], path: Path | None = None) -> None:
        """Replace/add documents and remove keys, in one commit. Call under ``write_lock``."""
        ix = self.open(path)
        writer = ix.writer()
        try:
            for key in removed:
                writer.delete_by_term("key", key)
            for doc in documents:
                writer.update_document(**_prepare(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def apply_bulk(self, documents: list[dict], removed: list[str],
                   path: Path | None = None) -> None:
        """As ``apply``, for many documents at once (a large import): the old versions and the
        removed keys deleted, the documents written as one new segment (bulk.write_segment),
        in one commit. Call under ``write_lock``."""
        from .bulk import write_segment

        ix = self.open(path)
        keys = [*removed, *(doc["key"] for doc in documents)]
        with ix.reader() as reader:  # delete only what is there (most keys are new)
            present = {key for key in keys if reader.doc_frequency("key", key)}
        write_segment(ix, iter(documents), _prepare, max(len(documents), 1),
                      delete=[k for k in keys if k in present])

    def build(self, documents, path: Path, method: str | None = None) -> int:
        """Bulk-fill a fresh index directory; returns the number of documents.

        method "segments" (the default): bulk.write_segment, SEGMENT_SIZE documents a segment;
        "whoosh": Whoosh's own writer (CONSULT_INDEX_BULK=whoosh), kept for comparison."""
        ix = whoosh_index.open_dir(str(path))
        method = method or os.environ.get("CONSULT_INDEX_BULK", "segments")
        if method == "segments":
            from .bulk import write_segment

            stream = iter(documents)
            total = 0
            while True:
                count = write_segment(ix, stream, _prepare, SEGMENT_SIZE)
                total += count
                if count < SEGMENT_SIZE:
                    return total
        procs = int(os.environ.get("CONSULT_INDEX_PROCS", "2"))
        writer = ix.writer(limitmb=256, procs=procs, multisegment=procs > 1)
        count = 0
        try:
            add = writer.add_document
            for doc in documents:
                add(**_prepare(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        return count

    # --- reading -----------------------------------------------------------------------

    def read(self, work):
        """Run ``work(searcher)`` on this thread's searcher of the live index, kept fresh.

        A commit may replace files under an open reader (FileNotFoundError): then the whole
        piece of work runs again on a new reader, a few times, before giving up. Bytes on disk
        that Whoosh cannot read (``DAMAGE``) raise IndexUnavailable; any other exception of
        ``work`` is the caller's, unchanged.
        """
        local = self._local
        for attempt in range(5):
            path = self.current_dir()
            if path is None:
                raise IndexUnavailable("no index")
            try:
                searcher = getattr(local, "searcher", None)
                if (
                    searcher is None
                    or local.path != path
                    or local.ix.latest_generation() != searcher.reader().generation()
                ):
                    # A fresh reader, never Whoosh's refresh(): that reuses segment readers
                    # and so keeps showing documents deleted from an existing segment.
                    self._close_local()
                    local.ix = self.open(path)
                    with warnings.catch_warnings():
                        # Whoosh retries an unreadable segment (OSError) ten times, leaving
                        # each try's file to be closed by the collector: no warning for that.
                        warnings.simplefilter("ignore", ResourceWarning)
                        local.searcher = local.ix.searcher()
                    local.path = path
                return work(local.searcher)
            except FileNotFoundError:
                self._close_local()
                if attempt == 4:
                    raise
                time.sleep(0.01 * (attempt + 1))
            except DAMAGE as exc:
                # As in open(): Whoosh leaves the files it was reading open; they close with
                # the exception's frames, which must not warn.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ResourceWarning)
                    self._close_local()
                    local.ix = None
                    link = exc
                    while link is not None:  # Whoosh re-raises: the first one holds files too
                        traceback.clear_frames(link.__traceback__)
                        link = link.__context__
                    gc.collect()
                raise IndexUnavailable(f"damaged: {type(exc).__name__}: {exc}") from None

    def _close_local(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        self._local.path = None
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # noqa: S110 - closing a reader whose files are gone
                pass
