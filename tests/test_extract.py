"""Uploads -> text: .txt in its encodings, .docx with lists and tables, real PDFs, bad files."""

import io
import random
import zipfile

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.extract import MAX_UPLOAD_BYTES, ExtractError, extract_text
from consult.splitter import split


def make_pdf(pages: list[list[str]]) -> bytes:
    """A real, minimal PDF: one text line per entry, Helvetica in WinAnsi (so é, ë work)."""
    font = 3 + 2 * len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
    ]
    for i, lines in enumerate(pages):
        ops = [b"BT /F1 11 Tf 72 770 Td 14 TL"]
        for line in lines:
            raw = line.encode("cp1252")
            raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            ops.append(b"(" + raw + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
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
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_docx() -> bytes:
    """A Word letter: paragraphs, an automatically numbered list, a bullet, a table."""
    document = Document()
    document.add_paragraph("Reactie gemeente Leiden")
    document.add_paragraph("Wij geven de volgende punten mee:")
    document.add_paragraph("Cliënten centraal in één loket", style="List Number")
    document.add_paragraph("Meer regie voor de gemeenteraad", style="List Number")
    document.add_paragraph("ook voor 18+", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Gemeente"
    table.cell(0, 1).text = "Uitgangspunt"
    table.cell(1, 0).text = "Leiden"
    table.cell(1, 1).text = "Preventie eerst"
    document.add_paragraph("Met vriendelijke groet,")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PDF = make_pdf(
    [
        ["Reactie gemeente Leiden", "1. Cliënten centraal (één loket)", "2. Meer regie voor de"],
        ["gemeenteraad", "3. Aandacht voor 18+"],
    ]
)
DOCX = make_docx()


# --- Text files -----------------------------------------------------------------------------


def test_utf8_text():
    assert extract_text("brief.txt", "1. Cliënten één loket\n".encode()) == (
        "1. Cliënten één loket\n"
    )


def test_utf8_with_bom_loses_the_bom():
    text = extract_text("brief.txt", b"\xef\xbb\xbf" + "1. Coöperatie\n".encode())
    assert text == "1. Coöperatie\n"


def test_windows_1252_fallback():
    data = "1. Cliënten – “doen wat nodig is” €\n".encode("cp1252")
    assert extract_text("brief.txt", data) == "1. Cliënten – “doen wat nodig is” €\n"


def test_utf16_with_bom():
    assert extract_text("brief.txt", "1. Financiën\n".encode("utf-16")) == "1. Financiën\n"


def test_the_name_is_only_a_name():
    # a traversal name is never opened: the text comes from the bytes
    assert extract_text("../../etc/passwd.txt", b"1. Punt\n") == "1. Punt\n"
    assert extract_text("/etc/passwd", b"hallo") == "hallo"
    with pytest.raises(ExtractError, match="geen leesbare PDF"):
        extract_text("../../etc/passwd.pdf", b"root:x:0:0")


def test_content_decides_not_the_name():
    assert "Meer regie" in extract_text("brief.txt", PDF)
    assert "Cliënten centraal" in extract_text("brief", DOCX)


# --- Word --------------------------------------------------------------------------------------


def test_docx_paragraphs_numbered_list_and_table_in_order():
    text = extract_text("brief.docx", DOCX)
    assert text.split("\n\n") == [
        "Reactie gemeente Leiden",
        "Wij geven de volgende punten mee:",
        "1. Cliënten centraal in één loket",
        "2. Meer regie voor de gemeenteraad",
        "• ook voor 18+",
        "Gemeente",
        "Uitgangspunt",
        "Leiden",
        "Preventie eerst",
        "Met vriendelijke groet,",
    ]


def test_docx_headings_and_list_numbers_reach_the_splitter():
    result = split(extract_text("brief.docx", DOCX))
    assert [p.number for p in result.points] == ["", "1", "2", ""]
    assert {p.heading for p in result.points[:3]} == {"Reactie gemeente Leiden"}
    assert result.points[0].text == "Wij geven de volgende punten mee:"
    assert result.points[1].text == "Cliënten centraal in één loket"
    assert result.points[2].text.split("\n") == [
        "Meer regie voor de gemeenteraad",
        "• ook voor 18+",
        "Gemeente",
        "Uitgangspunt",
        "Leiden",
        "Preventie eerst",
    ]
    assert result.points[3].text == "Met vriendelijke groet,"


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_pages_in_order_with_diacritics():
    text = extract_text("brief.pdf", PDF)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines == [
        "Reactie gemeente Leiden",
        "1. Cliënten centraal (één loket)",
        "2. Meer regie voor de",
        "gemeenteraad",
        "3. Aandacht voor 18+",
    ]


def test_pdf_text_splits_into_its_points():
    result = split(extract_text("brief.pdf", PDF))
    assert [p.number for p in result.points] == ["1", "2", "3"]
    assert {p.heading for p in result.points} == {"Reactie gemeente Leiden"}
    assert result.points[1].text == "Meer regie voor de gemeenteraad"  # across the page break


def test_pdf_without_text():
    with pytest.raises(ExtractError, match="geen tekst"):
        extract_text("scan.pdf", make_pdf([[]]))


def test_pdf_with_a_password():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt(user_password="geheim", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ExtractError, match="beveiligd met een wachtwoord"):
        extract_text("brief.pdf", buffer.getvalue())


# --- Bad files ---------------------------------------------------------------------------------


def zip_without_document() -> bytes:
    """A zip file that is no Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hallo")
    return buffer.getvalue()


BAD = [
    ("leeg.txt", b"", "Het bestand is leeg."),
    ("ruis.txt", random.Random(7).randbytes(4096), "Dit bestand bevat geen leesbare tekst."),
    ("nul.txt", b"1. Punt\x00\x00\x00", "Dit bestand bevat geen leesbare tekst."),
    ("brief.pdf", b"Dit is gewoon tekst.", "Dit bestand is geen leesbare PDF."),
    ("kapot.pdf", PDF[:200], "Dit bestand is geen leesbare PDF."),
    ("brief.docx", zip_without_document(), "Dit bestand is geen leesbaar Word-bestand (.docx)."),
    ("brief.docx", b"1. gewoon tekst", "Dit bestand is geen leesbaar Word-bestand (.docx)."),
    ("kapot.docx", DOCX[:500], "Dit bestand is geen leesbaar Word-bestand (.docx)."),
    (
        "pagina.txt",
        b"<!DOCTYPE html><html><body><p>1. Punt</p></body></html>",
        "Dit bestand is een webpagina (HTML)",
    ),
    ("pagina.txt", b"\n  <html lang='nl'><p>1. Punt</p></html>", "webpagina (HTML)"),
    ("oud.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "oud Word-bestand (.doc)"),
    ("brief.odt", b"1. gewoon tekst", "geen leesbaar OpenDocument-tekstbestand (.odt)"),
    ("brief.msg", b"1. gewoon tekst", "Dit e-mailbericht kon niet worden gelezen."),
    ("foto.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "Dit is een afbeelding, geen tekst."),
    ("spaties.txt", b"  \n\t\n", "Er staat geen tekst in dit bestand."),
    ("groot.txt", b"a" * (MAX_UPLOAD_BYTES + 1), "groter dan 10 MB"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD, ids=[f"{n}-{m[:20]}" for n, _, m in BAD])
def test_bad_files_get_a_dutch_message(name, data, message):
    with pytest.raises(ExtractError) as info:
        extract_text(name, data)
    assert message in str(info.value)


def test_a_docx_that_unpacks_too_large():
    from .hostile_uploads import docx_zip_bomb

    bomb = docx_zip_bomb()
    assert len(bomb) < 200_000  # a small file that unpacks to more than any letter
    with pytest.raises(ExtractError, match="uitgepakt te groot"):
        extract_text("bom.docx", bomb)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(["brief.txt", "brief.pdf", "brief.docx", "brief", "../x.txt"]),
    source=st.sampled_from(["pdf", "docx", "junk"]),
    cut=st.integers(0, 4000),
    flip=st.integers(0, 4000),
    junk=st.binary(max_size=300),
)
def test_damaged_files_raise_extract_error_and_nothing_else(name, source, cut, flip, junk):
    data = {"pdf": PDF, "docx": DOCX, "junk": junk}[source]
    data = bytearray(data[: max(cut, 1)] if source != "junk" else data)
    if data and source != "junk":
        data[flip % len(data)] ^= 0x55
    try:
        assert isinstance(extract_text(name, bytes(data)), str)
    except ExtractError as error:
        assert str(error)


def test_rtf_is_read_with_its_list_numbers():
    data = b"{\\rtf1\\ansi\\ansicpg1252 Reactie\\par "
    data += b"{\\listtext 1.\\tab}Cli\\'ebnten centraal\\par}"
    assert extract_text("brief.rtf", data) == "Reactie\n\n1. Cliënten centraal"


def test_rtf_list_numbers_past_999_are_read_like_the_others():
    """Word writes "1000.\\t" as it writes "16.\\t": the tab after a four-digit number stayed."""
    data = b"{\\rtf1\\ansi\\ansicpg1252 Reactie\\par "
    data += b"{\\listtext 999.\\tab}Eerste\\par {\\listtext 1000.\\tab}Tweede\\par}"
    assert extract_text("brief.rtf", data) == "Reactie\n\n999. Eerste\n\n1000. Tweede"
