"""The bytes of an uploaded letter -> its text, or a Dutch error message.

The type is decided by the content (magic bytes, the names inside a zip), never by the name
alone: the name only tells what the sender claims, and a claim the content contradicts (a ".pdf"
that is no PDF) is an error. The name is never used as a path.

Reading happens in a sandboxed child process (`sandbox`), within `Limits`: an upload that is too
complex is refused with a message saying so, and none costs more than a few seconds of one core.
"""

from pathlib import PurePosixPath

from . import kinds, sandbox
from .errors import LIMITS, ExtractError, Limits

__all__ = [
    "LIMITS", "MAX_UPLOAD_BYTES", "ExtractError", "Limits", "content_type", "display_name",
    "extract_text",
]  # fmt: skip

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def extract_text(filename: str, data: bytes, limits: Limits | None = None) -> str:
    """The text of an uploaded letter; raise ExtractError (a Dutch message) if it is unreadable.

    `limits` defaults to `LIMITS`; reading runs in a child process bounded by them.
    """
    from .readers import read

    if not data:
        raise ExtractError("Het bestand is leeg.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExtractError("Het bestand is groter dan 10 MB. Upload een kleiner bestand.")
    return sandbox.run(read, (filename, data, limits or LIMITS), limits or LIMITS)


def content_type(data: bytes) -> str:
    """The media type to store and serve an accepted upload with (decided by its content)."""
    return kinds.CONTENT_TYPES.get(kinds.kind(data), "application/octet-stream")


def display_name(filename: str) -> str:
    """The file's own name without any directories, safe to show and to offer as a download."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return name[-255:] or "bestand"
