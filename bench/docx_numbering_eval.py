"""Which reader gets Word's list numbering right: ours, docx2python or mammoth.

    pip install docx2python==3.7.1 mammoth==1.13.0   # into a scratch environment, not the app's
    .venv/bin/python bench/docx_numbering_eval.py

Runs every case of tests/word_xml.py (written as Word writes numbering) through each reader and
prints the numbers each one shows against the numbers Word shows. Measured 2026-11-29:

    ours         15 of 15 cases right
    docx2python   0 of 15 (5 with the right values if "1)" for "1." is forgiven):
                  ignores w:startOverride (the joint letter's 16-18 / 19-21 came out 1-3
                  twice), shows every level text as "1)" ("%1.", "%1.%2"), ignores full
                  level overrides, style numbering and numbering styles (shown as "--"),
                  counts two instances of one definition apart, and crashes (KeyError 'r')
                  on a document part that does not declare the relationships namespace
    mammoth       0 of 15: emits <ol><li> without numbers or start values
"""

import io
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult.extract import extract_text  # noqa: E402
from tests.word_xml import CASES  # noqa: E402

NUMBER = re.compile(r"([0-9]+(?:\.[0-9]+)*[.)]?|[IVX]+[.)]|[a-z][.)]|[•◦]|--)(?:\s|$)")


def _numbers(paragraphs) -> list[str]:
    found = []
    for paragraph in paragraphs:
        match = NUMBER.match(paragraph.strip())
        if match:
            found.append(match.group(1))
    return found


def ours(data: bytes) -> list[str]:
    return _numbers(extract_text("brief.docx", data).split("\n\n"))


def with_docx2python(data: bytes) -> list[str]:
    from docx2python import docx2python

    with docx2python(io.BytesIO(data)) as document:
        return _numbers(document.text.split("\n"))


def with_mammoth(data: bytes) -> list[str]:
    import mammoth

    html = mammoth.convert_to_html(io.BytesIO(data)).value
    return _numbers(re.sub(r"<[^>]+>", "\n", html).split("\n"))


def main() -> None:
    readers = {"ours": ours, "docx2python": with_docx2python, "mammoth": with_mammoth}
    right = dict.fromkeys(readers, 0)
    values = dict.fromkeys(readers, 0)  # right when "1)" for "1." is forgiven
    for name, (data, expected) in CASES.items():
        print(f"{name}: Word shows {expected}")
        for label, reader in readers.items():
            try:
                got = reader(data)
            except ImportError:
                got = "not installed"
            except Exception as error:  # a library's crash is a result too
                got = f"error {error!r}"
            right[label] += got == expected
            bare = [n.rstrip(".)") for n in got] if isinstance(got, list) else got
            values[label] += bare == [n.rstrip(".)") for n in expected]
            print(f"    {label:12} {got}")
    for label in readers:
        print(f"{label}: {right[label]} of {len(CASES)} right, {values[label]} with the right "
              "values when the marker is forgiven")


if __name__ == "__main__":
    main()
