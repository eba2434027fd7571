"""The search index kept in step with the database: apply the outbox, rebuild, report status.

One ``SearchService`` per app (``current_app.extensions["consult.search"]``). After a commit
that wrote outbox rows it applies them: at once in the committing thread ("inline", used by the
tests and the CLI) or by a small background thread per process ("thread", the default for
gunicorn workers: the request does not wait for Whoosh). Either way the rows stay in the
database until applied, so a crash only delays them: every process replays pending rows at
start and every few seconds.
"""

import fcntl
import logging
import multiprocessing
import os
import queue
import threading
import time
import weakref
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..models import Point, SearchOutbox, utcnow
from . import documents, matching, outbox, query
from .store import IndexStore, IndexUnavailable, LockTimeout

log = logging.getLogger("consult.search")

# A rebuild replays every change recorded from this long before it started: no transaction
# of this app stays open that long, so nothing committed during the build is missed.
REPLAY_MARGIN = timedelta(minutes=5)
KEEP_APPLIED = timedelta(days=1)
POLL_SECONDS = 2.0
# Below this many points a rebuild takes a few seconds in one process: not worth starting more.
PARALLEL_FROM = 20_000
# From this many pending changes (an import of a table, a restored consultation) the outbox is
# applied in batches of BULK_BATCH through the bulk writer: one new segment per batch instead
# of a Whoosh update per document (bench/rowimport_bench.py).
BULK_FROM = int(os.environ.get("CONSULT_INDEX_BULK_FROM", "1000"))
BULK_BATCH = 50_000

# Keyed by id(engine), weak on the service: the service holds its engine, so a weak *key* would
# never go (each test's app, engine and index stayed alive: 7,000 objects per test, a 4 s
# full garbage collection late in the suite). The engine cannot be collected (and its id
# reused) while its service is alive.
_by_engine: "weakref.WeakValueDictionary[int, SearchService]" = weakref.WeakValueDictionary()


def _on_commit(session) -> None:
    bind = session.bind
    service = _by_engine.get(id(getattr(bind, "engine", bind))) if bind is not None else None
    if service is not None:
        service.changed()


class SearchService:
    """Modes: "thread" (default), "inline", or "off" (outbox rows are recorded but nothing is
    applied: for tests of other features, and for a maintenance window)."""

    def __init__(self, engine: Engine, root: Path, mode: str = "thread"):
        self.engine = engine
        self.store = IndexStore(root)
        self.mode = mode
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self._worker_pid: int | None = None
        self._rebuilder: threading.Thread | None = None
        self._stop = False
        self.last_error: str | None = None
        self._purged_at = float("-inf")
        _by_engine[id(engine)] = self
        outbox.listen(_on_commit)

    backend = "whoosh"

    # --- searching ---------------------------------------------------------------------------

    def find(self, request, scope, facets: bool = True, every: bool = False):
        """One page of results (query.Found); IndexUnavailable/FileNotFoundError when the index
        is missing or damaged. Every match is always ranked and counted here (``every`` is
        for the PostgreSQL backend's bound, pgsearch.find)."""
        return self.store.read(lambda s: query.search(s, request, scope, facets=facets))

    def similar(self, text: str, own_key: str, scope, limit: int = 5, context: str = ""):
        """(found, terms) of query.similar: the points most like this text (its context,
        such as a heading, only as a hint)."""
        return self.store.read(
            lambda s: query.similar(s, text, own_key, scope, limit, context=context))

    # --- after a commit ------------------------------------------------------------------

    def changed(self) -> None:
        """Outbox rows were committed: apply them now (inline) or wake the worker."""
        if self.mode == "inline":
            self.drain()
        elif self.mode == "thread":
            self.ensure_worker()
            self._wake.set()

    def ensure_worker(self) -> None:
        """A drain thread in this process (gunicorn forks: a thread of the parent is gone)."""
        if self.mode != "thread":
            return
        if self._worker is not None and self._worker_pid == os.getpid() and self._worker.is_alive():
            return
        self._worker_pid = os.getpid()
        self._worker = threading.Thread(target=self._run, name="consult-search", daemon=True)
        self._worker.start()

    def _run(self) -> None:
        first = True
        self.check_analysis()
        while not self._stop:
            try:
                applied = self.drain()
                if first and applied:
                    log.info("search outbox: %d pending changes replayed at start-up", applied)
                first = False
            except sa.exc.OperationalError as exc:  # the database is down: wait for it
                log.warning("search outbox: database unavailable (%s)",
                            (str(exc.orig or exc).strip().splitlines() or ["?"])[0])
            except Exception:  # the rows stay pending; try again on the next round
                log.exception("applying the search outbox failed")
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def stop(self) -> None:
        self._stop = True
        self._wake.set()

    # --- applying the outbox ----------------------------------------------------------------

    def drain(self, batch: int = 500) -> int:
        """Apply pending outbox rows to the live index; returns how many. Never raises for a
        broken index: the rows stay, a rebuild is started."""
        applied = 0
        with Session(self.engine) as session:
            while outbox.pending_count(session):
                session.commit()  # end the read transaction before waiting for the lock
                if self.store.current_dir() is None:
                    if self.mode == "inline":
                        self.rebuild()  # the inline contract: the work happens right here
                        continue
                    self.request_rebuild()
                    break
                bulk = outbox.pending_count(session) >= BULK_FROM
                session.commit()
                try:
                    with self.store.write_lock():
                        rows = outbox.pending(session, BULK_BATCH if bulk else batch)
                        if not rows:
                            break
                        docs, gone = outbox.documents_for_keys(session, [r.key for r in rows])
                        try:
                            if bulk:
                                self.store.apply_bulk(docs, gone)
                            else:
                                self.store.apply(docs, gone)
                        except (IndexUnavailable, FileNotFoundError):
                            raise
                        except Exception as exc:  # a damaged file (truncated, garbage)
                            raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc
                        session.execute(
                            sa.update(SearchOutbox)
                            .where(SearchOutbox.id.in_([r.id for r in rows]))
                            .values(done_at=utcnow())
                        )
                        session.commit()
                        applied += len(rows)
                        self._purge(session)
                except LockTimeout:
                    break
                except (IndexUnavailable, FileNotFoundError) as exc:
                    session.rollback()
                    self._broken(exc)
                    break
        return applied

    def _purge(self, session: Session) -> None:
        """Forget applied rows older than a day (kept that long for a rebuild to replay);
        at most once a minute per process."""
        now = time.monotonic()
        if now - self._purged_at < 60:
            return
        self._purged_at = now
        session.execute(
            sa.delete(SearchOutbox).where(
                SearchOutbox.done_at.is_not(None), SearchOutbox.done_at < utcnow() - KEEP_APPLIED
            )
        )
        session.commit()

    def _broken(self, exc: Exception) -> None:
        self.last_error = str(exc)
        log.warning("search index unusable (%s): rebuilding", exc)
        self.request_rebuild()

    # --- rebuilding ---------------------------------------------------------------------------

    def check_analysis(self) -> bool:
        """Rebuild, in the background, a live index built with another text analysis (this
        version of consult cuts texts into other terms, store.IndexStore.outdated); searches
        use the old index until the new one is swapped in. True when a rebuild was asked."""
        try:
            outdated = self.store.outdated()
        except OSError:
            return False
        if outdated:
            log.info("search index: built with another text analysis; rebuilding")
            self.request_rebuild(only_if_outdated=True)
        return outdated

    def request_rebuild(self, only_if_outdated: bool = False) -> None:
        """Rebuild in the background (one process at a time); search says so meanwhile.
        only_if_outdated: unless another process has rebuilt it by the time this one may."""
        if self.mode == "off":
            return
        if self._rebuilder is not None and self._rebuilder.is_alive():
            return
        self._rebuilder = threading.Thread(
            target=self._rebuild_quietly, args=(only_if_outdated,), name="consult-reindex",
            daemon=True,
        )
        self._rebuilder.start()

    def join_rebuild(self, timeout: float | None = None) -> None:
        """Wait for this process's background rebuild, if one runs."""
        if self._rebuilder is not None:
            self._rebuilder.join(timeout)

    def _rebuild_quietly(self, only_if_outdated: bool = False) -> None:
        try:
            self.rebuild(only_if_outdated=only_if_outdated)
        except Exception:
            log.exception("rebuilding the search index failed")

    @property
    def rebuilding(self) -> bool:
        if self._rebuilder is not None and self._rebuilder.is_alive():
            return True
        return self._rebuild_lock_held()

    def _rebuild_lock_held(self) -> bool:
        with self.store.lock_file("rebuild.lock") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def rebuild(self, progress=None, only_if_outdated: bool = False) -> int | None:
        """Build a complete index beside the live one and swap it in; None if another
        process is already rebuilding (or, only_if_outdated, has rebuilt it already).
        ``progress(n)`` is called as documents are added."""
        with self.store.lock_file("rebuild.lock") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None
            try:
                if only_if_outdated and not self.store.outdated():
                    return None
                return self._rebuild(progress)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _rebuild(self, progress) -> int:
        started = utcnow()
        clock = time.monotonic()
        log.info("search index: rebuilding from the database")
        workers = self._workers()
        if workers > 1:
            path, count = self._build_in_parallel(workers, progress)
        else:
            path = self.store.new_dir()
            with Session(self.engine) as session:
                stream = documents.all_documents(session)
                if progress is not None:
                    stream = _counting(stream, progress)
                count = self.store.build(stream, path)
        with Session(self.engine) as session, self.store.write_lock(timeout=120):
            # Changes committed while we read: apply them to the new index, then swap.
            rows = session.execute(
                sa.select(SearchOutbox.id, SearchOutbox.key).where(
                    SearchOutbox.created_at >= started - REPLAY_MARGIN
                )
            ).all()
            docs, gone = outbox.documents_for_keys(session, {key for _id, key in rows})
            if docs or gone:
                self.store.apply(docs, gone, path)
            if rows:
                # Applied to the new index, which goes live below, under the same lock.
                session.execute(
                    sa.update(SearchOutbox)
                    .where(SearchOutbox.done_at.is_(None))
                    .where(SearchOutbox.id <= max(i for i, _k in rows))
                    .values(done_at=utcnow())
                )
            session.execute(
                sa.delete(SearchOutbox).where(
                    SearchOutbox.done_at.is_not(None),
                    SearchOutbox.done_at < utcnow() - KEEP_APPLIED,
                )
            )
            session.commit()
            self.store.swap(path)
        self.last_error = None
        log.info("search index: rebuilt with %d documents in %.1f s", count,
                 time.monotonic() - clock)
        return count

    def _workers(self) -> int:
        """Processes for a rebuild: one per core for a large database, else one."""
        wanted = int(os.environ.get("CONSULT_INDEX_WORKERS") or min(4, os.cpu_count() or 1))
        if wanted <= 1:
            return 1
        with Session(self.engine) as session:
            points = session.execute(sa.select(sa.func.count()).select_from(Point)).scalar_one()
        return wanted if points >= PARALLEL_FROM else 1

    def _build_in_parallel(self, workers: int, progress) -> tuple[Path, int]:
        """Each process indexes a share of the rows into an index of its own; their segments
        are then moved into one index (segments are self-contained files)."""
        context = multiprocessing.get_context("spawn")  # no fork from a threaded process
        counter = context.Value("q", 0)
        url = self.engine.url.render_as_string(hide_password=False)
        results = context.Queue()
        processes = [
            context.Process(
                target=_build_share,
                args=(url, str(self.store.root), i, workers, counter, results),
                daemon=True,
            )
            for i in range(workers)
        ]
        for process in processes:
            process.start()
        shares, reported = [], 0
        while len(shares) < workers:
            try:
                outcome = results.get(timeout=0.25)
            except queue.Empty:
                outcome = None
                if not any(p.is_alive() for p in processes) and results.empty():
                    raise RuntimeError("a rebuild process died") from None
            if outcome is not None:
                if outcome[0] == "error":
                    raise RuntimeError(f"a rebuild process failed:\n{outcome[1]}")
                shares.append(outcome[1:])
            if progress is not None and counter.value > reported:
                progress(counter.value - reported)
                reported = counter.value
        for process in processes:
            process.join()
        path = self.store.new_dir()
        self.store.adopt(path, [Path(p) for p, _n in shares])
        return path, sum(n for _p, n in shares)

    # --- status ---------------------------------------------------------------------------------

    def status(self) -> dict:
        """Documents in the index and in the database, per kind, and the outbox length."""
        with Session(self.engine) as session:
            database = documents.count_sources(session)
            waiting = outbox.pending_count(session)
        try:
            counted = self.store.read(matching.count_by_kind)
            indexed = {kind: counted.get(kind, 0) for kind in documents.KINDS.values()}
        except (IndexUnavailable, FileNotFoundError):
            indexed = None
        return {
            "backend": self.backend,
            "index": indexed,
            "database": database,
            "outbox": waiting,
            "rebuilding": self.rebuilding,
            "path": str(self.store.current_dir() or ""),
            "outdated": self.store.outdated(),
        }

    def wait_until_applied(self, timeout: float = 10.0) -> bool:
        """Block until the outbox is empty (tests, the CLI); True when it is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with Session(self.engine) as session:
                if not outbox.pending_count(session) and not self.rebuilding:
                    return True
            if self.mode == "inline":
                self.drain()
            time.sleep(0.02)
        return False


def _build_share(url: str, root: str, number: int, workers: int, counter, results) -> None:
    """One process of a parallel rebuild: index share ``number`` of ``workers``."""
    import traceback

    from ..db import make_engine

    def counted(n):
        with counter.get_lock():
            counter.value += n

    try:
        engine = make_engine(url)
        store = IndexStore(Path(root))
        path = store.new_dir()
        try:
            with Session(engine) as session:
                share = documents.all_documents(session, part=(number, workers))
                count = store.build(_counting(share, counted), path)
        finally:
            engine.dispose()
        results.put(("done", str(path), count))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _counting(stream, progress, step: int = 1000):
    n = 0
    for n, doc in enumerate(stream, 1):
        if n % step == 0:
            progress(step)
        yield doc
    progress(n % step)
