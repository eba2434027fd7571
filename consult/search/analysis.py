"""Dutch text analysis for the search index: one function turns text into index terms.

- Tokens are runs of letters and digits as people write them ("PGB", "JGT's", "18", "1Gezin1Plan");
  an apostrophe ending ("JGT's", "auto's") is dropped, so "JGT's" finds "JGT" and back.
- Case and diacritics are folded: "Financiële" and "financiele" are the same word.
- The Dutch Snowball stemmer merges inflections ("gemeenteraden" and "gemeenteraad").
- Compounds are split at index time only, with a small domain lexicon (lexicon_nl.txt): the
  index holds "jeugdhulpaanbieders" and, at the same position, "jeugd", "hulp", "aanbieder",
  "jeugdhulp" and "hulpaanbieder". A query is never split, so "jeugdhulp" finds the compound
  and "jeugdhulpaanbieders" still only finds itself.

Every word form is analysed once per process (a dictionary cache): the vocabulary is small and
repeats, so indexing costs a regex and a dictionary look-up per word. The index field calls
``index_terms`` directly instead of building a Whoosh token per word.
"""

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import Composable, Token
from whoosh.fields import TEXT
from whoosh.lang.snowball.dutch import DutchStemmer
from whoosh.system import pack_uint

# Letters/digits with inner apostrophes or ampersands kept together ("JGT's", "B&W").
WORD = re.compile(r"\w+(?:['’&]\w+)*", re.UNICODE)
_APOSTROPHE_END = re.compile(r"['’]\w{0,2}$")
_LINKS = ("", "s", "e", "en")
_CHUNKS = re.compile(r"\d*[^\W\d_]+|\d+")
_ENDINGS = ("", "s", "en", "n", "e", "er", "ers")
_MIN_PART = 3
_MIN_COMPOUND = 6
# Longer words are not split: real compounds stay under 40 letters, and the search for the
# fewest parts grows steeply with length (a 988-letter run of "jeugdhulpaanbieders" took
# 0.7 s, 4,000 letters minutes), for indexing, snippets and similar points alike.
_MAX_COMPOUND = 60

_snowball = DutchStemmer().stem
_DOUBLED = re.compile(r"([bcdfghjklmnpqrstvwxz])\1$")


def _stem(word: str) -> str:
    """Snowball's Dutch stem, with any doubled final consonant undoubled ('plannen' -> 'plan';
    Snowball itself undoubles only k, d and t) and a final s dropped: Snowball strips the s of
    'huisarts' but keeps it in 'huisartsen' -> 'huisarts', and likewise 'proces'/'processen'."""
    stem = _DOUBLED.sub(r"\1", _snowball(word))
    if len(stem) > 3 and stem.endswith("s"):
        stem = _DOUBLED.sub(r"\1", stem[:-1])
    return stem


def fold(text: str) -> str:
    """Lower case without diacritics: 'Financiële' -> 'financiele'."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _load_lexicon() -> frozenset[str]:
    path = Path(__file__).with_name("lexicon_nl.txt")
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(fold(w) for w in words if w and not w.startswith("#"))


LEXICON = _load_lexicon()


def _is_last_part(text: str) -> bool:
    """A known word, possibly inflected ('aanbieders', 'raden')."""
    for ending in _ENDINGS:
        if ending and not text.endswith(ending):
            continue
        base = text[: len(text) - len(ending)] if ending else text
        if len(base) >= _MIN_PART and base in LEXICON:
            return True
    # 'raden' -> 'raad': Dutch doubles/undoubles vowels when inflecting.
    return _stem(text) in _LEXICON_STEMS


@lru_cache(maxsize=100_000)
def split_compound(word: str) -> tuple[str, ...]:
    """The surface parts of a folded compound, or () when it is not one we know.

    'jeugdhulpaanbieders' -> ('jeugd', 'hulp', 'aanbieders'); the fewest parts win.
    """
    if not _MIN_COMPOUND <= len(word) <= _MAX_COMPOUND or not word.isalpha():
        return ()
    best: tuple[str, ...] = ()

    def walk(rest: str, parts: tuple[str, ...]) -> None:
        nonlocal best
        if best and len(parts) + 1 >= len(best):
            return
        if parts and _is_last_part(rest):
            best = parts + (rest,)
            return
        for cut in range(_MIN_PART, len(rest) - _MIN_PART + 1):
            head = rest[:cut]
            if head not in LEXICON:
                continue
            for link in _LINKS:
                if rest.startswith(link, cut) and len(rest) - cut - len(link) >= _MIN_PART:
                    walk(rest[cut + len(link):], parts + (rest[: cut + len(link)],))

    walk(word, ())
    return best


_LEXICON_STEMS = frozenset(_stem(w) for w in LEXICON)


def _normalise(raw: str) -> str:
    word = fold(raw)
    if "'" in word or "’" in word:
        word = _APOSTROPHE_END.sub("", word).replace("'", "").replace("’", "")
    return word


@lru_cache(maxsize=200_000)
def query_term(raw: str) -> str:
    """The index term a typed word looks for."""
    word = _normalise(raw)
    return _stem(word) if word.isalpha() else word


@lru_cache(maxsize=200_000)
def word_terms(raw: str) -> tuple[str, ...]:
    """All index terms for one written word: its stem first, then its compound parts."""
    word = _normalise(raw)
    if not word:
        return ()
    if not word.isalpha():
        # '1gezin1plan1regisseur' stays whole (findable as typed), with its leading parts
        # ('1gezin', '1gezin1plan') and its letter runs ('gezin', 'plan', 'regisseur').
        chunks = _CHUNKS.findall(word)
        leading = ["".join(chunks[:n]) for n in range(1, len(chunks))]
        runs = [_stem(r) for r in re.findall(r"[^\W\d_]{3,}", word) if r != word]
        return tuple(dict.fromkeys([word, *leading, *runs]))
    terms = [_stem(word)]
    parts = split_compound(word)
    # Every run of adjacent parts but the whole: jeugd, hulp, aanbieders, jeugdhulp, ...
    for size in range(1, len(parts)):
        for start in range(0, len(parts) - size + 1):
            piece = "".join(parts[start : start + size])
            if start + size < len(parts):
                piece = _strip_link(parts, start, size)
            terms.append(_stem(piece))
    return tuple(dict.fromkeys(terms))


def _strip_link(parts: tuple[str, ...], start: int, size: int) -> str:
    """Parts joined, without the linking s/e/en of the last one ('gemeentes' -> 'gemeente')."""
    pieces = list(parts[start : start + size])
    last = pieces[-1]
    for link in ("en", "s", "e"):
        if last.endswith(link) and last[: -len(link)] in LEXICON:
            pieces[-1] = last[: -len(link)]
            break
    return "".join(pieces)


PAIR_MARK = "\x01"


def pair_term(first: str, second: str) -> str:
    """The index term for two neighbouring words. It starts with a control character, so that
    word pairs sort apart from words and a prefix search never walks through them."""
    return f"{PAIR_MARK}{first} {second}"


def index_terms(text: str) -> tuple[dict[str, int], int]:
    """How often each index term occurs in the text, and the number of words.

    Besides the words (and compound parts) the index holds every pair of neighbouring words
    as one term (``pair_term``): a phrase is then looked up, not checked word by word.
    """
    counts: dict[str, int] = defaultdict(int)
    previous = None
    words = 0
    for raw in WORD.findall(text):
        terms = word_terms(raw)
        if not terms:
            continue
        words += 1
        for term in terms:
            counts[term] += 1
        if previous is not None:
            counts[pair_term(previous, terms[0])] += 1
        previous = terms[0]
    return counts, words


class DutchAnalyzer(Composable):
    """The Whoosh face of this module, for the query parser and the highlighter.

    In "index" mode it yields the compound parts too (at the word's position, spanning the
    whole word, so the highlighter marks the compound); in "query" mode only the stem.
    """

    def __init__(self):
        self.__inittypes__ = {}

    def __eq__(self, other):
        return isinstance(other, DutchAnalyzer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        querying = mode == "query"
        for pos, match in enumerate(WORD.finditer(value), start_pos):
            terms = (query_term(match.group()),) if querying else word_terms(match.group())
            for term in terms:
                if not term:
                    continue
                token.text = term
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = match.group()
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token


class DutchText(TEXT):
    """A TEXT field that indexes through ``index_terms`` (no token objects, cached words).

    Term frequencies only, no positions: phrases use the word-pair terms."""

    def __init__(self, **kwargs):
        super().__init__(analyzer=DutchAnalyzer(), phrase=False, **kwargs)

    def index(self, value, **kwargs):
        counts, _words = index_terms(value)
        return [(_utf8(term), freq, float(freq), _FREQ[freq] if freq < 256 else pack_uint(freq))
                for term, freq in counts.items()]


_FREQ = [pack_uint(n) for n in range(256)]


@lru_cache(maxsize=500_000)
def _utf8(term: str) -> bytes:
    return term.encode("utf-8")
