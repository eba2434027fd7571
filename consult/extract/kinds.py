"""What an upload is, decided by its content (magic bytes, the names inside a zip), never by its
name: the name only tells what the sender claims."""

import re
from pathlib import PurePosixPath

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 (.doc), Outlook .msg, old Excel
_RTF_MAGIC = b"{\\rtf"
_IMAGES = (
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*",
)  # fmt: skip


def suffix(filename: str) -> str:
    """The lower-case extension of a file name (".pdf"), treating the name as a plain string."""
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def _is_image(data: bytes) -> bool:
    """PNG, JPEG, GIF, TIFF, WebP or HEIC: a picture, never text."""
    if data.startswith(_IMAGES):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"avif")


def _zip_kind(data: bytes) -> str:
    """A zip's kind from the part names in it (no unpacking): docx, odt, xlsx or zip."""
    if b"word/document.xml" in data:
        return "docx"
    mimetype = data[38:80] if data[30:38] == b"mimetype" else b""  # ODF: first, uncompressed
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odt" if mimetype.startswith(b"application/vnd.oasis.opendocument.text") else "odf"
    if b"xl/workbook.xml" in data:
        return "xlsx"
    return "zip"


_HEADER = re.compile(rb"[!-9;-~]+:")
_MAIL_HEADERS = {
    b"from", b"date", b"subject", b"to", b"cc", b"message-id", b"mime-version", b"received",
    b"return-path", b"x-mailer", b"content-type", b"reply-to", b"sender",
}  # fmt: skip


def _is_mail(data: bytes) -> bool:
    """A saved e-mail (.eml): a header block with From and at least two more mail headers."""
    lines = data[:32768].split(b"\n")
    if lines and lines[0].startswith(b"From "):  # an mbox separator line
        lines = lines[1:]
    names = set()
    for line in lines:
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):  # a folded header goes on
            continue
        match = _HEADER.match(line)
        if match is None:
            return False
        names.add(line[: match.end() - 1].lower())
    return b"from" in names and len(names & _MAIL_HEADERS) >= 3


def kind(data: bytes) -> str:
    """What the content is: pdf, docx, odt, odf, xlsx, zip, doc, msg, ole, rtf, image, eml or
    text."""
    if _PDF_MAGIC in data[:1024]:
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return _zip_kind(data)
    if data.startswith(_OLE_MAGIC):
        if "__substg1.0_".encode("utf-16-le") in data:
            return "msg"
        return "doc" if "WordDocument".encode("utf-16-le") in data else "ole"
    if data.lstrip().startswith(_RTF_MAGIC):
        return "rtf"
    if _is_image(data):
        return "image"
    return "eml" if _is_mail(data) else "text"


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "rtf": "application/rtf",
    "msg": "application/vnd.ms-outlook",
    "eml": "message/rfc822",
    "text": "text/plain; charset=utf-8",
}


def display_name(filename: str) -> str:
    """The file's own name without any directories, safe to show and to offer as a download."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return name[-255:] or "bestand"
