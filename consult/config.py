"""Settings, read from the environment once, with safe defaults for a local SQLite install."""

import os
import secrets
from pathlib import Path

from .links import check_base_url, trusted_hosts

DATABASE_URL_ENV = "CONSULT_DATABASE_URL"
SECRET_KEY_ENV = "CONSULT_SECRET_KEY"


def _instance_secret_key(instance_path: str) -> str:
    """Return the secret key stored in the instance folder, generating it on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def default_database_url(instance_path: str) -> str:
    """The embedded default: a SQLite file in the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / "consult.sqlite3")


def default_storage(database_url: str) -> str:
    """Where uploads are kept unless CONSULT_FILES_STORAGE says: ``database`` on PostgreSQL
    (every app machine reads the one database), ``folder`` on SQLite."""
    return "database" if database_url.startswith("postgresql") else "folder"


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from environment variables, then apply overrides."""
    overrides = overrides or {}
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    base_url = check_base_url(overrides.get("BASE_URL", os.environ.get("CONSULT_BASE_URL")))
    settings = {
        "SECRET_KEY": overrides.get("SECRET_KEY")
        or os.environ.get(SECRET_KEY_ENV)
        or _instance_secret_key(instance_path),
        "DATABASE_URL": os.environ.get(DATABASE_URL_ENV) or default_database_url(instance_path),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Uploads up to 10 MB; a pasted letter travels as a form field, so allow that too.
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 12 * 1024 * 1024,
        # The composer posts three fields per point: enough for the most points a reaction
        # holds (2,000, consult/intake.py) and the rest of the form (Flask's default: 1,000).
        "MAX_FORM_PARTS": 7_000,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "PROXY_HOPS": int(os.environ.get("CONSULT_PROXY_HOPS") or 0),
        "SMTP_HOST": os.environ.get("CONSULT_SMTP_HOST"),
        "SMTP_PORT": os.environ.get("CONSULT_SMTP_PORT"),
        "SMTP_USER": os.environ.get("CONSULT_SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("CONSULT_SMTP_PASSWORD"),
        "SMTP_STARTTLS": os.environ.get("CONSULT_SMTP_STARTTLS") == "1",
        "MAIL_FROM": os.environ.get("CONSULT_MAIL_FROM"),
        # How the search index follows the database after a commit: "thread" (a background
        # thread per process; the request does not wait) or "inline" (in the committing thread).
        "SEARCH_MODE": os.environ.get("CONSULT_SEARCH_MODE") or "thread",
        # Where the search index lives: "whoosh" (a folder of this machine, the default) or
        # "postgres" (a table of the PostgreSQL database, shared by every machine on it).
        "SEARCH_BACKEND": os.environ.get("CONSULT_SEARCH_BACKEND") or "whoosh",
        # PostgreSQL backend: words expected to match more documents than this are ranked,
        # counted and faceted over the newest matches only (search/pgsearch.py, find()); 0:
        # always all of them.
        "SEARCH_COUNT_LIMIT": int(os.environ.get("CONSULT_SEARCH_COUNT_LIMIT") or 4000),
        # Where uploaded originals (uploads/) and tables waiting for their import (imports/)
        # are kept: the instance folder, or a folder every app machine mounts (several
        # machines: README, "Several machines").
        # This machine takes over the Whoosh index of a PostgreSQL database from the machine
        # that had it (search/owner.py).
        "SEARCH_TAKE_OVER": os.environ.get("CONSULT_SEARCH_TAKE_OVER") == "1",
        "FILES_PATH": os.environ.get("CONSULT_FILES_PATH") or instance_path,
        # Where uploads are kept: "database" (rows every machine reads) or "folder"
        # (FILES_PATH); unset: database on PostgreSQL, folder on SQLite (consult/files.py).
        "FILES_STORAGE": os.environ.get("CONSULT_FILES_STORAGE") or None,
        # A folder for the templates' compiled form (Jinja's bytecode cache), shared by every
        # process that names it: a new worker then loads what another compiled instead of
        # compiling each page's templates on its first request (~0.1-0.3 s a page). Unset:
        # each process compiles its own.
        "TEMPLATE_CACHE_PATH": os.environ.get("CONSULT_TEMPLATE_CACHE_PATH") or None,
        # Megabytes of figures and fragments kept per revision on this machine's disk
        # (instance folder, shared-cache/), shared by its worker processes; 0: each process
        # keeps its own only (consult/revisions.py).
        "SHARED_CACHE_MB": int(os.environ.get("CONSULT_SHARED_CACHE_MB") or 256),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("CONSULT_INSECURE_COOKIES") != "1"
        and os.environ.get("FLASK_DEBUG") != "1",
    }
    settings.update(overrides)
    if not settings.get("FILES_STORAGE"):
        settings["FILES_STORAGE"] = default_storage(settings["DATABASE_URL"])
    # Where the app is reached: every link in a mail or handed on is built from it, and
    # requests naming any other host are refused (400).
    settings["BASE_URL"] = base_url
    if "TRUSTED_HOSTS" not in overrides:
        settings["TRUSTED_HOSTS"] = trusted_hosts(base_url,
                                                  os.environ.get("CONSULT_TRUSTED_HOSTS"))
    return settings
