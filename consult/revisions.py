"""Every write to a consultation's data raises its revision, in the same transaction.

``Consultation.revision`` tells an open page whether anything changed (the channel's poll
answers 204 while it is unchanged) and keys what may be cached per consultation. A session
listener looks at what each flush wrote, the way the search outbox does, so no operation has to
remember it: points, reactions, answers and their versions, links and commitments, destinations,
landings, messages, attachments and invitations raise the revision of their consultation; a
change to a stakeholder (a rename, a new parent) raises every consultation's, because every page
that names it may show it. Each consultation is raised once per transaction.

``Consultation.figures_revision`` moves with it on every write except a thread message: what
is counted and charted (progress, the dashboard, the installation's tallies) is kept per
figures revision (``memo``), so the chatter on the threads, the most frequent write, does not
recount a 10,000-point consultation after every comment.

Writes the listener cannot see (bulk ``UPDATE``s and Core inserts) call ``bump`` themselves.
"""

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import diskcache
import sqlalchemy as sa
from flask import current_app, g, has_app_context
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from .invitations.models import Invitation
from .models import (
    Attachment,
    Commitment,
    Consultation,
    Destination,
    Landing,
    Message,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseVersion,
    Stakeholder,
)

T = TypeVar("T")
_ALL = -1  # "every consultation"
_DIRECT = (Reaction, Response, Destination, Invitation)
_BY_RESPONSE = (ResponsePoint, ResponseDestination, ResponseVersion, Commitment)
_BY_POINT = (Landing, Message)


def _sort(objects) -> tuple[set[int], set[int], set[int], set[int]]:
    """(consultation ids, response ids, point ids, reaction ids) the written objects touch;
    stakeholders are left to the caller."""
    consultations: set[int] = set()
    responses: set[int] = set()
    points: set[int] = set()
    reactions: set[int] = set()
    for obj in objects:
        if isinstance(obj, _DIRECT):
            consultations.add(obj.consultation_id)
        elif isinstance(obj, _BY_RESPONSE):
            responses.add(obj.response_id)
        elif isinstance(obj, _BY_POINT):
            points.add(obj.point_id)
        elif isinstance(obj, Point):
            reactions.add(obj.reaction_id)
        elif isinstance(obj, Attachment):
            if obj.consultation_id is not None:
                consultations.add(obj.consultation_id)
            elif obj.reaction_id is not None:
                reactions.add(obj.reaction_id)
        elif isinstance(obj, Consultation) and obj.id is not None:
            consultations.add(obj.id)
    return consultations, responses, points, reactions


def _resolve(connection, responses: set[int], points: set[int],
             reactions: set[int]) -> set[int]:
    """The consultation ids of these responses, points and reactions, in at most three small
    queries (the ids of one flush)."""
    found: set[int] = set()
    if responses:
        found.update(connection.execute(
            sa.select(Response.consultation_id).where(Response.id.in_(responses))).scalars())
    if points:
        found.update(connection.execute(
            sa.select(Reaction.consultation_id).join(Point, Point.reaction_id == Reaction.id)
            .where(Point.id.in_(points))).scalars())
    if reactions:
        found.update(connection.execute(
            sa.select(Reaction.consultation_id).where(Reaction.id.in_(reactions))).scalars())
    return found


def bump(session: OrmSession, consultation_ids: Iterable[int], figures: bool = True) -> None:
    """Raise the revision of these consultations (``-1``: of all), once per transaction, and
    with ``figures`` their ``figures_revision`` too (every change but a thread message).

    For writes the flush listener does not see; everything written through the ORM is raised
    already. The Consultation objects in the session are expired so they read the new values."""
    ids = set(consultation_ids)
    _raise(session, ids, "revised", Consultation.revision)
    if figures:
        _raise(session, ids, "refigured", Consultation.figures_revision)


def _raise(session: OrmSession, ids: set[int], done_key: str, column) -> None:
    """``column + 1`` for the consultations in ``ids`` not raised yet in this transaction."""
    done: set[int] = session.info.setdefault(done_key, set())
    if _ALL in done:
        return
    if _ALL in ids:
        query = sa.update(Consultation).where(Consultation.id.notin_(done) if done else sa.true())
        done.add(_ALL)
    else:
        ids = ids - done
        if not ids:
            return
        query = sa.update(Consultation).where(Consultation.id.in_(ids))
        done.update(ids)
    session.connection().execute(query.values({column.key: column + 1}))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Consultation):
            session.expire(obj, [column.key])


def _consultations(session: OrmSession, written: list, dirty: list) -> set[int]:
    """The ids of the consultations the written objects belong to (``-1``: all of them)."""
    consultations, responses, points, reactions = _sort(written)
    # A new stakeholder is on no page yet; a renamed or moved one is on every page naming it.
    if any(isinstance(o, Stakeholder) for o in [*dirty, *session.deleted]):
        consultations.add(_ALL)
    consultations |= _resolve(session.connection(), responses, points, reactions)
    consultations.discard(None)
    return consultations


def _after_flush(session: OrmSession, _context) -> None:
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    written = [*session.new, *dirty, *session.deleted]
    # A consultation's own change raises it, but not the one that only ran ``bump``.
    written = [o for o in written if not (isinstance(o, Consultation) and _only_revision(o))]
    if not written:
        return
    figures = [o for o in written if not isinstance(o, Message)]
    if figures:
        bump(session, _consultations(session, figures, dirty))
    if len(figures) < len(written):
        messages = [o for o in written if isinstance(o, Message)]
        bump(session, _consultations(session, messages, []), figures=False)


def _only_revision(obj: Consultation) -> bool:
    state = sa.inspect(obj)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    return changed <= {"revision", "figures_revision", "updated_at"}


_MARKS = ("revised", "refigured")


def _begun(session: OrmSession, transaction) -> None:
    """A savepoint remembers the marks as they were, for its rollback."""
    if transaction.nested:
        session.info.setdefault("marks_at", {})[id(transaction)] = {
            key: set(session.info.get(key, ())) for key in _MARKS}


def _rolled_back(session: OrmSession, transaction) -> None:
    """A savepoint's rollback undid its raises: the marks go back to what they were at its
    start (those of before it still hold, and still make its figures unsettled)."""
    if transaction.nested:
        saved = session.info.get("marks_at", {}).get(id(transaction))
        if saved is not None:
            for key in _MARKS:
                session.info[key] = set(saved[key])


def _ended(session: OrmSession, transaction) -> None:
    """The marks last as long as the outermost transaction (a released or rolled back
    savepoint leaves them to it)."""
    if transaction.nested:
        session.info.get("marks_at", {}).pop(id(transaction), None)
    elif transaction.parent is None:
        for key in (*_MARKS, "marks_at"):
            session.info.pop(key, None)


def listen() -> None:
    """Install the listener on every session (idempotent)."""
    if not event.contains(OrmSession, "after_flush", _after_flush):
        event.listen(OrmSession, "after_flush", _after_flush)
        event.listen(OrmSession, "after_transaction_create", _begun)
        event.listen(OrmSession, "after_soft_rollback", _rolled_back)
        event.listen(OrmSession, "after_transaction_end", _ended)


# --- figures kept per revision ----------------------------------------------------------

_MEMO_SIZE = 512  # entries; a few per consultation that people are looking at
# Shelves besides the figures' own ("memo"), each an LRU of its own size, so that what is
# kept per reader (one entry each, a new one after every change that concerns them) never
# pushes out what a consultation's pages share.
SHELVES = {"memo": _MEMO_SIZE, "readers": 128, "tallies": 1024, "nieuw": 256, "news": 2048}
_memo_lock = threading.Lock()


def _memos(shelf: str = "memo") -> OrderedDict:
    """The app's memo of this shelf (one per app, so one per database); a throwaway one
    outside an app."""
    if not has_app_context():
        return OrderedDict()
    name = "consult.memo" if shelf == "memo" else f"consult.memo.{shelf}"
    return current_app.extensions.setdefault(name, OrderedDict())


def memo(consultation: Consultation, name: str, compute: Callable[[], T]) -> T:
    """``compute()``'s result for this consultation at its current figures revision, computed
    once per process and figures revision (an LRU of _MEMO_SIZE entries per app). For figures a
    page shows that cost what the consultation holds (the status timeline, shares per
    destination, progress per reaction) and change only with its data, which always raises the
    figures revision (see above); never for anything a thread message changes. The result is shared
    between requests and threads: plain values, never ORM objects, never changed by the caller.

    The key holds the consultation's creation time too, so that an id used again (a restore
    into the same process) never meets an old result. A write committed between reading the
    revision and computing is at worst stored under the older revision, which the next request
    no longer asks for. Pending changes are flushed first: computing would flush them (and
    raise the revision) only after the check."""
    session = sa.inspect(consultation).session
    if session is not None and (session.new or session.dirty or session.deleted):
        session.flush()
    if session is not None and unsettled(session, consultation.id):
        # This transaction raised the revision and may still roll back: then the next write
        # raises it to the same number, and a kept result would show the undone write.
        return compute()
    return remember((consultation.id, consultation.figures_revision, consultation.created_at,
                     name), compute)


def _request_unsettled() -> bool:
    """Whether the request's session raised any figures revision in a transaction that is
    still open: what it works out may show writes that roll back, so none of it is kept."""
    if not has_app_context():
        return False
    session = g.get("db")
    return bool(session is not None and session.info.get("refigured"))


def unsettled(session: OrmSession, consultation_id: int) -> bool:
    """Whether this transaction raised the consultation's figures revision and may still roll
    back: then nothing worked out now may be kept under that revision."""
    refigured = session.info.get("refigured", ())
    return consultation_id in refigured or _ALL in refigured


def kept_html(key: tuple, render: Callable[[], object]) -> Markup:
    """``render()``'s HTML (a template block, already escaped) kept under ``key`` as
    ``remember`` keeps values: for a fragment that is the same for every reader whose request
    has that key (the key holds the language, the revisions and what the reader may see)."""
    return Markup(remember(key, lambda: str(render())))


def remember(key: tuple, compute: Callable[[], T], shelf: str = "memo",
             still: Callable[[], bool] | None = None) -> T:
    """``compute()``'s result under ``key`` in the app's memo (the LRU ``memo`` uses, or the
    named one of SHELVES), computed once per process while the key stays the same: the caller
    puts in the key everything the result depends on (revisions, language, the rows it
    shows). The same rules as ``memo``: plain values, shared between requests and threads,
    never changed by the caller. KeyError for a shelf not in SHELVES.

    A result another worker process of this machine computed under the same key is taken
    from the shared level (``recall``) instead of computed again.

    ``still``: asked after computing; the result is kept only when it says the key still
    holds (for a key read in statements apart from the computation's: a write committed in
    between would otherwise be kept under the key of before it)."""
    value = recall(key, shelf)
    if value is MISSING:
        value = compute()
        if still is None or still():
            keep(key, value, shelf)
    return value


def recall(key: tuple, shelf: str = "memo"):
    """What is kept under ``key`` on the shelf: in this process, else on this machine's shared
    level (then kept in this process too); ``MISSING`` when neither has it. For callers that
    compute several missing values at once (the tallies); others use ``remember``."""
    memos = _memos(shelf)
    with _memo_lock:
        if key in memos:
            memos.move_to_end(key)
            return memos[key]
    value = shared_get((shelf, key))
    if value is not MISSING:
        _keep_here(memos, key, value, SHELVES[shelf])
    return value


def keep(key: tuple, value, shelf: str = "memo") -> None:
    """Keep ``value`` under ``key`` on the shelf, in this process and for the machine's other
    processes; nothing while the request's session raised a figures revision that may still
    roll back (``_request_unsettled``)."""
    if _request_unsettled():
        return
    shared_put((shelf, key), value)
    _keep_here(_memos(shelf), key, value, SHELVES[shelf])


def _keep_here(memos: OrderedDict, key: tuple, value, size: int) -> None:
    with _memo_lock:
        memos[key] = value
        memos.move_to_end(key)
        while len(memos) > size:
            memos.popitem(last=False)


# --- shared by the processes of one machine -----------------------------------------------
#
# Every gunicorn worker keeps its own memo, so after a write each worker counted a
# 10,000-point consultation's figures again (issue 15: under the load test an answer every
# second or so kept most of them cold in four workers; their statements were three quarters
# of PostgreSQL's time). A second level on this machine's disk (diskcache: SQLite files in
# the instance folder) lets the first worker's result serve the others. Keys hold the
# revisions, so an entry never goes stale while the database goes forward; the folder is
# named after the code, the database URL and the server's start (a deploy, a restart, a
# restore begin a new one); old folders are removed after an hour unused.

MISSING = object()
_shared_lock = threading.Lock()
_LOG = logging.getLogger(__name__)
_SHARED_TIMEOUT = 0.1  # s a reader or writer waits for the cache's lock before going on without
_RETRY_OPEN = 60.0  # s before a cache that could not be opened is tried again
_STALE_FOLDER = 3600  # s after which another start's or code version's folder is removed
SHARED_FOLDER = "shared-cache"  # in the instance folder
_code_print: str | None = None


def _code_fingerprint() -> str:
    """A digest of the package's Python files, templates and catalogues (what a kept value's
    classes and HTML come from) and of the migrations (a data migration changes what was
    counted without raising a revision): computed once per process (~10 ms)."""
    global _code_print
    if _code_print is None:
        digest = hashlib.sha256()
        from . import packaged

        package = Path(__file__).resolve().parent
        roots = dict.fromkeys([package, Path(packaged("templates")),
                               Path(packaged("migrations"))])
        for root in roots:
            for path in sorted(root.rglob("*")):
                if path.suffix in {".py", ".html", ".txt", ".xml", ".mo"} and path.is_file():
                    digest.update(str(path.relative_to(root)).encode())
                    digest.update(path.read_bytes())
        _code_print = digest.hexdigest()
    return _code_print


def _shared():
    """This process's diskcache.Cache for the app in the context, or None (off, or not
    opened: tried again after _RETRY_OPEN seconds)."""
    if not has_app_context():
        return None
    return _shared_of(current_app._get_current_object())


def open_shared(app) -> None:
    """Open ``app``'s shared level now (create_app: the code's fingerprint is read when the
    code is loaded, and a slow disk costs the start, not a request)."""
    _code_fingerprint()
    _shared_of(app)


def _shared_of(app):
    state = app.extensions.get("consult.shared")
    if not _current(state):
        with _shared_lock:
            state = app.extensions.get("consult.shared")
            if not _current(state):
                megabytes = app.config.get("SHARED_CACHE_MB") or 0
                cache = _open(Path(app.instance_path) / SHARED_FOLDER, _folder_name(app),
                              megabytes) if megabytes > 0 else None
                state = app.extensions["consult.shared"] = (
                    os.getpid(), cache, time.monotonic() + _RETRY_OPEN)
    return state[1]


def _current(state) -> bool:
    """Whether ``(pid, cache, retry at)`` serves this process: opened here, and either open or
    not to be tried again yet."""
    return (state is not None and state[0] == os.getpid()
            and (state[1] is not None or time.monotonic() < state[2]))


def _folder_name(app) -> str:
    """The code, the database and this start of the server: gunicorn's master sets
    CONSULT_BOOT_ID for its workers when it starts and when it reloads (gunicorn.conf.py), so
    a restart or a HUP begins empty, as every worker's own memory did (after a restore or a
    fix made in SQL by hand); a process started otherwise shares with itself only."""
    boot = os.environ.get("CONSULT_BOOT_ID") or f"process-{os.getpid()}"
    return hashlib.sha256(f"{_code_fingerprint()}|{app.config['DATABASE_URL']}|{boot}"
                          .encode()).hexdigest()[:20]


def _open(parent: Path, name: str, megabytes: int):
    """The cache in ``parent/name``, or None. diskcache waits up to 60 s for a locked
    database when it opens, whatever its timeout says: the lock is tried first for
    _SHARED_TIMEOUT. A folder that is not a cache is removed and made anew, once."""
    import shutil
    import sqlite3

    folder = parent / name
    try:
        _remove_stale(parent, keep=name)
        return _open_unlocked(folder, megabytes)
    except sqlite3.OperationalError:  # locked (or a folder that cannot be written)
        _LOG.warning("shared cache in %s busy or not writable", folder, exc_info=True)
        return None
    except Exception:  # noqa: BLE001 - damaged: another start's garbage, a full disk
        if not folder.is_dir():  # a file in its place, an unwritable parent: not ours
            _LOG.warning("shared cache in %s not opened", folder, exc_info=True)
            return None
        _LOG.warning("shared cache in %s damaged: made anew", folder, exc_info=True)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        return _open_unlocked(folder, megabytes)
    except Exception:  # noqa: BLE001
        _LOG.warning("shared cache in %s not opened", folder, exc_info=True)
        return None


def _open_unlocked(folder: Path, megabytes: int):
    """diskcache.Cache(folder) once its database's write lock was free within the timeout."""
    import sqlite3

    database = folder / "cache.db"
    if database.exists():
        probe = sqlite3.connect(database, timeout=_SHARED_TIMEOUT, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        finally:
            probe.close()
    return diskcache.Cache(str(folder), timeout=_SHARED_TIMEOUT, size_limit=megabytes * 2**20,
                           eviction_policy="least-recently-stored")


def forget_shared(instance_path: str) -> None:
    """Remove every shared cache of this instance folder (after a restore: the revisions of
    the restored data may repeat those of before it)."""
    import shutil

    shutil.rmtree(Path(instance_path) / SHARED_FOLDER, ignore_errors=True)


def _remove_stale(parent: Path, keep: str) -> None:
    """Remove the folders of other starts, code versions or databases unused for an hour."""
    import shutil

    if not parent.is_dir():
        return
    now = time.time()
    for folder in parent.iterdir():
        if folder.name == keep or not folder.is_dir():
            continue
        try:
            used = max((p.stat().st_mtime for p in folder.iterdir()), default=0)
            if now - used > _STALE_FOLDER:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def _shared_key(key) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()


def shared_get(key):
    """The value another process of this machine kept under ``key`` (a tuple of plain values;
    its repr is the identity), or ``MISSING``. Never raises: a busy, full or broken cache
    is a miss."""
    cache = _shared()
    if cache is None:
        return MISSING
    try:
        return cache.get(_shared_key(key), default=MISSING)
    except Exception:  # noqa: BLE001 - locked past the timeout, unreadable entry, full disk
        return MISSING


def shared_put(key, value) -> None:
    """Keep ``value`` (picklable plain values) under ``key`` for the other processes; a value
    that cannot be pickled or a busy cache is left out, never an error."""
    cache = _shared()
    if cache is None:
        return
    try:
        cache.set(_shared_key(key), value)
    except Exception:  # noqa: BLE001
        return


def forget_everything(app) -> None:
    """Empty every shelf of ``app``'s memo and this machine's shared level: what a page then
    shows is what a process on a fresh machine works out (for checks and tests: the keys hold
    the revisions, so nothing needs this to stay right)."""
    for name in [n for n in app.extensions if n.startswith("consult.memo")]:
        app.extensions[name].clear()
    with app.app_context():
        cache = _shared()
        if cache is not None:
            cache.clear()
