"""An uploaded table kept between its dry run and its import, without trusting the client.

The file is kept in the file store (consult/files.py, kind ``imports``) under a generated name
(`<token>.upload`) beside what we know of it (`<token>.json`: who uploaded it, into which
consultation, its name, size and SHA-256). The import button names only the token; the server
reads the file back and checks that the same user imports into the same consultation and that
the bytes are the ones uploaded. A kept upload lives a day at most (`KEEP`); every new upload
clears older ones. With the database store the two are rows, written in the request's
transaction: every app machine finds them.
"""

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass

from sqlmodel import Session

from ..files import Files, Missing

KEEP = 24 * 3600  # seconds an upload waits for its import
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
KIND = "imports"


@dataclass(frozen=True)
class Kept:
    token: str
    filename: str
    data: bytes


class Gone(LookupError):
    """No kept upload under this token for this user and consultation (or it expired)."""


def keep(files: Files, session: Session, user_id: int, consultation_id: int, filename: str,
         data: bytes) -> str:
    """Store an upload (the caller commits); returns its token (32 URL-safe characters, 192
    random bits)."""
    expire(files, session)
    token = secrets.token_urlsafe(24)
    files.put(session, KIND, f"{token}.upload", data)
    meta = {"user": user_id, "consultation": consultation_id, "filename": filename,
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "at": time.time()}
    # Written last (a folder writes at once): the upload exists once its facts do.
    files.put(session, KIND, f"{token}.json", json.dumps(meta).encode())
    return token


def load(files: Files, token: str, user_id: int, consultation_id: int) -> Kept:
    """The upload kept under `token` for this user and consultation; raises Gone."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise Gone(token)
    try:
        meta = json.loads(files.read(KIND, f"{token}.json"))
        data = files.read(KIND, f"{token}.upload")
    except (Missing, ValueError) as exc:
        raise Gone(token) from exc
    if (meta.get("user") != user_id or meta.get("consultation") != consultation_id
            or time.time() - meta.get("at", 0) > KEEP
            or hashlib.sha256(data).hexdigest() != meta.get("sha256")):
        raise Gone(token)
    return Kept(token, meta.get("filename", ""), data)


def drop(files: Files, session: Session, token: str) -> None:
    """Forget an upload (after its import; with the database store, in the same transaction)."""
    if isinstance(token, str) and _TOKEN.fullmatch(token):
        for suffix in (".json", ".upload"):
            files.delete(session, KIND, f"{token}{suffix}")


def expire(files: Files, session: Session, now: float | None = None) -> int:
    """Remove uploads older than KEEP (epoch seconds ``now``, default this moment); returns
    how many."""
    removed = 0
    for name in files.older_than(KIND, KEEP, now):
        if name.endswith(".upload"):
            drop(files, session, name.removesuffix(".upload"))
            removed += 1
    return removed
