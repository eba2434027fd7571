"""Log lines in one format for the app and gunicorn, on standard error."""

import logging
import os

LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
LEVEL_ENV = "CONSULT_LOG_LEVEL"


def level() -> str:
    """The app's log level from the environment (INFO unless told otherwise)."""
    return (os.environ.get(LEVEL_ENV) or "INFO").upper()


def init_app(app) -> None:
    """Send the app's loggers ("consult", "consult.search", ...) to standard error in
    LOG_FORMAT, unless someone (gunicorn.conf.py, a test runner) configured them already."""
    if app.debug or app.testing:
        return
    logger = logging.getLogger("consult")
    logger.setLevel(level())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
