"""How long reading each hostile upload takes (tests/hostile_uploads.py).

    .venv/bin/python bench/extract_bench.py

Every file is built first, then read once through `extract_text` (the sandboxed reader, within
`consult.extract.LIMITS`); the line says the file's size, the seconds and the outcome. Run it
on a quiet machine: it reads each file once, never in a loop.

Measured 2026-11-29 on the shared 2-core machine (load ~8), seconds, before (python-docx and
pypdf without budgets, in the web process) -> after (sandboxed, with limits):

    docx: 40,000 paragraphs                78.5 -> 0.73  refused: too many paragraphs
    docx: 20,000 styles                    37.2 -> 0.30  refused: too many styles
    docx: 4,000 styles x 4,000 paragraphs  20.6 -> 0.53  read (no per-paragraph style scan)
    docx: zip bomb (100 MB part)            1.2 -> 0.06  refused before unpacking
    pdf: 100 pages x one content stream    17.4 -> 0.32  refused: page content budget
    pdf: forms drawing forms (10^7)         8.3 -> 0.32  refused: page content budget
    pdf: 5,000 pages                       10.2 -> 0.41  refused: too many pages
    pdf: 150,000 objects                    3.0 -> 0.32  refused: too many objects
    pdf: 200 MB Flate stream                1.3 -> 0.61  refused (was "no readable PDF")
    pdf: 8,192 x 8,192 image                0.3 -> 0.30  read; the image is never decoded
    external entity (XXE)                  read "Punt " -> refused

About 0.04 s of each "after" is starting the child process.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult.extract import ExtractError, extract_text  # noqa: E402
from tests import hostile_uploads as hostile  # noqa: E402

FILES = [
    ("docx: 40,000 paragraphs", hostile.docx_many_paragraphs, "brief.docx"),
    ("docx: 20,000 styles", hostile.docx_many_styles, "brief.docx"),
    ("docx: 4,000 styles x 4,000 paragraphs", lambda: hostile.docx_many_styles(4_000, 4_000),
     "brief.docx"),
    ("docx: zip bomb (100 MB part)", hostile.docx_zip_bomb, "brief.docx"),
    ("docx: tables nested 100,000 deep", hostile.docx_deep_nesting, "brief.docx"),
    ("docx: billion laughs", hostile.docx_entity_expansion, "brief.docx"),
    ("pdf: 100 pages x one content stream", hostile.pdf_shared_content, "brief.pdf"),
    ("pdf: 200 MB Flate stream", hostile.pdf_huge_stream, "brief.pdf"),
    ("pdf: forms drawing forms (10^7)", hostile.pdf_nested_forms, "brief.pdf"),
    ("pdf: 5,000 pages", hostile.pdf_many_pages, "brief.pdf"),
    ("pdf: 150,000 objects", hostile.pdf_many_objects, "brief.pdf"),
    ("pdf: 8,192 x 8,192 image", hostile.pdf_huge_image, "brief.pdf"),
    ("png: 100,000 x 100,000", hostile.png_image, "brief.png"),
]


def main() -> None:
    extract_text("warm.txt", b"1. warm")  # start the fork server outside the timings
    for label, build, name in FILES:
        data = build()
        started = time.perf_counter()
        try:
            outcome = f"{len(extract_text(name, data)):,} characters"
        except ExtractError as error:
            outcome = str(error)[:70]
        seconds = time.perf_counter() - started
        print(f"{label:40} {len(data) / 1024:8.0f} KB {seconds:6.2f} s  {outcome}")


if __name__ == "__main__":
    main()
