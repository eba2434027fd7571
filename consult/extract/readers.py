"""The readers, one per kind of upload; this is what runs inside the sandboxed child process."""

import warnings

from . import docx, kinds, pdf, plain
from .errors import ExtractError, Limits, too_complex


def _refuse_claims(suffix: str, kind: str) -> None:
    """A name that claims what the content is not (a ".pdf" that is no PDF) is an error."""
    if suffix == ".pdf" and kind != "pdf":
        raise ExtractError(pdf.NOT_A_PDF)
    if suffix == ".docx" and kind != "docx":
        raise ExtractError(docx.NOT_A_DOCX)


def read(filename: str, data: bytes, limits: Limits) -> str:
    """The text of an upload by its content; ExtractError with a Dutch message otherwise."""
    kind = kinds.kind(data)
    _refuse_claims(kinds.suffix(filename), kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "pdf":
            text = pdf.read(data, limits)
        elif kind in ("docx", "zip", "odt", "odf", "xlsx"):
            text = docx.read(data, limits)
        elif kind in ("doc", "ole", "msg"):
            raise ExtractError(
                "Dit is een oud Word-bestand (.doc). "
                "Sla het op als .docx of PDF en probeer het opnieuw."
            )
        elif kind == "rtf":
            raise ExtractError("Dit is een RTF-bestand. Sla het op als .docx, PDF of platte tekst.")
        elif kind == "image":
            raise ExtractError(
                "Dit is een afbeelding, geen tekst. Upload de brief als .docx of PDF met tekst, "
                "of plak de tekst in het tekstvak."
            )
        else:
            text = plain.read(data)
    if len(text) > limits.text_chars:
        raise too_complex("te veel tekst")
    if not text.strip():
        raise ExtractError("Er staat geen tekst in dit bestand.")
    return text
