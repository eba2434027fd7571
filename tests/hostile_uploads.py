"""Hostile uploads, built in the test: small files that cost a naive reader seconds to minutes.

Each one stands for a kind of attack found by outside tests (see tests/test_extract_limits.py);
bench/extract_bench.py times them against the reader.
"""

import io
import zipfile
import zlib

from docx import Document

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def base_docx() -> bytes:
    """python-docx's empty document, as the base every hostile .docx is built on."""
    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def replace_parts(docx: bytes, parts: dict[str, bytes]) -> bytes:
    """The package with some parts replaced (or added), deflated at the highest level."""
    parts = dict(parts)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for info in src.infolist():
            data = parts.pop(info.filename, None)
            dst.writestr(info.filename, data if data is not None else src.read(info.filename))
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()


def document_xml(body: str, prolog: str = "") -> bytes:
    """A word/document.xml around the given body XML."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    ).encode()


def docx_many_paragraphs(n: int = 40_000) -> bytes:
    """~40 KB: 40,000 paragraphs (python-docx resolved a style per paragraph: 20-50 s)."""
    body = "<w:p><w:r><w:t>Punt</w:t></w:r></w:p>" * n
    return replace_parts(base_docx(), {"word/document.xml": document_xml(body)})


def docx_many_styles(n: int = 20_000, paragraphs: int = 2_000) -> bytes:
    """~150 KB: 20,000 styles, each paragraph in one of them (paragraph x styles: 12-24 s)."""
    base = base_docx()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        styles = archive.read("word/styles.xml").decode()
    extra = "".join(
        f'<w:style w:type="paragraph" w:styleId="S{i}"><w:name w:val="S{i}"/></w:style>'
        for i in range(n)
    )
    body = "".join(
        f'<w:p><w:pPr><w:pStyle w:val="S{i % n}"/></w:pPr><w:r><w:t>Punt {i}</w:t></w:r></w:p>'
        for i in range(paragraphs)
    )
    return replace_parts(
        base,
        {
            "word/styles.xml": styles.replace("</w:styles>", extra + "</w:styles>").encode(),
            "word/document.xml": document_xml(body),
        },
    )


def docx_zip_bomb(megabytes: int = 100) -> bytes:
    """~100 KB that unpacks to a 100 MB document part (spaces between two paragraphs)."""
    padding = " " * (megabytes * 1024 * 1024)
    body = f"<w:p><w:r><w:t>Punt</w:t></w:r></w:p>{padding}<w:p/>"
    return replace_parts(base_docx(), {"word/document.xml": document_xml(body)})


def docx_deep_nesting(depth: int = 100_000) -> bytes:
    """Tables nested 100,000 deep (a recursive reader overflows; libxml2 stops at 256)."""
    body = "<w:tbl><w:tr><w:tc>" * depth + "<w:p/>" + "</w:tc></w:tr></w:tbl>" * depth
    return replace_parts(base_docx(), {"word/document.xml": document_xml(body)})


def docx_entity_expansion(levels: int = 9) -> bytes:
    """The 'billion laughs': ten entities of ten, nine deep (10^9 'lol's if expanded)."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    ]
    prolog = f"<!DOCTYPE w:document [{''.join(entities)}]>"
    body = f"<w:p><w:r><w:t>&lol{levels};</w:t></w:r></w:p>"
    return replace_parts(base_docx(), {"word/document.xml": document_xml(body, prolog)})


def docx_external_entity() -> bytes:
    """An external entity naming a local file (XXE): its content must never appear."""
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    body = "<w:p><w:r><w:t>Punt &xxe;</w:t></w:r></w:p>"
    return replace_parts(base_docx(), {"word/document.xml": document_xml(body, prolog)})


# --- PDF -------------------------------------------------------------------------------------


def pdf_from_objects(objects: list[bytes]) -> bytes:
    """A PDF whose object n is objects[n - 1]; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref,
    )  # fmt: skip
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    """A stream object body, Flate-compressed unless told otherwise."""
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
TEXT_OPS = b"(Punt een twee drie vier) Tj T*\n"


def _pages(count: int, contents: list[int], resources: bytes, first: int) -> list[bytes]:
    """Page objects numbered from `first`, page i showing contents[i]."""
    return [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
        b"/Resources %s >>" % (contents[i], resources)
        for i in range(count)
    ]


def _catalog(page_numbers) -> list[bytes]:
    kids = " ".join(f"{n} 0 R" for n in page_numbers)
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(page_numbers)} >>".encode(),
    ]


def pdf_shared_content(pages: int = 100, lines: int = 2_000) -> bytes:
    """~16 KB: 100 pages that all show one 64 KB content stream (pypdf: 10-13 s)."""
    content = b"BT /F1 11 Tf 72 770 Td 14 TL\n" + TEXT_OPS * lines + b"ET"
    objects = _catalog(range(5, 5 + pages)) + [FONT, stream(content)]
    objects += _pages(pages, [4] * pages, b"<< /Font << /F1 3 0 R >> >>", 5)
    return pdf_from_objects(objects)


def pdf_huge_stream(megabytes: int = 200) -> bytes:
    """~200 KB: one page whose content stream inflates to 200 MB (a Flate bomb)."""
    content = b"BT /F1 11 Tf 72 770 Td (Punt) Tj ET\n" + b" " * (megabytes * 1024 * 1024)
    objects = _catalog([5]) + [FONT, stream(content)]
    objects += _pages(1, [4], b"<< /Font << /F1 3 0 R >> >>", 5)
    return pdf_from_objects(objects)


def pdf_nested_forms(depth: int = 7, fan_out: int = 10) -> bytes:
    """Form XObjects that each draw the next one ten times, seven deep: 10^7 text draws from a
    few KB (the page content itself is tiny)."""
    # objects: 1 catalog, 2 pages, 3 font, 4 page content, 5 page, 6.. forms
    first_form = 6
    forms = []
    for level in range(depth):
        number = first_form + level
        if level + 1 < depth:
            body = b"/X Do\n" * fan_out
            resources = b"<< /XObject << /X %d 0 R >> >>" % (number + 1)
        else:
            body = b"BT /F1 11 Tf 72 770 Td " + TEXT_OPS + b"ET"
            resources = b"<< /Font << /F1 3 0 R >> >>"
        forms.append(stream(body, b" /Type /XObject /Subtype /Form /BBox [0 0 595 842]"
                                  b" /Resources " + resources))
    objects = _catalog([5]) + [FONT, stream(b"/X Do")]
    objects += _pages(1, [4], b"<< /XObject << /X %d 0 R >> >>" % first_form, 5)
    return pdf_from_objects(objects + forms)


def pdf_many_pages(pages: int = 5_000) -> bytes:
    """5,000 small pages (a page tree far beyond any letter)."""
    objects = _catalog(range(5, 5 + pages)) + [FONT, stream(b"BT /F1 11 Tf (Punt) Tj ET")]
    objects += _pages(pages, [4] * pages, b"<< /Font << /F1 3 0 R >> >>", 5)
    return pdf_from_objects(objects)


def pdf_many_objects(count: int = 150_000) -> bytes:
    """One page and 150,000 null objects in the cross-reference table."""
    objects = _catalog([5]) + [FONT, stream(b"BT /F1 11 Tf (Punt) Tj ET")]
    objects += _pages(1, [4], b"<< /Font << /F1 3 0 R >> >>", 5)
    return pdf_from_objects(objects + [b"null"] * count)


def pdf_huge_image(side: int = 8_192) -> bytes:
    """~200 KB: a page with an 8,192 x 8,192 image (200 MB of pixels) and a line of text: the
    image must never be decoded to read the text."""
    pixels = zlib.compress(bytes(side * side * 3), 9)
    image = (
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (side, side, len(pixels))
        + pixels + b"\nendstream"
    )  # fmt: skip
    content = b"q 500 0 0 500 50 50 cm /Im Do Q BT /F1 11 Tf 72 770 Td (Punt 1) Tj ET"
    objects = _catalog([5]) + [FONT, stream(content)]
    objects += _pages(1, [4], b"<< /Font << /F1 3 0 R >> /XObject << /Im 6 0 R >> >>", 5)
    return pdf_from_objects(objects + [image])


def png_image() -> bytes:
    """A PNG header claiming 100,000 x 100,000 pixels (a decompression bomb if ever decoded)."""
    import struct

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
        + struct.pack(">I", zlib.crc32(chunk)) + b"\x00" * 64
    )  # fmt: skip
