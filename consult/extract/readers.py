"""The readers, one per kind of upload; this is what runs inside the sandboxed child process."""

import warnings
from dataclasses import dataclass, field
from datetime import date

from . import docx, kinds, mail, odt, pdf, plain, rtf
from .errors import ExtractError, Limits, too_complex

# Attached files of an e-mail that may be the letter itself (by content; .txt by name too).
LETTER_KINDS = {"pdf", "docx", "odt", "rtf"}
BODY = "body"


@dataclass
class Part:
    """One thing in an e-mail that can be the letter: the body ("body") or an attached file."""

    key: str  # "body", or the attached file's place among the letters: "1", "2", ...
    name: str  # the attached file's name ("" for the body)


@dataclass
class Letter:
    """What an upload says: its text (or why that part cannot be read) and, for an e-mail, the
    sender, the date it was sent, the subject, and the parts the letter can be taken from."""

    text: str
    kind: str
    error: str | None = None
    sender: str = ""
    sent_on: date | None = None
    subject: str = ""
    parts: list[Part] = field(default_factory=list)
    chosen: str = ""  # the key of the part `text` comes from
    enclosure: tuple[str, bytes] | None = None  # that attached file (name, bytes), to keep


def _refuse_claims(suffix: str, kind: str) -> None:
    """A name that claims what the content is not (a ".pdf" that is no PDF) is an error."""
    if suffix == ".pdf" and kind != "pdf":
        raise ExtractError(pdf.NOT_A_PDF)
    if suffix == ".docx" and kind != "docx":
        raise ExtractError(docx.NOT_A_DOCX)
    if suffix == ".odt" and kind != "odt":
        raise ExtractError(odt.NOT_AN_ODT)
    if suffix == ".msg" and kind != "msg":
        raise ExtractError(mail.NOT_A_MAIL)


def _by_kind(kind: str, data: bytes, limits: Limits) -> str:
    """The text of a file of a known kind (not an e-mail)."""
    if kind == "pdf":
        return pdf.read(data, limits)
    if kind == "odt":
        return odt.read(data, limits)
    if kind in ("docx", "zip", "odf", "xlsx"):
        return docx.read(data, limits)
    if kind == "rtf":
        return rtf.read(data)
    if kind in ("doc", "ole"):
        raise ExtractError(
            "Dit is een oud Word-bestand (.doc). "
            "Sla het op als .docx of PDF en probeer het opnieuw."
        )
    if kind == "image":
        raise ExtractError(
            "Dit is een afbeelding, geen tekst. Upload de brief als .docx of PDF met tekst, "
            "of plak de tekst in het tekstvak."
        )
    return plain.read(data)


def text_of(kind: str, data: bytes, limits: Limits) -> str:
    """The text of one file, checked for length and emptiness."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = _by_kind(kind, data, limits)
    if len(text) > limits.text_chars:
        raise too_complex("te veel tekst")
    if not text.strip():
        raise ExtractError("Er staat geen tekst in dit bestand.")
    return text


def _mail(kind: str, data: bytes, limits: Limits, part: str | None) -> Letter:
    """An e-mail: its body and each attached letter offered; the chosen one's text read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        message = mail.read_eml(data, limits) if kind == "eml" else mail.read_msg(data, limits)
    letters = [
        (name, payload) for name, payload in message.enclosures
        if payload and (kinds.kind(payload) in LETTER_KINDS or kinds.suffix(name) == ".txt")
    ]  # fmt: skip
    parts = [Part(BODY, "")] + [
        Part(str(i), kinds.display_name(name)) for i, (name, _data) in enumerate(letters, 1)
    ]
    keys = {p.key for p in parts}
    chosen = part if part in keys else ("1" if letters else BODY)
    letter = Letter(
        "", kind, sender=message.sender, sent_on=message.sent_on, subject=message.subject,
        parts=parts, chosen=chosen,
    )
    try:
        if chosen == BODY:
            if not message.body.strip():
                raise ExtractError("Deze e-mail heeft geen tekst; kies een bijlage.")
            letter.text = message.body
        else:
            name, payload = letters[int(chosen) - 1]
            letter.enclosure = (name, payload)
            letter.text = text_of(kinds.kind(payload), payload, limits)
    except ExtractError as error:
        letter.error = str(error)
    return letter


def read(filename: str, data: bytes, limits: Limits, part: str | None = None) -> Letter:
    """What an upload says, by its content; ExtractError with a Dutch message otherwise.

    For an e-mail, `part` chooses the body ("body") or an attached letter ("1", "2", ...);
    by default the first attached letter, else the body.
    """
    kind = kinds.kind(data)
    _refuse_claims(kinds.suffix(filename), kind)
    if kind in ("eml", "msg"):
        return _mail(kind, data, limits, part)
    return Letter(text_of(kind, data, limits), kind)


def blocks_of(filename: str, data: bytes, limits: Limits) -> list[tuple[int | None, str]]:
    """An upload's paragraphs with their heading levels where the file marks headings (Word
    heading styles, OpenDocument text:h); other kinds give their whole text as one block with
    level None. ExtractError (Dutch) as `read`; an e-mail is refused."""
    kind = kinds.kind(data)
    if kind not in ("docx", "odt", "pdf"):  # a document is read by what it is: a .docx
        _refuse_claims(kinds.suffix(filename), kind)  # renamed .pdf is a Word file
    if kind in ("eml", "msg"):
        raise ExtractError("Dit is een e-mail, geen document. Upload het document zelf.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "docx":
            found = docx.blocks(data, limits)
        elif kind == "odt":
            found = odt.blocks(data, limits)
        else:
            found = [(None, text_of(kind, data, limits))]
    if sum(len(line) for _level, line in found) > limits.text_chars:
        raise too_complex("te veel tekst")
    if not any(line.strip() for _level, line in found):
        raise ExtractError("Er staat geen tekst in dit bestand.")
    return found
