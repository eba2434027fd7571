"""Forms that are safe to send twice.

Every form that creates something carries a one-time key (``new_key``, rendered into a hidden
field). The first request with a key claims it, in the same transaction as what it creates
(``claim`` ... ``record``); a repeat of that form — a double click, a retry after a timeout,
the page sent again from another tab or after the back button — finds the claim and is
answered with the original result instead of being stored twice. Two copies at the same
moment: the second waits for the first's transaction (PostgreSQL on the key's unique index,
SQLite on its write lock) and then finds the claim, or, if the first rolled back, claims the
key itself.

The claim keeps a digest of what was sent: the same key with other content (text changed
after a timeout) is not a repeat, and is refused with ``Resubmitted`` rather than silently
answered with the earlier result. A request without a key is handled as before.
Operations only flush; the request commits.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from .models import FormSubmission, User, utcnow

FIELD = "form_key"
KEEP = timedelta(days=30)  # a form left open longer than this may be stored twice
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class Resubmitted(ValueError):
    """The form's key was used before for different content; nothing of this request is kept."""

    def __init__(self):
        super().__init__(_(
            "This form was already sent and saved. What you changed since then is not saved "
            "yet; your text is still here. Save again to keep it as well."))


def new_key() -> str:
    """A fresh one-time key for a form: 32 URL-safe characters (192 random bits)."""
    return secrets.token_urlsafe(24)


def fingerprint(path: str, fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
                ) -> str:
    """A SHA-256 hex digest of what a form sent: the path, its fields (in any order) and its
    files (field name, file name, content)."""
    digest = hashlib.sha256(path.encode())
    for name, value in sorted(fields):
        digest.update(b"\0f" + name.encode() + b"\0" + value.encode())
    for name, filename, content in sorted(files):
        digest.update(b"\0u" + name.encode() + b"\0" + filename.encode() + b"\0"
                      + hashlib.sha256(content).digest())
    return digest.hexdigest()


@dataclass
class Claim:
    """The outcome of ``claim``: ``earlier`` is set when this form was handled before."""

    key: str | None
    earlier: FormSubmission | None = None

    @property
    def repeated(self) -> bool:
        return self.earlier is not None


def claim(session: Session, actor: User, key: str | None, digest: str) -> Claim:
    """Claim the form's key for this request, or find the request that claimed it.

    Returns a Claim; ``repeated`` means the same user sent the same content with this key
    before (answer with that result, store nothing). A missing or malformed key claims
    nothing (old pages, scripts). Raises Resubmitted when the key came with other content
    or from another user. Must run before anything is written, so that a repeat waits here.
    """
    if not key or not _KEY.fullmatch(key):
        return Claim(None)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    inserted = session.execute(
        insert(FormSubmission)
        .values(key=key, user_id=actor.id, fingerprint=digest, created_at=now)
        .on_conflict_do_nothing(index_elements=[FormSubmission.key])
        .returning(FormSubmission.key)  # a row only when inserted (rowcount is -1 on psycopg)
    ).first()
    if inserted:
        session.execute(sa.delete(FormSubmission).where(
            FormSubmission.user_id == actor.id, FormSubmission.created_at < now - KEEP))
        return Claim(key)
    earlier = session.get(FormSubmission, key, populate_existing=True)
    if earlier is None or earlier.user_id != actor.id or earlier.fingerprint != digest:
        raise Resubmitted()
    return Claim(key, earlier)


def handled(session: Session, actor: User, key: str | None, digest: str
            ) -> FormSubmission | None:
    """The earlier handling of this very form (same key, same user, same content), without
    claiming anything; None when it was not handled (or the key is missing or malformed).
    For a repeat that arrives after the first request removed what it acts on."""
    if not key or not _KEY.fullmatch(key):
        return None
    earlier = session.get(FormSubmission, key)
    if earlier is None or earlier.user_id != actor.id or earlier.fingerprint != digest:
        return None
    return earlier


def record(session: Session, claimed: Claim, target_id: int | None) -> None:
    """Remember what the claimed form created (the id its repeats are answered with)."""
    if claimed.key and not claimed.repeated:
        session.execute(
            sa.update(FormSubmission).where(FormSubmission.key == claimed.key)
            .values(target_id=target_id)
        )
