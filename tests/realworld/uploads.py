"""Checker for uploaded letters (tests/fixtures/realworld/uploads/): a Word, OpenDocument, RTF
or PDF file, or an e-mail (.eml, .msg), read by the app and split into points.

expected.json holds:
- "points": the numbered points in order, each [number, first words of its text] and
  optionally [lines its text must have, by their first words] (sub-items "a. ...");
- for an e-mail: "sender", "sent_on" (ISO date, Dutch time), "subject" when it matters,
  "parts" (the body, then each attached letter by file name), "chosen" (the part read by
  default, or the one given as "part");
- "splitter_gap", when the text reaches the splitter right but the splitter (sec-letters,
  consult/splitter.py) does not yet find every point: the case then xfails with that reason.
"""

import re
from pathlib import Path

import pytest

from consult.extract import read_letter
from consult.splitter import split


def _numbered(text: str) -> list:
    """[number, text, lines] of every numbered point the splitter finds."""
    return [
        (p.number, " ".join(p.text.split()), [line.strip() for line in p.text.split("\n")])
        for p in split(text).points if p.number
    ]


def check(source: Path, expected: dict, tmp_path: Path) -> None:
    """The file gives the expected points (and, for an e-mail, sender, date and parts)."""
    letter = read_letter(source.name, source.read_bytes(), part=expected.get("part"))
    assert letter.error is None, letter.error
    if "parts" in expected:
        assert [p.name or p.key for p in letter.parts] == expected["parts"]
        assert letter.chosen == expected["chosen"]
        assert letter.sender == expected["sender"]
        assert str(letter.sent_on) == expected["sent_on"]
        if "subject" in expected:
            assert letter.subject == expected["subject"]
    for point in expected["points"]:  # what the file delivers to the splitter
        pattern = rf"^{re.escape(point[0])}[.)]? +{re.escape(point[1])}"
        assert re.search(pattern, letter.text, re.MULTILINE), (point, letter.text)
    found = _numbered(letter.text)
    if "splitter_gap" in expected and [n for n, _t, _l in found] != [
        p[0] for p in expected["points"]
    ]:
        pytest.xfail(expected["splitter_gap"])
    assert [n for n, _t, _l in found] == [p[0] for p in expected["points"]], letter.text
    for (number, text, lines), want in zip(found, expected["points"], strict=True):
        assert text.startswith(want[1]), (number, text)
        for sub in want[2] if len(want) > 2 else []:
            assert any(line.startswith(sub) for line in lines), (number, sub, lines)
