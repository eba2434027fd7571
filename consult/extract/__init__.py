"""The bytes of an uploaded letter -> its text, or a Dutch error message.

The type is decided by the content (magic bytes, the names inside a zip), never by the name
alone: the name only tells what the sender claims, and a claim the content contradicts (a ".pdf"
that is no PDF) is an error. The name is never used as a path.

Reading happens in a sandboxed child process (`sandbox`), within `Limits`: an upload that is too
complex is refused with a message saying so, and none costs more than a few seconds of one core.
"""

from ..cleantext import clean_text
from . import kinds, sandbox
from .errors import LIMITS, ExtractError, Limits
from .kinds import display_name
from .readers import BODY, Letter, Part

__all__ = [
    "BODY", "LIMITS", "MAX_UPLOAD_BYTES", "ExtractError", "Letter", "Limits", "Part",
    "content_type", "display_name", "extract_text", "read_blocks", "read_letter",
]  # fmt: skip

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def read_letter(
    filename: str, data: bytes, part: str | None = None, limits: Limits | None = None
) -> Letter:
    """What an uploaded file says (`Letter`): its text and, for an e-mail, sender, date, subject
    and the parts to choose from (`part`: "body", "1", "2", ...; default the first attached
    letter). Raises ExtractError (a Dutch message) for a file that cannot be read at all; a
    chosen e-mail part that cannot be read comes back as `Letter.error`.

    Reading runs in a child process bounded by `limits` (default `LIMITS`).
    """
    from .readers import read

    if not data:
        raise ExtractError("Het bestand is leeg.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExtractError("Het bestand is groter dan 10 MB. Upload een kleiner bestand.")
    limits = limits or LIMITS
    letter = sandbox.run(read, (filename, data, limits, part), limits)
    # A control character would break every export of the letter (consult.cleantext).
    letter.text = clean_text(letter.text)
    letter.sender, letter.subject = clean_text(letter.sender), clean_text(letter.subject)
    return letter


def extract_text(filename: str, data: bytes, limits: Limits | None = None) -> str:
    """The text of an uploaded letter (an e-mail: its first attached letter, else its body);
    raise ExtractError (a Dutch message) if it is unreadable."""
    letter = read_letter(filename, data, limits=limits)
    if letter.error:
        raise ExtractError(letter.error)
    return letter.text


def content_type(data: bytes) -> str:
    """The media type to store and serve an accepted upload with (decided by its content)."""
    return kinds.CONTENT_TYPES.get(kinds.kind(data), "application/octet-stream")


def read_blocks(filename: str, data: bytes, limits: Limits | None = None) -> list:
    """A document's paragraphs as [(heading level or None, text)], read in the sandbox like
    `read_letter` (Word and OpenDocument headings keep their level; other kinds come back as
    one block of text). Raises ExtractError (a Dutch message) for an unreadable file."""
    from .readers import blocks_of

    if not data:
        raise ExtractError("Het bestand is leeg.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExtractError("Het bestand is groter dan 10 MB. Upload een kleiner bestand.")
    limits = limits or LIMITS
    found = sandbox.run(blocks_of, (filename, data, limits), limits)
    return [(level, clean_text(text)) for level, text in found]
