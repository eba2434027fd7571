"""Two versions of a document compared section by section: what was added, removed or
changed (with a word-level diff), each with the points that landed in it."""

import difflib
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from .models import DocumentSection, DocumentVersion
from .operations import LandedPoint, section_text

# Above this many words on either side a section's diff is not worked out word by word
# (difflib is quadratic at worst: 20,000 words of "a b a b ..." took 20-30 s, 3,000 take
# 0.4 s), nor once a comparison has diffed DIFF_BUDGET words in all; such a section is still
# reported as changed, its start shown as removed and added. Anyone may open a published
# document's comparison: its cost must stay small (the attack).
MAX_DIFF_WORDS = 3_000
DIFF_BUDGET = 12_000
CONTEXT = 12  # words kept on each side of a change; a longer unchanged stretch is cut to "…"


# A word-level diff as pieces: ("", unchanged words), ("del", removed), ("ins", added); the
# page makes them <del>/<ins>, the Word report struck-through red and underlined green runs.
Piece = tuple[str, str]


@dataclass
class Change:
    """One section that differs: "added" (only `new`), "removed" (only `old`) or "changed"
    (both; text or title), its word-level diff (`pieces`; `diff` as HTML), and the points
    landed in it."""

    kind: str
    old: DocumentSection | None
    new: DocumentSection | None
    pieces: list[Piece]
    landed: list[LandedPoint]

    @property
    def diff(self) -> Markup:
        """The diff as HTML (escaped: safe to put in a page)."""
        return as_html(self.pieces)


def diff_pieces(before: str, after: str, limit: int = MAX_DIFF_WORDS) -> list[Piece]:
    """The words of `after` with what was removed from `before` ("del") and what was added
    ("ins") between the unchanged stretches (""; long ones cut to CONTEXT words around each
    change); white space is not a change. Above ``limit`` words on either side: the first
    200 words of each, as removed and added."""
    old, new = before.split(), after.split()
    if max(len(old), len(new)) > limit:
        return [("del", " ".join(old[:200]) + " …"), ("ins", " ".join(new[:200]) + " …")]
    out: list[Piece] = []
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for k, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            out.append(("", _context(old[i1:i2], first=k == 0, last=k == len(opcodes) - 1)))
            continue
        if i2 > i1:
            out.append(("del", " ".join(old[i1:i2])))
        if j2 > j1:
            out.append(("ins", " ".join(new[j1:j2])))
    return out


def as_html(pieces: list[Piece]) -> Markup:
    """Pieces as HTML: removed words in <del>, added in <ins>, all escaped."""
    return Markup(" ".join(f"<{kind}>{escape(text)}</{kind}>" if kind else escape(text)
                           for kind, text in pieces))


def word_diff(before: str, after: str, limit: int = MAX_DIFF_WORDS) -> Markup:
    """`diff_pieces` as HTML: the words of `after`, removed ones in <del>, added in <ins>."""
    return as_html(diff_pieces(before, after, limit))


def _context(words: list[str], first: bool, last: bool) -> str:
    """An unchanged stretch: whole when short (or the whole section), else only the words
    next to the changes around it, the rest as "…"."""
    if first and last or len(words) <= 2 * CONTEXT + 5:
        return " ".join(words)
    head = [] if first else words[:CONTEXT]
    tail = [] if last else words[-CONTEXT:]
    return " ".join([*head, "…", *tail])


def compare(old_version: DocumentVersion, old_sections: list[DocumentSection],
            new_version: DocumentVersion, new_sections: list[DocumentSection],
            landed: dict[str, list[LandedPoint]]) -> tuple[list[Change], int]:
    """(the changes in the new version's order, removed sections last; how many sections
    stayed the same). Sections are the same section when they share an anchor."""
    before = {s.anchor: s for s in old_sections}
    after_anchors = {s.anchor for s in new_sections}
    changes, same = [], 0
    left = DIFF_BUDGET

    def budgeted(a: str, b: str) -> list[Piece]:  # diff_pieces within what is left
        nonlocal left
        if not a.strip() or not b.strip():  # added or removed: no matching to work out
            return diff_pieces(a, b)
        words = max(len(a.split()), len(b.split()))
        diff = diff_pieces(a, b, limit=min(MAX_DIFF_WORDS, left))
        if words <= min(MAX_DIFF_WORDS, left):
            left -= words
        return diff

    for section in new_sections:
        text = section_text(new_version, section)
        old = before.get(section.anchor)
        if old is None:
            changes.append(Change("added", None, section, budgeted("", text),
                                  landed.get(section.anchor, [])))
            continue
        old_text = section_text(old_version, old)
        if old_text.split() == text.split():
            same += 1
            continue
        changes.append(Change("changed", old, section, budgeted(old_text, text),
                              landed.get(section.anchor, [])))
    for section in old_sections:
        if section.anchor not in after_anchors:
            changes.append(Change("removed", section, None,
                                  budgeted(section_text(old_version, section), ""),
                                  landed.get(section.anchor, [])))
    return changes, same
