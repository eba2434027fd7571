"""Checker for pasted letters: tests/fixtures/realworld/letters/<case>.txt.

`<case>.expected.json` holds the right result:

    {
      "source": "where the form comes from (the text itself is shortened and reworded)",
      "intro": "Geacht bestuur,",      # words the intro contains; null: the letter has none
      "outro": "Met vriendelijke groet", # words the outro contains; null: none
      "points": [                       # the points proper, in order
        {"number": "1", "heading": null, "starts": "Betrek cliënten"},
        ...                             # optional: "ends", "contains", "lines" (count)
      ],
      "absent": ["file:///", "Pagina"], # text that must be in no point, intro or outro
      "dropped": ["Pagina 4/4"]         # lines that must be reported as page furniture
    }

Texts are compared as the preview shows them (symbol-font glyphs as bullets, see
`letterforms.display_text`). The input goes through the app's own code: the splitter (nothing
lost, the right intro, outro and points), the composer's preview (the same points, no symbol-font
glyph left to show as a box) and the numbering that saving applies (the numbers keep the
letter's order).
"""

import json
from pathlib import Path

from consult import composer
from consult.intake import fill_numbers
from consult.letterforms import display_text
from consult.splitter import SplitResult, split


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _nonspace(text: str) -> list[str]:
    return [c for c in text if not c.isspace()]


def assert_nothing_lost(text: str, result: SplitResult) -> None:
    """Every non-blank character outside the dropped lines is in a point, in order (as in
    tests/test_splitter.py: only removed line-end hyphens may be missing)."""
    dropped = set(result.dropped_lines)
    source: list[str] = []
    hyphens: set[int] = set()
    for i, line in enumerate(text.splitlines()):
        if i in dropped:
            continue
        chars = _nonspace(line)
        if chars and chars[-1] == "-":
            hyphens.add(len(source) + len(chars) - 1)
        source.extend(chars)
    rendered: list[str] = []
    for p in result.points:
        if p.opens_heading:
            rendered.extend(_nonspace(p.heading or ""))
        rendered.extend(_nonspace(p.label + p.number + p.marker + p.text))
    i = j = 0
    while i < len(source):
        if j < len(rendered) and source[i] == rendered[j]:
            i, j = i + 1, j + 1
        elif i in hyphens:
            i += 1
        else:
            raise AssertionError(f"text lost near {''.join(source[max(0, i - 30):i + 30])!r}")
    assert j == len(rendered), f"text not in the input: {''.join(rendered[j:j + 40])!r}"


def _check_frame(part: str, found: str, expected: str | None) -> None:
    if expected is None:
        assert found == "", f"the letter has no {part}, found {found!r}"
    else:
        assert _norm(expected) in _norm(found), f"{part}: {expected!r} not in {found!r}"


def _check_point(k: int, number: str, heading: str | None, text: str, want: dict) -> None:
    where = f"point {k + 1} ({number!r})"
    assert number == want["number"], f"{where}: number {number!r}, expected {want['number']!r}"
    assert heading == want.get("heading"), f"{where}: heading {heading!r}"
    assert _norm(text).startswith(_norm(want["starts"])), f"{where}: {text[:80]!r}"
    if "ends" in want:
        assert _norm(text).endswith(_norm(want["ends"])), f"{where} ends: {text[-80:]!r}"
    for words in want.get("contains", []):
        assert _norm(words) in _norm(text), f"{where}: {words!r} not in {text!r}"
    if "lines" in want:
        assert len(text.split("\n")) == want["lines"], f"{where}: lines of {text!r}"


def _no_glyphs(text: str | None) -> None:
    boxes = [c for c in text or "" if "\ue000" <= c <= "\uf8ff"]
    assert not boxes, f"symbol-font glyphs would show as boxes: {text!r}"


def check(source: Path, expected: dict, tmp_path: Path) -> None:
    """Split the letter, preview it, number it as saving does; compare with expected."""
    text = source.read_text(encoding="utf-8")
    result = split(text)
    assert_nothing_lost(text, result)
    body = result.body
    found = [(p.number, p.heading) for p in body]
    assert len(body) == len(expected["points"]), f"points: {json.dumps(found, ensure_ascii=False)}"
    for k, (point, want) in enumerate(zip(body, expected["points"], strict=True)):
        _check_point(k, point.number, point.heading, display_text(point.text), want)
    _check_frame("intro", result.intro, expected.get("intro"))
    _check_frame("outro", result.outro, expected.get("outro"))
    everything = [p.text for p in result.points] + [p.heading or "" for p in result.points]
    for words in expected.get("absent", []):
        assert not any(words in t for t in everything), f"{words!r} is still in the letter"
    for line in expected.get("dropped", []):
        assert any(line in d for d in result.dropped), f"{line!r} not dropped: {result.dropped}"

    preview = composer.from_text(text)
    assert preview.error is None
    assert [(p.number, p.heading and " ".join(p.heading.split())) for p in preview.points] == [
        (w["number"], w.get("heading") and " ".join(w["heading"].split()))
        for w in expected["points"]
    ]
    for p in preview.points:
        _no_glyphs(p.text)
        _no_glyphs(p.heading)
    _no_glyphs(preview.intro)
    _no_glyphs(preview.outro)

    written = [p.number for p in preview.points]
    saved = [p.number for p in fill_numbers(preview.points)]
    assert [s for s, w in zip(saved, written, strict=True) if w] == [w for w in written if w]
    assert len(set(saved)) == len(saved)
