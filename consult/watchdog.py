"""A time limit per request for gunicorn workers, threaded ones too (uWSGI's "harakiri").

gunicorn's own ``timeout`` only notices a worker whose main loop stops answering; in a
threaded (gthread) worker the main loop goes on while one of its threads is stuck in a
request, so such a request could hold its thread, its database connection and its locks for
ever. Every worker therefore runs a watchdog thread. gunicorn's ``pre_request`` and
``post_request`` hooks (see gunicorn.conf.py) tell it when each request starts and ends;
when one has run longer than the limit, the watchdog logs it (method, path, how long, and the
stack of the stuck thread), stops the worker taking new requests, gives the worker's other
requests up to ``GRACE`` seconds to finish, and ends the process. The gunicorn master starts
a new worker in its place; the stuck request's client gets its connection closed.

``CONSULT_REQUEST_TIMEOUT``: the limit in seconds (default 60; 0 switches it off).
"""

import logging
import os
import sys
import threading
import time
import traceback

log = logging.getLogger("consult.watchdog")

DEFAULT_LIMIT = 60
GRACE = 5.0  # seconds the worker's other requests get to finish
EXIT_CODE = 1  # not 3 or 4: gunicorn's master stops everything on those


def limit_from_environment() -> int:
    """CONSULT_REQUEST_TIMEOUT in whole seconds (0: no limit); an unreadable value is the
    default, with a warning."""
    raw = os.environ.get("CONSULT_REQUEST_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_LIMIT
    try:
        return max(0, int(raw))
    except ValueError:
        log.warning("CONSULT_REQUEST_TIMEOUT=%r is not a number of seconds; using %d",
                    raw, DEFAULT_LIMIT)
        return DEFAULT_LIMIT


class Watchdog:
    """Watches the requests of one worker process; ``start`` it once in the worker."""

    def __init__(self, worker, limit: float, grace: float = GRACE):
        self.worker = worker
        self.limit = limit
        self.grace = grace
        self.running: dict[int, tuple[float, str]] = {}  # thread id -> (started, "GET /x")

    def started(self, method: str, path: str) -> None:
        """A request starts in the calling thread."""
        self.running[threading.get_ident()] = (time.monotonic(), f"{method} {path}")

    def finished(self) -> None:
        """The calling thread's request is done (answered, failed or abandoned)."""
        self.running.pop(threading.get_ident(), None)

    def start(self) -> None:
        """Start watching in a daemon thread (nothing when there is no limit)."""
        if self.limit > 0:
            threading.Thread(target=self._watch, name="consult-watchdog", daemon=True).start()

    def _watch(self) -> None:
        interval = min(1.0, self.limit / 4)
        while True:
            time.sleep(interval)
            now = time.monotonic()
            for ident, (began, what) in list(self.running.items()):
                if now - began > self.limit:
                    self._end_worker(ident, what, now - began)
                    return

    def _end_worker(self, ident: int, what: str, seconds: float) -> None:
        """Log the stuck request, let the others finish, and end this worker process."""
        frame = sys._current_frames().get(ident)
        stack = "".join(traceback.format_stack(frame)) if frame is not None else "(gone)\n"
        log.error(
            "request %s has run %.0f s, over the limit of %d s (CONSULT_REQUEST_TIMEOUT): "
            "worker %d stops and the master starts a new one; the request was at:\n%s",
            what, seconds, self.limit, os.getpid(), stack.rstrip(),
        )
        self.worker.alive = False  # take no new requests
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and any(i != ident for i in list(self.running)):
            time.sleep(0.05)
        sys.stdout.flush()
        sys.stderr.flush()
        # Not sys.exit: Python would wait for the stuck thread before exiting.
        os._exit(EXIT_CODE)


def install(worker, limit: int | None = None) -> Watchdog:
    """Give a gunicorn worker its watchdog (``worker.consult_watchdog``) and start it."""
    watchdog = Watchdog(worker, limit_from_environment() if limit is None else limit)
    worker.consult_watchdog = watchdog
    watchdog.start()
    return watchdog
