"""Evaluating a query over Whoosh's postings with numpy, a segment at a time.

Whoosh stores the index (segments, term dictionary, postings, columns, deletions, the writer
and its merges); this module only reads it. Whoosh's own matchers walk postings one document at
a time in Python, which the stack notes measured at 3.5-5x SQLite FTS5 (and 0.7 s for
``jeugd*``). Here a term's postings are decoded a block at a time into arrays, and AND / OR /
NOT, BM25, filters, facet counts and the top of the ranking are array operations.

- A phrase is matched on word pairs: the index holds, for every two neighbouring words, one
  term (analysis.pair_term), so "lokale sturing" is one posting list.
- Facets and filters use per-document columns (ids and codes), read once per segment:
  segments never change after they are written, so the arrays stay valid until a merge
  replaces the segment.
- Decoded posting lists are kept in a small LRU per process (the common terms of the day).
- A term is looked up in a segment's dictionary once per search, and a prefix's terms are
  read in one pass over it (postings.Terms); posting lists are decoded from their bytes.
"""

import copy
import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import byte_to_length

from .analysis import pair_term, prefix_patterns
from .postings import Info, Terms
from .store import CODES, MULTI, column_array

K1 = 1.2
B = 0.75
MAX_PREFIX_TERMS = 2_000
POSTINGS_CACHE_BYTES = 192 * 2**20

FACETS = ("kind", "consultation", "stakeholder", "skind", "channel", "status", "year")
EMPTY = (np.empty(0, np.int32), np.empty(0, np.float32))


_LENGTHS = np.array([byte_to_length(b) for b in range(256)], np.float32)
_numbers = column_array


class SegmentData:
    """What is read once per segment: lengths, facet columns, destinations.

    One is kept per segment for the whole process (``_SEGMENTS``) and its decoded columns
    are shared by every thread; ``segments()`` hands each search a ``bound()`` copy that reads
    through that search's own reader. A Whoosh reader's files keep one read position
    (``seek`` then ``read``), so two threads reading through one reader read each other's
    bytes: with the reader kept on the shared object, a search under concurrent saves in a
    threaded worker once read a posting block at another thread's offset ("Block tag
    error", tests/test_search_concurrency.py)."""

    def __init__(self, reader):
        self.reader = reader
        self._terms: Terms | None = None
        self._infos: dict[str, Info | None] = {}
        self.size = reader.doc_count_all()
        self._numbers: dict[str, np.ndarray] = {}
        self._pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._memo: dict[str, object] = {}  # "lengths", "deleted": shared with bound copies
        self._lock = threading.Lock()

    def bound(self, reader) -> "SegmentData":
        """This segment's data read through ``reader`` (the calling search's own): a shallow
        copy, so what either decodes is kept for both. The copy keeps the term infos it looks
        up (term -> postings.Info, None when absent) for the search it serves."""
        view = copy.copy(self)
        view.reader = reader
        view._terms = None
        view._infos = {}
        return view

    @property
    def terms(self) -> Terms:
        """This view's reader's term dictionary and postings (postings.Terms)."""
        if self._terms is None:
            self._terms = Terms(self.reader)
        return self._terms

    def info(self, term: str) -> Info | None:
        """The term's info in this segment (looked up once per search), None if absent."""
        try:
            return self._infos[term]
        except KeyError:
            found = self._infos[term] = self.terms.info(term)
            return found

    def doc_frequency(self, term: str) -> int:
        """Documents of this segment holding the term, deleted ones included (as Whoosh's
        reader.doc_frequency counts)."""
        found = self.info(term)
        return found.df if found is not None else 0

    @property
    def lengths(self) -> np.ndarray:
        found = self._memo.get("lengths")
        if found is None:
            perdoc = getattr(self.reader, "_perdoc", None)
            column = perdoc._cached_reader("_body_len", LENGTHS_COLUMN) if perdoc else None
            if column is not None:
                found = _LENGTHS[_numbers(column, self.size)]
            else:
                length = self.reader.doc_field_length
                found = np.fromiter(
                    (length(d, "body", 1) for d in range(self.size)), np.float32, self.size
                )
            self._memo["lengths"] = found
        return found

    def numbers(self, name: str) -> np.ndarray:
        """A facet column: ids, years, or codes (store.CODES), by document number."""
        found = self._numbers.get(name)
        if found is None:
            with self._lock:
                found = self._numbers.get(name)
                if found is None:
                    found = _numbers(self.reader.column_reader(name, translate=False), self.size)
                    self._numbers[name] = found
        return found

    @property
    def when(self) -> np.ndarray:
        return self.numbers("when")

    @property
    def destinations(self) -> tuple[np.ndarray, np.ndarray]:
        """(document, destination id) pairs: a document may go to several destinations."""
        return self.pairs("destinations")

    def pairs(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(document, value) pairs of a column of packed 32-bit values (destinations, and
        store.MULTI's: every stakeholder and stakeholder kind of a document)."""
        found = self._pairs.get(column)
        if found is None:
            if column not in self.reader.schema:  # an index from before the column: its
                name = next(n for n, c in MULTI.items() if c == column)  # one value each
                values = self.numbers(name)
                docs = np.nonzero(values)[0].astype(np.int32)
                found = (docs, values[docs])
            elif not hasattr(reader := self.reader.column_reader(column, translate=False),
                             "_lengths"):  # no document of the segment has a value
                found = (np.empty(0, np.int32), np.empty(0, np.int64))
            else:
                lengths = np.asarray(reader._lengths, np.int64)
                total = int(lengths.sum())
                raw = reader._dbfile.get(reader._basepos, total) if total else b""
                ids = np.frombuffer(raw, ">u4").astype(np.int64)
                docs = np.repeat(np.arange(self.size, dtype=np.int32), lengths // 4)
                found = (docs, ids)
            self._pairs[column] = found
        return found

    def live(self) -> np.ndarray | None:
        """A mask of deleted documents, or None when there are none."""
        segment = self.reader.segment()
        count = segment.deleted_count() if segment is not None else 0
        if not count:
            return None
        known = self._memo.get("deleted")
        if known is None or known[0] != count:
            mask = np.zeros(self.size, bool)
            mask[np.fromiter(segment.deleted_docs(), np.int64)] = True
            known = self._memo["deleted"] = (count, mask)
        return known[1]


def code_of(name: str, value: str) -> int | None:
    """The stored number of a facet value ("council" -> 3; "12" -> 12), None if impossible."""
    if name in CODES:
        return _CODE_OF[name].get(value)
    return int(value) if value.isdecimal() and len(value) < 19 else None


def value_of(name: str, number: int) -> str:
    if name in CODES:
        values = CODES[name]
        return values[number] if 0 <= number < len(values) else ""
    return str(number) if number else ""


_CODE_OF = {name: {v: i for i, v in enumerate(values)} for name, values in CODES.items()}


class _Postings:
    """Decoded posting lists, least recently used dropped first."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key, value):
        nbytes = value[0].nbytes + value[1].nbytes
        if nbytes > self.limit // 4:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = value
            self.size += nbytes
            while self.size > self.limit and self.entries:
                _k, (ids, tf) = self.entries.popitem(last=False)
                self.size -= ids.nbytes + tf.nbytes


_SEGMENTS: dict[str, SegmentData] = {}
_SEGMENTS_LOCK = threading.Lock()
POSTINGS = _Postings(POSTINGS_CACHE_BYTES)


def clear_caches() -> None:
    """Forget decoded posting lists (the benchmark's "first time a term is asked"); the
    per-segment columns stay, as in a running worker."""
    with POSTINGS.lock:
        POSTINGS.entries.clear()
        POSTINGS.size = 0


def segments(searcher) -> list[tuple[SegmentData, int]]:
    """The searcher's segments with their document offsets (data cached per segment id)."""
    out = []
    seen = set()
    for reader, offset in searcher.reader().leaf_readers():
        if not reader.doc_count_all():
            # An index built from an empty database has one empty reader, whose columns
            # raise NotImplementedError: it holds nothing to read anyway.
            continue
        segment = reader.segment()
        ident = segment.segment_id() if segment is not None else f"r{id(reader)}"
        seen.add(ident)
        with _SEGMENTS_LOCK:
            data = _SEGMENTS.get(ident)
            if data is None or data.size != reader.doc_count_all():
                data = _SEGMENTS[ident] = SegmentData(reader)
        out.append((data.bound(reader), offset))
    with _SEGMENTS_LOCK:
        if len(_SEGMENTS) > 4 * len(seen) + 16:
            for ident in [i for i in _SEGMENTS if i not in seen]:
                del _SEGMENTS[ident]
    return out


def postings(seg: SegmentData, term: str,
             within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers int32, term frequencies float32) of a term in one segment.

    The list holds the segment's deleted documents too (each search drops them with its live
    mask, ``_restrict``): so it is the same for every reader of the segment, and cached by
    segment and term. (Whoosh's ``reader.postings`` wraps a segment with deletions in a filter
    that steps through the list one posting at a time in Python, 190 ms for one
    similar-points query at 120,000 points.)

    within: sorted document numbers the caller will intersect with (the rarer side of an
    AND): only the blocks of 128 postings whose id range can hold one of them are decoded
    (a block header carries its last id), the rest are skipped unread. The result then holds
    the postings of those blocks only (a superset of the intersection) and is not cached."""
    segment = seg.reader.segment()
    key = (segment.segment_id() if segment is not None else id(seg.reader), term)
    found = POSTINGS.get(key)
    if found is not None:
        return found
    info = seg.info(term)
    if info is None:
        return EMPTY
    ids, tf, complete = seg.terms.postings(info, within)
    if complete:
        POSTINGS.put(key, (ids, tf))
    return ids, tf


# --- evaluation ------------------------------------------------------------------------------


@dataclass
class Stats:
    """Collection statistics for BM25, from the whole index, and what one search has read
    of them: the idf of each term (from its infos in ``segs``, the search's segment views)
    and the terms of each prefix."""

    searcher: object
    docs: int
    avg_length: float
    segs: list = field(default_factory=list)
    _idf: dict = field(default_factory=dict)
    _prefixes: dict = field(default_factory=dict)

    def df(self, term: str) -> int:
        """Documents holding the term in the whole index (Whoosh's searcher.doc_frequency:
        the sum over the segments, deleted documents included)."""
        return sum(seg.doc_frequency(term) for seg, _offset in self.segs)

    def idf(self, term: str) -> float:
        found = self._idf.get(term)
        if found is None:
            df = self.df(term)
            found = self._idf[term] = math.log(1 + (self.docs - df + 0.5) / (df + 0.5))
        return found

    def prefix(self, prefix: str) -> list[str]:
        """prefix_terms for this search (read once, whatever the segment asking)."""
        found = self._prefixes.get(prefix)
        if found is None:
            found = self._prefixes[prefix] = prefix_terms(self, prefix)
        return found


def stats(searcher, segs: list | None = None) -> Stats:
    """The statistics of a search over ``segs`` (``segments(searcher)`` when not given)."""
    return Stats(searcher, max(1, searcher.doc_count_all()),
                 max(1.0, searcher.avg_field_length("body", 1.0)),
                 segments(searcher) if segs is None else segs)


def _term(seg: SegmentData, term: str, st: Stats, boost: float = 1.0,
          within: np.ndarray | None = None):
    ids, tf = postings(seg, term, within)
    if not len(ids):
        return EMPTY
    return ids, _bm25(seg, st, ids, tf, st.idf(term) * boost)


def _bm25(seg: SegmentData, st: Stats, ids: np.ndarray, tf: np.ndarray, weight):
    """BM25 scores (float32) of postings (ids int32, tf float32) of this segment. weight:
    idf × boost, one Python number or a float32 array with one per posting; numpy rounds a
    Python number to float32 before multiplying a float32 array, so both give the same
    scores to the bit."""
    lengths = seg.lengths[ids]
    scores = weight * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths / st.avg_length))
    return scores.astype(np.float32)


def _prefix(seg: SegmentData, st: Stats, terms: list[str]):
    """The OR of a prefix's terms, each weighed 1/sqrt(number of terms): the same documents
    and scores as ``_or`` of each term's ``_term``, in one pass of array operations over
    all their postings (a prefix has up to MAX_PREFIX_TERMS terms; a dozen numpy calls per
    term were most of a long prefix's time)."""
    boost = 1.0 / max(1, len(terms)) ** 0.5
    id_parts, tf_parts, weights = [], [], []
    for term in terms:
        ids, tf = postings(seg, term)
        if len(ids):
            id_parts.append(ids)
            tf_parts.append(tf)
            weights.append(st.idf(term) * boost)
    if not id_parts:
        return EMPTY
    ids = np.concatenate(id_parts)
    weight = np.repeat(np.array(weights, np.float32), [len(part) for part in id_parts])
    scores = _bm25(seg, st, ids, np.concatenate(tf_parts), weight)
    if len(id_parts) == 1:
        return ids, scores
    unique, inverse = np.unique(ids, return_inverse=True)
    return unique.astype(np.int32), np.bincount(inverse, weights=scores).astype(np.float32)


def _and(parts):
    parts = sorted(parts, key=lambda p: len(p[0]))
    ids, scores = parts[0]
    for other_ids, other_scores in parts[1:]:
        if not len(ids):
            return EMPTY
        common, left, right = np.intersect1d(ids, other_ids, assume_unique=True,
                                             return_indices=True)
        ids, scores = common.astype(np.int32), scores[left] + other_scores[right]
    return ids, scores


def _or(parts):
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    unique, inverse = np.unique(ids, return_inverse=True)
    return unique.astype(np.int32), np.bincount(inverse, weights=scores).astype(np.float32)


def _minus(positive, negative):
    if not len(positive[0]) or not len(negative[0]):
        return positive
    keep = ~np.isin(positive[0], negative[0], assume_unique=True)
    return positive[0][keep], positive[1][keep]


def evaluate(node, seg: SegmentData, st: Stats, reader):
    """(sorted document numbers, scores) of a parsed query in one segment."""
    if node is None or isinstance(node, type(wq.NullQuery)):
        return EMPTY
    if isinstance(node, wq.Term):
        return _term(seg, str(node.text), st, node.boost)
    if isinstance(node, wq.Phrase):
        words = [str(w) for w in node.words]
        if len(words) == 1:
            return _term(seg, words[0], st, node.boost)
        pairs = [pair_term(a, b) for a, b in zip(words, words[1:], strict=False)]
        return _and([_term(seg, pair, st, node.boost) for pair in pairs])
    if isinstance(node, wq.Prefix):
        return _prefix(seg, st, st.prefix(node.text))
    if isinstance(node, wq.AndNot):
        return _minus(evaluate(node.a, seg, st, reader), evaluate(node.b, seg, st, reader))
    if isinstance(node, wq.AndMaybe):
        base = evaluate(node.a, seg, st, reader)
        extra = evaluate(node.b, seg, st, reader)
        return _with_extra_scores(base, extra)
    if isinstance(node, wq.Require):
        base = evaluate(node.a, seg, st, reader)
        required = evaluate(node.b, seg, st, reader)
        return _and([base, (required[0], np.zeros(len(required[0]), np.float32))])
    if isinstance(node, wq.And):
        positive = [c for c in node.children() if not isinstance(c, wq.Not)]
        negative = [c.query for c in node.children() if isinstance(c, wq.Not)]
        if not positive:
            return EMPTY
        result = _and_rarest_first(positive, seg, st, reader)
        for child in negative:
            result = _minus(result, evaluate(child, seg, st, reader))
        return result
    if isinstance(node, wq.Or):
        return _or([evaluate(c, seg, st, reader) for c in node.children()
                    if not isinstance(c, wq.Not)])
    if isinstance(node, wq.Not):
        return EMPTY
    raise ValueError(f"unsupported query node {type(node).__name__}")


def _and_rarest_first(children, seg: SegmentData, st: Stats, reader):
    """AND of the children; plain words are read rarest first, and each next word only in
    the blocks that can hold the documents found so far (postings(within=...)). Same
    documents and scores as decoding every list whole."""
    words = [c for c in children if isinstance(c, wq.Term)]
    others = [c for c in children if not isinstance(c, wq.Term)]
    parts = [evaluate(c, seg, st, reader) for c in others]
    result = _and(parts) if parts else None
    for word in sorted(words, key=lambda w: seg.doc_frequency(str(w.text))):
        if result is not None and not len(result[0]):
            return EMPTY
        within = result[0] if result is not None else None
        found = _term(seg, str(word.text), st, word.boost, within)
        result = found if result is None else _and([result, found])
    return result


def _with_extra_scores(base, extra):
    if not len(base[0]) or not len(extra[0]):
        return base
    common, left, right = np.intersect1d(base[0], extra[0], assume_unique=True,
                                         return_indices=True)
    scores = base[1].copy()
    scores[left] += extra[1][right]
    return base[0], scores


def prefix_terms(st: Stats, prefix: str) -> list[str]:
    """The index's terms starting with the prefix: stems and words as written
    (analysis.surface_term), each pattern's in term order, the most used first when there
    are more than MAX_PREFIX_TERMS (as Whoosh's reader.expand_prefix over all segments).

    Each segment's dictionary is read once over the prefix's range; the infos found are kept
    in the search's segment views (and the terms a segment lacks as absent), so scoring
    them looks nothing up again."""
    found = []
    for pattern in prefix_patterns(prefix):
        seen: set[str] = set()
        for seg, _offset in st.segs:
            here = seg.terms.prefixed(pattern)
            seg._infos.update(here)
            seen.update(term for term, _info in here)
        found.extend(sorted(seen))  # code point order: the UTF-8 byte order of the index
    for seg, _offset in st.segs:
        for term in found:
            seg._infos.setdefault(term, None)
    if len(found) > MAX_PREFIX_TERMS:
        found.sort(key=lambda t: -st.df(t))
        found = found[:MAX_PREFIX_TERMS]
    return found


# --- a search ---------------------------------------------------------------------------------


@dataclass
class Restriction:
    """Filters (facet -> value) and what the reader may not see."""

    filters: dict
    hidden: frozenset  # consultation ids
    no_internal: frozenset | None  # consultation ids; None = internal notes hidden everywhere
    public: bool = False  # the public: only documents marked public (no conversation)
    stakeholders: frozenset | None = None  # stakeholder documents the reader may see; None = all


def _restrict(ids, scores, seg: SegmentData, r: Restriction):
    if not len(ids):
        return ids, scores
    keep = np.ones(len(ids), bool)
    live = seg.live()
    if live is not None:
        keep &= ~live[ids]
    for name, value in r.filters.items():
        if name == "destination" or name in MULTI:
            code = int(value) if name == "destination" else code_of(name, str(value))
            if code is None:
                return EMPTY
            docs, values = seg.pairs("destinations" if name == "destination" else MULTI[name])
            wanted = np.unique(docs[values == code])
            keep &= np.isin(ids, wanted, assume_unique=True)
            continue
        code = code_of(name, str(value))
        if code is None:
            return EMPTY
        keep &= seg.numbers(name)[ids] == code
    if r.hidden:
        keep &= ~np.isin(seg.numbers("consultation")[ids], sorted(r.hidden))
    if r.public:
        keep &= seg.numbers("internal")[ids] == 0
    if r.stakeholders is not None:
        is_stakeholder = seg.numbers("kind")[ids] == code_of("kind", "stakeholder")
        if is_stakeholder.any():
            known = np.isin(seg.numbers("stakeholder")[ids], sorted(r.stakeholders))
            keep &= ~is_stakeholder | known
    internal = seg.numbers("internal")[ids] == 1
    if internal.any():
        if r.no_internal is None:
            keep &= ~internal
        elif r.no_internal:
            consultation = seg.numbers("consultation")[ids]
            keep &= ~(internal & np.isin(consultation, sorted(r.no_internal)))
    return ids[keep], scores[keep]


@dataclass
class Matches:
    """Every matching document: per segment (segment, ids, scores, offset)."""

    parts: list

    @property
    def total(self) -> int:
        return sum(len(ids) for _seg, ids, _scores, _offset in self.parts)

    def top(self, count: int, by_date: bool) -> list[tuple[int, float]]:
        """(global document number, score) of the best ``count``."""
        if not self.parts or count <= 0:
            return []
        ids = np.concatenate([ids.astype(np.int64) + offset for _s, ids, _sc, offset in self.parts])
        scores = np.concatenate([scores for _s, _i, scores, _o in self.parts])
        if by_date:
            keys = np.concatenate([seg.when[ids_] for seg, ids_, _sc, _o in self.parts])
            primary = -keys.astype(np.float64)
        else:
            primary = -scores.astype(np.float64)
        if len(ids) > count:
            # The best `count`, ties at the cut broken by document number: page 2 of a search
            # then continues page 1 exactly.
            kth = np.partition(primary, count - 1)[count - 1]
            better = np.nonzero(primary < kth)[0]
            ties = np.nonzero(primary == kth)[0]
            ties = ties[np.argsort(ids[ties], kind="stable")][: count - len(better)]
            cut = np.concatenate([better, ties])
        else:
            cut = np.arange(len(ids))
        order = cut[np.lexsort((ids[cut], primary[cut]))]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def facets(self) -> dict[str, Counter]:
        counts: dict[str, Counter] = {name: Counter() for name in (*FACETS, "destination")}
        for seg, ids, _scores, _offset in self.parts:
            if not len(ids):
                continue
            for name in FACETS:
                if name in MULTI:
                    continue
                numbers, tally = np.unique(seg.numbers(name)[ids], return_counts=True)
                for number, n in zip(numbers, tally, strict=True):
                    value = value_of(name, int(number))
                    if value:
                        counts[name][value] += int(n)
            chosen = np.zeros(seg.size, bool)
            chosen[ids] = True
            # each value a document holds once: an answer to Gemeente A and B counts in both
            for name, column in (("destination", "destinations"), *MULTI.items()):
                docs, values = seg.pairs(column)
                picked = values[chosen[docs]] if len(docs) else values[:0]
                if len(picked):
                    numbers, tally = np.unique(picked, return_counts=True)
                    for number, n in zip(numbers, tally, strict=True):
                        value = (str(int(number)) if name == "destination"
                                 else value_of(name, int(number)))
                        if value:
                            counts[name][value] += int(n)
        return counts


def match(searcher, node, restriction: Restriction) -> Matches:
    """All documents matching the query (None: every document) within the restriction."""
    st = stats(searcher)
    reader = searcher.reader()
    parts = []
    for seg, offset in st.segs:
        if node is None:
            ids = np.arange(seg.size, dtype=np.int32)
            scores = np.zeros(seg.size, np.float32)
        else:
            ids, scores = evaluate(node, seg, st, reader)
        ids, scores = _restrict(ids, scores, seg, restriction)
        parts.append((seg, ids, scores, offset))
    return Matches(parts)


def term_sets(searcher, terms: list[str], docnums: list[int]) -> dict[int, set[str]]:
    """Which of the terms each of the given documents contains."""
    out: dict[int, set[str]] = {d: set() for d in docnums}
    for seg, offset in segments(searcher):
        local = np.array([d - offset for d in docnums if offset <= d < offset + seg.size],
                         np.int64)
        if not len(local):
            continue
        for term in terms:
            ids, _tf = postings(seg, term)
            if len(ids):
                hit = np.isin(local, ids)
                for d in local[hit]:
                    out[int(d) + offset].add(term)
    return out


def count_by_kind(searcher) -> dict[str, int]:
    """Live documents per kind (for index-status)."""
    counts: Counter = Counter()
    for seg, _offset in segments(searcher):
        kinds = seg.numbers("kind")
        live = seg.live()
        if live is not None:
            kinds = kinds[~live]
        numbers, tally = np.unique(kinds, return_counts=True)
        for number, n in zip(numbers, tally, strict=True):
            counts[value_of("kind", int(number))] += int(n)
    return dict(counts)
