"""Dutch text analysis for the search index: one way from text to index terms, for the index,
the query and the highlighter alike.

1. **Normalised** (``normalise``): Unicode NFKC (a stored "financie\u0308le" is "financiële",
   "ﬁ" is "fi", full-width "ＰＧＢ" is "PGB", non-breaking and narrow spaces are spaces);
   soft hyphens, zero-width characters and other invisible format characters removed
   ("jeugd\u00adhulp" is "jeugdhulp"); curly quotes and apostrophes, the other hyphens and
   dashes (non-breaking, en dash, minus) and fraction slashes folded to their ASCII form.
2. **Cut into chunks** (``CHUNK``): runs of letters and digits as people write them, with
   inner apostrophes and ampersands ("JGT's", "B&W"), decimal marks between digits ("4.3",
   "2,5"), the signs that carry meaning around a number ("§4.3", "€ 2,5", "10%", "18+",
   "18-", "<18", "4:81"), joined by hyphens and slashes ("JGT-ers", "jeugd-ggz", "'s-Gravenhage",
   "18-/18+", "0-100", "en/of"). A hyphen is part of a chunk only between two atoms, or after
   a number ("18-"); "Jeugd- en Gezinsteam" is "Jeugd", "en", "Gezinsteam".
3. **Atoms become words** (``atom_terms``), one position each: case and diacritics folded, an
   apostrophe ending dropped ("JGT's" -> "jgt"), the Dutch Snowball stem; compounds split at
   index time with a small domain lexicon (lexicon_nl.txt): "jeugdhulpaanbieders" is indexed
   as itself and, at the same position, as "jeugd", "hulp", "aanbieder", "jeugdhulp" and
   "hulpaanbieder" (a query is never split). A number with a sign is indexed as written
   ("18+", "§4.3", "10%", "€2,5") and also as its number, so "18" finds "18+" but "18+" does
   not find "punt 18". Words with digits are kept whole and split at their parts
   ("1Gezin1Plan1Regisseur" is found by "1Gezin1Plan" and by "regisseur").
4. **A chunk of several atoms** is those words side by side (so "JGT-ers" is found by the
   phrase "jgt ers", and "jeugd" finds "jeugd-ggz"), and, for words joined by hyphens only,
   also the joined word at the first position ("zorg-aanbieders" is found by
   "zorgaanbieders", and the other way round).
5. Besides the words the index holds every pair of neighbouring words as one term
   (``pair_term``: phrases are looked up), and each word **as written** (folded, unstemmed)
   where that differs from its stem (``surface_term``), so that a prefix matches the words as
   written: "gemeen*" finds "gemeente" (stem "gemeent") and "huisarts*" finds "huisartsen"
   (stem "huisart").

Every chunk is analysed once per process (a dictionary cache): the vocabulary is small and
repeats, so indexing costs a regex and a dictionary look-up per chunk. The index field calls
``index_terms`` directly instead of building a Whoosh token per word.

``VERSION`` names this analysis; an index built with another one is rebuilt at start
(store.IndexStore.outdated). Change it with anything that changes the terms of a text.
"""

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import Composable, Token
from whoosh.fields import TEXT
from whoosh.lang.snowball.dutch import DutchStemmer
from whoosh.system import pack_uint

# --- 1. normalisation ------------------------------------------------------------------------

# Invisible format characters (Unicode category Cf) that turn up inside words: soft hyphen,
# zero-width space/non-joiner/joiner, word joiner, byte-order mark, direction marks.
_INVISIBLE = ("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d"
              "\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
_FOLDED = {
    "'": "\u2018\u2019\u201a\u201b\u2032\u02bc",  # curly and typewriter apostrophes, prime
    '"': "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb",  # curly and low double quotes
    "-": "\u2010\u2011\u2012\u2013\u2212\ufe63",  # hyphens, en dash, minus
    "/": "\u2044\u2215",  # fraction and division slash ("1⁄2" from "½")
}
_TABLE = {ord(c): None for c in _INVISIBLE} | {
    ord(c): ascii_ for ascii_, chars in _FOLDED.items() for c in chars
}
_SPECIAL = re.compile("[" + re.escape("".join(chr(c) for c in _TABLE)) + "]")


def normalise(text: str) -> str:
    """The text as the index reads it: NFKC, invisible characters removed, quotes, hyphens
    and slashes folded to ASCII. Does not change case (``fold`` does, per word).

    Invisible characters go before NFKC, so that a mark after a soft hyphen still composes;
    the folding runs again after it, for what NFKC itself produced ("½" -> "1⁄2")."""
    if text.isascii():
        return text
    if _SPECIAL.search(text) is None and unicodedata.is_normalized("NFKC", text):
        return text  # most Dutch text: "financiële" is already as the index reads it
    return unicodedata.normalize("NFKC", text.translate(_TABLE)).translate(_TABLE)


# Combining marks (Latin and general ranges) and the invisible characters: they belong to the
# character before them when offsets in the raw text are needed (``_aligned``).
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARK = re.compile(f"[{_MARKS}]")
_CLUSTER = re.compile(f"(?s).[{_MARKS}" + re.escape(_INVISIBLE) + "]*")


def _aligned(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``normalise(text)`` with, per normalised character, where it came from in ``text``
    (start and end offsets); None when the text is unchanged. For marking matches in the
    text as stored; the index itself uses ``normalise`` (same result for Latin text).

    Text that ``normalise`` leaves as it is and that holds no combining mark (nearly all
    Dutch text: "financiële" is already NFKC and holds nothing to fold) maps onto itself:
    no per-character walk (0.3 ms for a point's text; a page of similar points or of search
    results marks 20-40 of them)."""
    if text.isascii() or (_SPECIAL.search(text) is None and _MARK.search(text) is None
                          and unicodedata.is_normalized("NFKC", text)):
        return text, None, None
    pieces, starts, ends = [], [], []
    for cluster in _CLUSTER.finditer(text):
        piece = normalise(cluster.group())
        pieces.append(piece)
        starts.extend([cluster.start()] * len(piece))
        ends.extend([cluster.end()] * len(piece))
    return "".join(pieces), starts, ends


def fold(text: str) -> str:
    """Lower case without diacritics: 'Financiële' -> 'financiele'."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- 2. chunks and atoms ------------------------------------------------------------------

_ATOM = (
    r"(?:[§€$£<>≤≥] ?(?=\d))?"  # a sign before a number: §4.3, € 2,5, <18
    r"\w+(?:(?:['&]|(?<=\d)[.,:](?=\d))\w+)*"  # letters/digits; inner ' and &; 4.3, 2,5, 4:81
    r"(?:(?<=\d)(?: ?%|\+|-)(?!\w))?"  # a sign after a number: 10%, 18+, 18-
)
ATOM = re.compile(_ATOM)
CHUNK = re.compile(rf"{_ATOM}(?:[-/]{_ATOM})*")
_SIGNED = re.compile(r"^(?:([§€$£<>≤≥]) ?)?(.*?)(?: ?(%)|([+-]))?$", re.DOTALL)
_NUMBER_PIECES = re.compile(r"[.,:]")

# --- 3. words: stems and compounds -----------------------------------------------------------

_APOSTROPHE_END = re.compile(r"'\w{0,2}$")
_APOSTROPHE_HEAD = re.compile(r"(\w+)'\w")
_LINKS = ("", "s", "e", "en")
_CHUNKS = re.compile(r"\d*[^\W\d_]+|\d+")
_ENDINGS = ("", "s", "en", "n", "e", "er", "ers")
_MIN_PART = 3
_MIN_COMPOUND = 6
# Longer "words" (a pasted hash, "jeugd" a thousand times) are indexed as written, not
# stemmed or split: Snowball took 0.2 s for 20,000 letters, and splitting "jeugd" x 1,000
# recursed too deep. The longest Dutch compounds of this domain have ~35 letters.
MAX_WORD = 64
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


_LEXICON_PATH = Path(__file__).with_name("lexicon_nl.txt")


def _load_lexicon() -> frozenset[str]:
    words = (line.strip() for line in _LEXICON_PATH.read_text(encoding="utf-8").splitlines())
    return frozenset(fold(w) for w in words if w and not w.startswith("#"))


LEXICON = _load_lexicon()

# The analysis (and document format) as stored with an index: its number and the lexicon it
# split compounds with. An index of another version is rebuilt at start.
# 1: words and compound parts, word pairs; 2: normalisation, chunks (hyphens, slashes,
# signs), words as written for prefixes; 3: who may read a message (the "internal" column
# tells public, members and secretariat apart: the public line in access.py); 4: a document's
# sections (kind "section", issue 18): an index built before has none, so it is rebuilt;
# 5: every sender of an answer (the stakeholders and skinds columns, issue 17): an index
# built before files a theme's answer under its first sender only.
VERSION = f"5-{hashlib.sha256(_LEXICON_PATH.read_bytes()).hexdigest()[:12]}"


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


def _normalise_word(raw: str) -> str:
    """A word folded, without an apostrophe ending ('JGT's' -> 'jgt', 'B&W' -> 'b&w')."""
    word = fold(normalise(raw))
    if "'" in word:
        word = _APOSTROPHE_END.sub("", word).replace("'", "")
    return word


@lru_cache(maxsize=200_000)
def query_term(raw: str) -> str:
    """The index term a typed word (letters and digits, no signs) looks for."""
    word = _normalise_word(raw)
    return _stem(word) if word.isalpha() and len(word) <= MAX_WORD else word


@lru_cache(maxsize=200_000)
def word_terms(raw: str) -> tuple[str, ...]:
    """All index terms for one written word: its stem first, then its compound parts."""
    word = _normalise_word(raw)
    if not word:
        return ()
    if len(word) > MAX_WORD:
        return (word,)
    head = _APOSTROPHE_HEAD.match(fold(normalise(raw)))
    if head and head.group(1) != word:
        # 'JGT'ers', 'pgb'tje': the word, and the abbreviation it was made from.
        return tuple(dict.fromkeys([*word_terms(word), *word_terms(head.group(1))]))
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


# --- special terms -----------------------------------------------------------------------------

PAIR_MARK = "\x01"
SURFACE_MARK = "\x02"


def pair_term(first: str, second: str) -> str:
    """The index term for two neighbouring words. It starts with a control character, so that
    word pairs sort apart from words and a prefix search never walks through them."""
    return f"{PAIR_MARK}{first} {second}"


def surface_term(word: str) -> str:
    """The index term for a word as written (folded, not stemmed), for prefix searches; marked
    like pairs, so that it never meets a stem."""
    return f"{SURFACE_MARK}{word}"


def prefix_patterns(prefix: str) -> tuple[str, ...]:
    """The index term prefixes a typed prefix looks for: stems and words as written."""
    return (prefix, surface_term(prefix))


# --- 3 and 4: atoms and chunks as index terms ------------------------------------------------


def _signed(atom: str) -> tuple[str, str, str]:
    """(sign before, number or word, sign after) of an atom: '€ 2,5' -> ('€', '2,5', '')."""
    before, body, percent, plus_minus = _SIGNED.match(atom).groups()
    return before or "", body, percent or plus_minus or ""


@lru_cache(maxsize=200_000)
def atom_terms(atom: str) -> tuple[str, ...]:
    """The index terms of one atom, its main term first (what a typed atom looks for).

    A word: its stem and compound parts, then the word as written if that differs from the
    stem. A number with signs or decimals: as written ('18+', '§4.3', '2,5'), then its number
    and its pieces ('18'; '4.3', '4', '3')."""
    before, body, after = _signed(atom)
    if not before and not after and not _NUMBER_PIECES.search(body):
        terms = word_terms(body)
        if not terms:
            return ()
        written = _normalise_word(body)
        if written != terms[0] and written.isalpha():
            return (*terms, surface_term(written))
        return terms
    number = fold(body)
    pieces = [t for piece in _NUMBER_PIECES.split(body) if piece for t in word_terms(piece)]
    return tuple(dict.fromkeys([f"{before}{number}{after}", number, *pieces]))


def atom_query(atom: str) -> str:
    """The term a typed atom looks for."""
    terms = atom_terms(atom)
    return terms[0] if terms else ""


def _is_word(atom: str) -> bool:
    return _normalise_word(atom).isalpha()


@lru_cache(maxsize=200_000)
def chunk_terms(chunk: str) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """(the terms of each position, the terms of the joined words) of a chunk.

    'JGT-ers' -> ((('jgt',), ('ers',)), ('jgter', '\\x02jgters')): two words side by side and,
    since a hyphen joins words of letters, 'jgters' as one word. Words joined by a slash
    ('en/of', '18-/18+') are alternatives: side by side, never joined."""
    positions: list[tuple[str, ...]] = []
    joined: list[str] = []
    for group in chunk.split("/"):
        atoms = ATOM.findall(group)
        terms = [t for t in (atom_terms(a) for a in atoms) if t]
        positions.extend(terms)
        word = joined_word(group)
        if word:
            seen = {t for ts in terms for t in ts}
            # The joined word and its own compound parts, not those its words already give.
            joined.extend(t for i, t in enumerate(atom_terms(word)) if i == 0 or t not in seen)
    return tuple(positions), tuple(dict.fromkeys(joined))


def joined_word(group: str) -> str | None:
    """Words of letters joined by hyphens as one word ('Jeugd-GGZ' -> 'jeugdggz'), else None."""
    atoms = ATOM.findall(group)
    if len(atoms) < 2 or not all(_is_word(a) for a in atoms):
        return None
    return "".join(_normalise_word(a) for a in atoms)


def joined_query(group: str) -> str | None:
    """The term for hyphen-joined words as one word ('jeugd-ggz' -> 'jeugdggz'), if any."""
    word = joined_word(group)
    return atom_query(word) if word else None


def index_terms(text: str) -> tuple[dict[str, int], int]:
    """How often each index term occurs in the text, and the number of words (positions).

    Besides the words (and compound parts, joined words, words as written) the index holds
    every pair of neighbouring words as one term (``pair_term``): a phrase is then looked up,
    not checked word by word.
    """
    counts: dict[str, int] = defaultdict(int)
    previous = None
    words = 0
    for chunk in CHUNK.findall(normalise(text)):
        positions, joined = chunk_terms(chunk)
        for term in joined:
            counts[term] += 1
        for terms in positions:
            words += 1
            for term in terms:
                counts[term] += 1
            if previous is not None:
                counts[f"{PAIR_MARK}{previous} {terms[0]}"] += 1  # pair_term, inlined
            previous = terms[0]
    return counts, words


def tokens(text: str) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """(start, end, index terms) of each word of the text, main term first, offsets into the
    text as given (not normalised): for marking matches. The words of a chunk also carry
    the chunk's joined word ('jeugd' and 'ggz' of 'jeugd-ggz' both carry 'jeugdggz'), so
    that a match on it marks the words, never overlapping spans."""
    normal, starts, ends = _aligned(text)

    def span(begin: int, end: int) -> tuple[int, int]:
        if starts is None:
            return begin, end
        return starts[begin], ends[end - 1]

    for chunk in CHUNK.finditer(normal):
        positions, joined = chunk_terms(chunk.group())
        atoms = [a for a in ATOM.finditer(chunk.group()) if atom_terms(a.group())]
        for atom, terms in zip(atoms, positions, strict=True):
            begin, end = span(chunk.start() + atom.start(), chunk.start() + atom.end())
            yield begin, end, terms + joined if joined else terms


class DutchAnalyzer(Composable):
    """The Whoosh face of this module (Whoosh asks a field for one).

    In "index" mode it yields every index term of a word (at the word's position, spanning
    the word, so the highlighter marks the word); in "query" mode only the main term.
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
        for pos, (begin, end, terms) in enumerate(tokens(value), start_pos):
            for term in terms[:1] if querying else terms:
                token.text = term
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = value[begin:end]
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + begin
                    token.endchar = start_char + end
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
