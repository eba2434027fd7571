"""Uploads that cost a naive reader seconds to minutes are refused (or read) within a second or
two, with a Dutch message; none costs more than the deadline, whatever its producer.

Each hostile file is built in the test (tests/hostile_uploads.py). Times measured before the
limits (python-docx, pypdf without budgets; bench/extract_bench.py) are in each docstring; the
bounds are generous because the machine is shared.
"""

import io
import time

import pytest

from consult.extract import ExtractError, Limits, extract_text

from . import hostile_uploads as hostile

SLUG = "holland-rijnland-jeugdhulp-2016"
TOO_COMPLEX = "Dit bestand is te ingewikkeld om te lezen"


@pytest.fixture(scope="module", autouse=True)
def _warm_fork_server():
    """Start the readers' fork server once, so that the bounds time the reading only."""
    extract_text("warm.txt", b"1. warm")


def _timed(data: bytes, name: str = "upload", limits: Limits | None = None):
    """(seconds, text or None, Dutch error message or None)."""
    started = time.perf_counter()
    try:
        text, error = extract_text(name, data, limits), None
    except ExtractError as exc:
        text, error = None, str(exc)
    return time.perf_counter() - started, text, error


# --- the three files from the outside test ------------------------------------------------------


def test_docx_with_40000_paragraphs_is_refused_at_once():
    """40 KB, 40,000 paragraphs: 20 s (outside test), 37-53 s here before."""
    data = hostile.docx_many_paragraphs()
    assert len(data) < 60_000
    seconds, _text, error = _timed(data, "brief.docx")
    assert seconds < 2
    assert error.startswith(TOO_COMPLEX) and "20.000 alinea's" in error


def test_docx_with_20000_styles_is_refused_at_once():
    """~150 KB, 20,000 styles x 2,000 paragraphs: 24 s (outside test), 12 s here before."""
    seconds, _text, error = _timed(hostile.docx_many_styles(), "brief.docx")
    assert seconds < 2
    assert error.startswith(TOO_COMPLEX) and "opmaakprofielen" in error


def test_pdf_of_100_pages_sharing_one_content_stream_is_refused_at_once():
    """16 KB, 100 pages x one 64 KB content stream: 10.6 s (outside test), 13 s here before."""
    data = hostile.pdf_shared_content()
    assert len(data) < 20_000
    seconds, _text, error = _timed(data, "brief.pdf")
    assert seconds < 2
    assert error.startswith(TOO_COMPLEX) and "pagina-inhoud" in error


# --- below the caps, cost grows with the file, not with paragraphs x styles -----------------


def test_styles_are_not_resolved_per_paragraph():
    """4,000 styles, 4,000 paragraphs each in its own style (python-docx: paragraphs x styles,
    20.6 s before): read, with every paragraph, in well under a second of work."""
    data = hostile.docx_many_styles(n=4_000, paragraphs=4_000)
    seconds, text, error = _timed(data, "brief.docx")
    assert error is None and seconds < 2
    assert text.split("\n\n")[-1] == "Punt 3999" and len(text.split("\n\n")) == 4_000


def test_a_long_document_below_the_paragraph_cap_is_read():
    seconds, text, error = _timed(hostile.docx_many_paragraphs(15_000), "brief.docx")
    assert error is None and seconds < 2
    assert text.count("Punt") == 15_000


# --- the kind: bombs, nesting, entities, huge or many PDF objects, images -----------------------


def test_zip_bomb_docx():
    """~130 KB that unpacks to 100 MB of document XML: refused before unpacking."""
    data = hostile.docx_zip_bomb()
    assert len(data) < 200_000
    seconds, _text, error = _timed(data, "brief.docx")
    assert seconds < 2 and error == "Dit bestand is uitgepakt te groot om te lezen."


def test_deeply_nested_docx():
    seconds, _text, error = _timed(hostile.docx_deep_nesting(), "brief.docx")
    assert seconds < 2
    assert error.startswith(TOO_COMPLEX) and "diep geneste" in error


def test_entity_expansion_docx():
    """The billion laughs: never expanded (a DOCTYPE in an office part is refused)."""
    seconds, _text, error = _timed(hostile.docx_entity_expansion(), "brief.docx")
    assert seconds < 2 and error == "Dit bestand is geen leesbaar Word-bestand (.docx)."


def test_external_entity_docx_never_reads_a_local_file():
    seconds, text, error = _timed(hostile.docx_external_entity(), "brief.docx")
    assert seconds < 2 and text is None and "root:" not in error


def test_pdf_with_a_flate_bomb_stream():
    """~200 KB whose content stream inflates to 200 MB."""
    data = hostile.pdf_huge_stream()
    assert len(data) < 300_000
    seconds, _text, error = _timed(data, "brief.pdf")
    assert seconds < 3 and error.startswith(TOO_COMPLEX)


def test_pdf_with_forms_drawing_forms():
    """2 KB: forms that draw forms ten times, seven deep (10^7 draws; 7.7 s before the budget
    counted form content, pypdf's own cap of 5,000 draws notwithstanding)."""
    seconds, _text, error = _timed(hostile.pdf_nested_forms(), "brief.pdf")
    assert seconds < 2 and error.startswith(TOO_COMPLEX)


def test_pdf_with_thousands_of_pages():
    seconds, _text, error = _timed(hostile.pdf_many_pages(), "brief.pdf")
    assert seconds < 3
    assert error.startswith(TOO_COMPLEX) and "1.000 pagina's" in error


def test_pdf_with_many_objects():
    """150,000 objects (pypdf's cross-reference parsing took 2.7 s): counted in the bytes."""
    seconds, _text, error = _timed(hostile.pdf_many_objects(), "brief.pdf")
    assert seconds < 2 and "100.000 objecten" in error


def test_pdf_with_a_huge_image_reads_its_text_without_decoding_the_image():
    seconds, text, error = _timed(hostile.pdf_huge_image(), "brief.pdf")
    assert error is None and seconds < 2
    assert text.strip() == "Punt 1"


def test_an_image_is_not_a_letter():
    seconds, _text, error = _timed(hostile.png_image(), "brief.png")
    assert seconds < 2 and error.startswith("Dit is een afbeelding, geen tekst.")


# --- the backstops: a deadline and a memory ceiling for whatever the caps do not foresee --------


def test_the_deadline_stops_any_reader():
    """Budgets lifted, the shared-stream PDF would take ~13 s: stopped after one second."""
    limits = Limits(seconds=1, pdf_content=10**12)
    seconds, _text, error = _timed(hostile.pdf_shared_content(), "brief.pdf", limits)
    assert seconds < 2.5
    assert error.startswith("Het lezen van dit bestand duurde te lang (meer dan 1 seconden)")


def test_the_memory_ceiling_stops_any_reader():
    """A 24 MB document part parsed within a 32 MB ceiling: a message, not a dead worker."""
    body = "<w:p><w:r><w:t>Punt</w:t></w:r></w:p>" * 600_000
    data = hostile.replace_parts(hostile.base_docx(), {
        "word/document.xml": hostile.document_xml(body)})
    limits = Limits(memory=32 * 1024 * 1024, paragraphs=10**7)
    seconds, text, error = _timed(data, "brief.docx", limits)
    assert text is None and seconds < 5
    assert error == (
        "Dit bestand vraagt te veel geheugen om te lezen; het is te ingewikkeld. Sla het op als "
        "PDF of platte tekst, of plak de tekst in het tekstvak."
    )


def test_the_composer_answers_a_hostile_upload_with_a_dutch_message(as_role):
    """Through the web: the worker answers at once with the message, and goes on working."""
    secretary = as_role("secretary")
    url = f"/consultaties/{SLUG}/composer/voorbeeld"
    started = time.perf_counter()
    response = secretary.hx_post(url, data={
        "file": (io.BytesIO(hostile.docx_many_paragraphs()), "brief.docx")},
        content_type="multipart/form-data")
    assert time.perf_counter() - started < 3
    assert response.status_code == 200
    assert "te ingewikkeld om te lezen" in response.get_data(as_text=True)
    after = secretary.hx_post(url, data={"text": "1. Eerste punt\n2. Tweede punt"})
    assert 'value="2"' in after.get_data(as_text=True)
