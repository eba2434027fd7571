"""The bytes of an uploaded letter (.txt, .docx or .pdf) -> its text, or a Dutch error message.

The type is decided by the content (magic bytes), never by the name alone: the name only tells
what the sender claims, and a claim the content contradicts (a ".pdf" that is no PDF) is an
error. The name is never used as a path.
"""

import codecs
import io
import unicodedata
import warnings
import zipfile
from pathlib import PurePosixPath

from .cleantext import clean_text

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 (.doc), old Excel
_RTF_MAGIC = b"{\\rtf"
_CONTROL_SHARE = 0.01  # more control characters than this: not text
_MAX_UNZIPPED = 200 * 1024 * 1024  # a .docx that unpacks to more is a zip bomb, not a letter


class ExtractError(ValueError):
    """An upload that cannot be read as a letter; str(error) is a Dutch message for the user."""


def _suffix(filename: str) -> str:
    """The lower-case extension of a file name (".pdf"), treating the name as a plain string."""
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def _kind(data: bytes) -> str:
    """What the content is: "pdf", "zip", "ole", "rtf" or "text"."""
    if _PDF_MAGIC in data[:1024]:
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.lstrip().startswith(_RTF_MAGIC):
        return "rtf"
    return "text"


def extract_text(filename: str, data: bytes) -> str:
    """The text of an uploaded .txt, .docx or .pdf file; raise ExtractError if it is unreadable."""
    if not data:
        raise ExtractError("Het bestand is leeg.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExtractError("Het bestand is groter dan 10 MB. Upload een kleiner bestand.")
    suffix, kind = _suffix(filename), _kind(data)
    if suffix == ".pdf" and kind != "pdf":
        raise ExtractError("Dit bestand is geen leesbare PDF.")
    if suffix == ".docx" and kind != "zip":
        raise ExtractError("Dit bestand is geen leesbaar Word-bestand (.docx).")
    if kind == "pdf":
        text = _pdf_text(data)
    elif kind == "zip":
        text = _docx_text(data)
    elif kind == "ole":
        raise ExtractError(
            "Dit is een oud Word-bestand (.doc). "
            "Sla het op als .docx of PDF en probeer het opnieuw."
        )
    elif kind == "rtf":
        raise ExtractError("Dit is een RTF-bestand. Sla het op als .docx, PDF of platte tekst.")
    else:
        text = _plain_text(data)
    text = clean_text(text)  # a control character would break every export of the letter
    if not text.strip():
        raise ExtractError("Er staat geen tekst in dit bestand.")
    return text


# --- Plain text --------------------------------------------------------------------------


def _decode(data: bytes) -> str:
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


def _plain_text(data: bytes) -> str:
    """Decode a text file and make sure it really is text."""
    text = _decode(data)
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if "\x00" in text or controls > _CONTROL_SHARE * len(text):
        raise ExtractError("Dit bestand bevat geen leesbare tekst.")
    if _looks_like_html(text):
        raise ExtractError(
            "Dit bestand is een webpagina (HTML), geen platte tekst. "
            "Kopieer de tekst uit de browser en plak die in het tekstvak."
        )
    return text


# --- PDF ---------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, page after page."""
    from pypdf import PdfReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ExtractError("Deze PDF is beveiligd met een wachtwoord.")
            pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise ExtractError("Dit bestand is geen leesbare PDF.") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise ExtractError(
            "In deze PDF staat geen tekst (misschien is het een scan). "
            "Plak de tekst of upload een PDF met tekst."
        )
    return text


# --- Word (.docx) ----------------------------------------------------------------------------


def _docx_text(data: bytes) -> str:
    """The paragraphs and tables of a .docx in document order, with list numbers written out."""
    from docx import Document

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractError("Dit bestand is geen leesbaar Word-bestand (.docx).") from exc
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise ExtractError("Dit bestand is geen leesbaar Word-bestand (.docx).")
    if sum(entry.file_size for entry in entries) > _MAX_UNZIPPED:
        raise ExtractError("Dit Word-bestand is uitgepakt te groot om te lezen.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = Document(io.BytesIO(data))
            return _Numbering(document).text(document)
    except Exception as exc:  # damaged XML, missing parts, unexpected structures
        raise ExtractError("Dit bestand is geen leesbaar Word-bestand (.docx).") from exc


def _to_roman(n: int) -> str:
    """12 -> "xii"."""
    out = ""
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


def _format_counter(n: int, fmt: str) -> str:
    """A list counter in Word's number format: decimal, lowerLetter, upperRoman, ..."""
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
    if fmt == "lowerRoman":
        return _to_roman(n)
    if fmt == "upperRoman":
        return _to_roman(n).upper()
    return str(n)


class _Numbering:
    """Word's automatic list numbers, which are not part of the paragraph text."""

    def __init__(self, document):
        """Read the list definitions: numId -> {level: (format, level text, start)}."""
        from docx.oxml.ns import qn

        self.qn = qn
        self.lists: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {}
        for node in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in node.findall(qn("w:lvl")):
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                    self._val(lvl, "w:numFmt", "decimal"),
                    self._val(lvl, "w:lvlText", ""),
                    int(self._val(lvl, "w:start", "1")),
                )
            abstract[node.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None:
                self.lists[num.get(qn("w:numId"))] = abstract.get(ref.get(qn("w:val")), {})

    def _val(self, node, tag: str, default: str) -> str:
        """The w:val of a child element, or the default."""
        child = node.find(self.qn(tag))
        value = child.get(self.qn("w:val")) if child is not None else None
        return value if value is not None else default

    def _num_pr(self, paragraph):
        """The paragraph's list reference (its own, else its style's), or None."""
        ppr = paragraph._p.pPr
        if ppr is not None and ppr.numPr is not None:
            return ppr.numPr
        style = paragraph.style
        for _ in range(10):  # styles inherit; stop on cycles
            if style is None:
                return None
            spp = style.element.pPr
            if spp is not None and spp.numPr is not None:
                return spp.numPr
            style = style.base_style
        return None

    def prefix(self, paragraph) -> str:
        """The list number Word shows before this paragraph ("3.", "b)", "•"), or ""."""
        num_pr = self._num_pr(paragraph)
        if num_pr is None or num_pr.numId is None:
            return ""
        num_id = str(num_pr.numId.val)
        level = int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
        levels = self.lists.get(num_id)
        if not levels or level not in levels:
            return ""
        fmt, template, start = levels[level]
        if fmt == "none":
            return ""
        if fmt == "bullet":
            return "•" if not template or "\ue000" <= template[0] <= "\uf8ff" else template
        counters = self.counters.setdefault(num_id, {})
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        out = template
        for k in range(level, -1, -1):
            lvl_fmt, _, lvl_start = levels.get(k, ("decimal", "", 1))
            value = counters.get(k, lvl_start)
            out = out.replace(f"%{k + 1}", _format_counter(value, lvl_fmt))
        return out

    def line(self, paragraph) -> str:
        """The paragraph's text with its list number in front."""
        prefix = self.prefix(paragraph)
        return f"{prefix} {paragraph.text}" if prefix else paragraph.text

    def text(self, document) -> str:
        """Every paragraph and table cell of the body, in order, a blank line between them.

        A Word paragraph is a paragraph, so it gets the blank line a pasted letter would have;
        that is what tells the splitter a heading from the text under it.
        """
        from docx.table import Table

        paragraphs: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    seen = []
                    for cell in row.cells:
                        if any(cell._tc is tc for tc in seen):  # merged cells repeat
                            continue
                        seen.append(cell._tc)
                        paragraphs.extend(self.line(p) for p in cell.paragraphs)
            else:
                paragraphs.append(self.line(block))
        return "\n\n".join(p for p in paragraphs if p.strip())


_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "zip": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text": "text/plain; charset=utf-8",
}


def content_type(data: bytes) -> str:
    """The media type to store and serve an accepted upload with (decided by its content)."""
    return _CONTENT_TYPES.get(_kind(data), "application/octet-stream")


def display_name(filename: str) -> str:
    """The file's own name without any directories, safe to show and to offer as a download."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return name[-255:] or "bestand"
