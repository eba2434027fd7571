"""Near-identical points and form letters: the same text sent by different senders.

Texts are compared as the search reads them (consult/search/analysis.py: normalised, case
and diacritics folded) reduced to their words, with rapidfuzz's ``fuzz.ratio`` (an edit
distance as a share, 0-100). Two points from different senders are alike at ``POINT_RATIO``
or more when both have at least ``MIN_WORDS`` words (shorter ones must be equal: "Ontschotting"
twice is alike, "Samenwerking JGT/veiligheidshuis" and "... /veiligheidsketen" are not); two
reactions (all their points' text in order, ``LETTER_WORDS`` words or more) at
``LETTER_RATIO``: a copied letter whose senders changed a few points stays one group.
Groups are the connected parts of "alike", so a form letter sent by five councils is one
group of five. Texts are compared by their first POINT_CHARS / LETTER_CHARS characters.
"""

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from ..search.analysis import fold, normalise
from .suggest import Item

POINT_RATIO = 85
LETTER_RATIO = 60
LETTER_WORDS = 20  # a letter compared as a whole has at least this many words
MIN_WORDS = 4
ROWS = 1000  # rows compared at once (memory: ROWS x points bytes)
# Compared up to this many characters of their words: an edit distance costs the product of
# the two lengths, and two letters of a million characters took 74 s (the attack) while a
# form letter or a copied point is the same from its start.
POINT_CHARS = 2_000
LETTER_CHARS = 10_000
_WORD = re.compile(r"\w+")


@dataclass
class AlikeGroup:
    """Points (or reactions) that say the same, each with its sender, in board order."""

    items: list[Item]

    @property
    def senders(self) -> list[str]:
        """The different senders, in board order."""
        return list(dict.fromkeys(i.sender for i in self.items))


def words(text: str) -> str:
    """A text reduced to its folded words, separated by single spaces."""
    return " ".join(_WORD.findall(fold(normalise(text or ""))))


def _pairs(texts: list[str], cutoff: int) -> list[tuple[int, int]]:
    """Index pairs (a < b) whose texts score at least ``cutoff``."""
    found = []
    for start in range(0, len(texts), ROWS):
        scores = process.cdist(texts[start:start + ROWS], texts, scorer=fuzz.ratio,
                               score_cutoff=cutoff, dtype=np.uint8)
        for a, b in zip(*np.nonzero(scores), strict=True):
            if start + a < b:
                found.append((int(start + a), int(b)))
    return found


def _components(size: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Connected parts (two or more members, ascending) of the graph ``pairs``."""
    parent = list(range(size))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for i in range(size):
        groups.setdefault(root(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def alike_points(items: list[Item]) -> list[AlikeGroup]:
    """Groups of near-identical points from at least two senders (see the module)."""
    texts = [words(i.body)[:POINT_CHARS] for i in items]
    pairs = [(a, b) for a, b in _pairs(texts, POINT_RATIO)
             if items[a].sender != items[b].sender
             and (texts[a] == texts[b] or min(texts[a].count(" "), texts[b].count(" ")) + 1
                  >= MIN_WORDS)]
    return [AlikeGroup([items[i] for i in g]) for g in _components(len(items), pairs)]


def form_letters(items: list[Item]) -> list[AlikeGroup]:
    """Groups of reactions whose whole text is nearly the same, from different senders; each
    group lists the first point of each reaction (its sender stands for the letter)."""
    letters: dict[int, list[Item]] = {}
    for item in items:
        letters.setdefault(item.reaction_id, []).append(item)
    firsts = [points[0] for points in letters.values()]
    texts = [" ".join(words(p.body[:LETTER_CHARS]) for p in points)[:LETTER_CHARS]
             for points in letters.values()]
    pairs = [(a, b) for a, b in _pairs(texts, LETTER_RATIO)
             if firsts[a].sender != firsts[b].sender
             and min(texts[a].count(" "), texts[b].count(" ")) + 1 >= LETTER_WORDS]
    return [AlikeGroup([firsts[i] for i in g]) for g in _components(len(firsts), pairs)]
