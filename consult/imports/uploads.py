"""An uploaded table kept between its dry run and its import, without trusting the client.

The file is stored under a generated name in the instance folder (`imports/<token>.upload`)
beside what we know of it (`<token>.json`: who uploaded it, into which consultation, its name,
size and SHA-256). The import button names only the token; the server reads the file back and
checks that the same user imports into the same consultation and that the bytes are the ones
uploaded. A kept upload lives a day at most (`KEEP`); every new upload clears older ones.
"""

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

KEEP = 24 * 3600  # seconds an upload waits for its import
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Kept:
    token: str
    filename: str
    data: bytes


class Gone(LookupError):
    """No kept upload under this token for this user and consultation (or it expired)."""


def _folder(instance_path: str) -> Path:
    folder = Path(instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(instance_path: str, user_id: int, consultation_id: int, filename: str,
         data: bytes) -> str:
    """Store an upload; returns its token (32 URL-safe characters, 192 random bits)."""
    expire(instance_path)
    folder = _folder(instance_path)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.upload").write_bytes(data)
    meta = {"user": user_id, "consultation": consultation_id, "filename": filename,
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "at": time.time()}
    tmp = folder / f"{token}.json.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, folder / f"{token}.json")  # the upload exists once its facts do
    return token


def load(instance_path: str, token: str, user_id: int, consultation_id: int) -> Kept:
    """The upload kept under `token` for this user and consultation; raises Gone."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise Gone(token)
    folder = _folder(instance_path)
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.upload").read_bytes()
    except (OSError, ValueError) as exc:
        raise Gone(token) from exc
    if (meta.get("user") != user_id or meta.get("consultation") != consultation_id
            or time.time() - meta.get("at", 0) > KEEP
            or hashlib.sha256(data).hexdigest() != meta.get("sha256")):
        raise Gone(token)
    return Kept(token, meta.get("filename", ""), data)


def drop(instance_path: str, token: str) -> None:
    """Forget an upload (after its import)."""
    if isinstance(token, str) and _TOKEN.fullmatch(token):
        for suffix in (".json", ".upload"):
            (_folder(instance_path) / f"{token}{suffix}").unlink(missing_ok=True)


def expire(instance_path: str, now: float | None = None) -> int:
    """Remove uploads older than KEEP; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in _folder(instance_path).glob("*.upload"):
        try:
            if now - path.stat().st_mtime > KEEP:
                drop(instance_path, path.stem)
                removed += 1
        except FileNotFoundError:  # another worker removed it just now
            continue
    return removed
