"""Plain-text uploads: the encodings Dutch offices produce, and a check that it really is text."""

import codecs
import unicodedata

from .errors import ExtractError

_CONTROL_SHARE = 0.01  # more control characters than this: not text


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ExtractError("Dit bestand bevat geen leesbare tekst.") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ExtractError("Dit bestand bevat geen leesbare tekst.") from exc


def _looks_like_html(text: str) -> bool:
    """Whether the text is a web page (HTML) rather than a letter."""
    head = text.lstrip().lower()[:2000]
    if head.startswith(("<!doctype html", "<html")):
        return True
    return head.startswith("<") and any(tag in head for tag in ("<html", "<body", "<head"))


def read(data: bytes) -> str:
    """Decode a text file and make sure it really is text."""
    text = decode(data)
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if "\x00" in text or controls > _CONTROL_SHARE * len(text):
        raise ExtractError("Dit bestand bevat geen leesbare tekst.")
    if _looks_like_html(text):
        raise ExtractError(
            "Dit bestand is een webpagina (HTML), geen platte tekst. "
            "Kopieer de tekst uit de browser en plak die in het tekstvak."
        )
    return text
