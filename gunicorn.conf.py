"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (everything from CONSULT_*
environment variables, see the README's "Production")."""

import multiprocessing
import os
import uuid

from consult.logs import LOG_FORMAT, level

wsgi_app = "app:app"
bind = os.environ.get("CONSULT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CONSULT_WORKERS") or 2 * multiprocessing.cpu_count())
threads = int(os.environ.get("CONSULT_THREADS") or 4)
timeout = int(os.environ.get("CONSULT_TIMEOUT") or 60)
# gunicorn's timeout does not cover a thread stuck in a request: consult/watchdog.py ends a
# worker whose request runs longer than CONSULT_REQUEST_TIMEOUT (default 60 s; 0: off).
graceful_timeout = 30
# Every worker builds its own app (engine, pool, search service with its background thread):
# nothing is shared through fork.
preload_app = False
# No `gunicornc` control socket: its default path is one per user, shared by every gunicorn
# on the machine.
control_socket_disable = True

accesslog = "-"  # standard output
errorlog = "-"  # standard error
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
loglevel = level().lower()

# One format for gunicorn's own lines, its access lines and the app's ("consult.*").
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"consult": {"format": LOG_FORMAT}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "consult",
                   "stream": "ext://sys.stdout"},
        "stderr": {"class": "logging.StreamHandler", "formatter": "consult",
                   "stream": "ext://sys.stderr"},
    },
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": level(), "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "consult": {"level": level(), "handlers": ["stderr"], "propagate": False},
    },
}


def post_worker_init(worker):
    """Start the worker's search thread at once, so that outbox rows left by a crash are
    replayed at start-up, not at the first request; start the upload readers' fork server and
    its request watchdog; freeze what the worker holds from its start (gc.freeze: no later
    collection traverses it); say what the worker serves."""
    import gc
    import logging
    import threading

    from consult import search, watchdog
    from consult.extract import sandbox

    threading.Thread(target=sandbox.warm, name="upload-readers", daemon=True).start()
    app = worker.wsgi
    service = search.service(app)
    service.ensure_worker()
    limit = watchdog.install(worker).limit
    # Everything the worker holds from its start (modules, the app, its engine, the caches of
    # the text analysis, SQLAlchemy and Jinja, whose dicts grow with every new word and
    # statement) is left out of every later garbage collection: a full collection traversed
    # them all, 179-286 ms in the middle of a request at 1,000,000 points (gc.callbacks in
    # the workers during 32 search requests); frozen, 13-31 ms.
    gc.freeze()
    logging.getLogger("consult").info(
        "worker ready: database %s, search index %s (%s), requests limited to %s, "
        "%d start-up objects kept out of garbage collection",
        app.extensions["consult.engine"].url.render_as_string(hide_password=True),
        service.store.root, service.mode, f"{limit} s" if limit else "no time",
        gc.get_freeze_count(),
    )


def pre_request(worker, req):
    """Tell the watchdog a request starts (and log it at debug level, as gunicorn does)."""
    worker.log.debug("%s %s", req.method, req.path)
    watchdog = getattr(worker, "consult_watchdog", None)
    if watchdog is not None:
        watchdog.started(req.method, req.path)


def post_request(worker, req, environ, resp):
    """Tell the watchdog the request is done."""
    watchdog = getattr(worker, "consult_watchdog", None)
    if watchdog is not None:
        watchdog.finished()


def on_starting(server):
    """One name for this start's shared cache (consult/revisions.py), inherited by every
    worker: a restart or a reload (HUP: new workers) begins empty, as each worker's own
    memory did, so a fix made in SQL by hand shows after either."""
    os.environ["CONSULT_BOOT_ID"] = uuid.uuid4().hex


on_reload = on_starting
