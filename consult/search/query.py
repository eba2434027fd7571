"""Asking the index: the query language, facets, snippets and similar points.

The web page and ``flask consult search`` both call ``search()``: same results, same order.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter

from whoosh import qparser
from whoosh import query as wq
from whoosh.sorting import FieldFacet

from .analysis import WORD, DutchAnalyzer, fold, query_term, word_terms
from .store import FACETS, make_schema

PAGE_SIZE = 20
FILTERS = (*FACETS, "destination")
_ANALYZER = DutchAnalyzer()


# --- the query language -----------------------------------------------------------------


def _parser() -> qparser.QueryParser:
    parser = qparser.QueryParser("body", make_schema(), group=qparser.AndGroup)
    for plugin in (qparser.FieldsPlugin, qparser.RangePlugin, qparser.BoostPlugin,
                   qparser.EveryPlugin, qparser.OperatorsPlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.PlusMinusPlugin())
    # OR / OF between words; AND / EN and NOT / NIET in capitals. Lower-case "of" and "en"
    # stay ordinary words.
    parser.add_plugin(
        qparser.OperatorsPlugin(
            And=r"(?<=\s)(AND|EN)(?=\s)",
            Or=r"(?<=\s)(OR|OF)(?=\s)",
            Not=r"(^|(?<=(\s|[()])))(NOT|NIET)(?=\s)",
            AndNot=None,
            AndMaybe=None,
            Require=None,
        )
    )
    return parser


_PARSER = _parser()


def _is_null(q) -> bool:
    return q is None or isinstance(q, type(wq.NullQuery))


def plain_words(text: str) -> wq.Query:
    """Every word must match: the fallback for anything the parser does not like."""
    terms = [query_term(w) for w in WORD.findall(text)]
    terms = [t for t in dict.fromkeys(terms) if t]
    if not terms:
        return wq.NullQuery
    if len(terms) == 1:
        return wq.Term("body", terms[0])
    return wq.And([wq.Term("body", t) for t in terms])


def parse(text: str) -> wq.Query:
    """The user's query as a Whoosh query: words (all must match), "phrases", OR, -word,
    prefix*. Bad syntax never errors: it becomes plain words."""
    text = (text or "").strip()[:500]
    if not text:
        return wq.NullQuery
    try:
        parsed = _PARSER.parse(text, normalize=True)
        parsed = _rewrite(parsed)
    except Exception:  # noqa: BLE001 - any parser failure means: take the words
        return plain_words(text)
    if _is_null(parsed) or not _positive(parsed):
        return plain_words(text)
    return parsed


def _rewrite(q: wq.Query) -> wq.Query:
    """Prefixes folded like the index ('Financië*' -> 'financie'); other wildcards as words."""
    if isinstance(q, wq.Prefix):
        prefix = fold(q.text)
        return wq.Prefix("body", prefix) if len(prefix) >= 2 else wq.NullQuery
    if isinstance(q, wq.Wildcard):
        words = WORD.findall(q.text)
        if not words:
            return wq.NullQuery
        return plain_words(" ".join(words))
    if isinstance(q, wq.Term) and q.fieldname != "body":
        return wq.Term("body", query_term(str(q.text)))
    if q.is_leaf():
        return q
    return q.apply(_rewrite).normalize()


def _positive(q: wq.Query) -> bool:
    """Whether the query asks for something (a lone '-word' would match everything)."""
    if isinstance(q, wq.Not):
        return False
    if isinstance(q, wq.AndNot):
        return _positive(q.a)
    if q.is_leaf():
        return not _is_null(q)
    return any(_positive(c) for c in q.children())


def highlight_terms(q: wq.Query) -> tuple[set[str], tuple[str, ...]]:
    """The index terms and prefixes a query looks for (not those it excludes)."""
    terms: set[str] = set()
    prefixes: list[str] = []
    if q is None:
        return terms, ()

    def walk(node, negated=False):
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.Prefix):
            prefixes.append(node.text)
        elif isinstance(node, wq.Term):
            terms.add(str(node.text))
        elif isinstance(node, wq.Phrase):
            terms.update(node.words)
        elif not node.is_leaf():
            for child in node.children():
                walk(child)

    walk(q)
    return terms, tuple(prefixes)


# --- running a search -----------------------------------------------------------------------


@dataclass
class Scope:
    """What this reader may see: consultations hidden from them, and where internal notes
    are hidden (None = everywhere)."""

    hidden: frozenset[int] = frozenset()
    no_internal: frozenset[int] | None = None

    def mask(self) -> wq.Query | None:
        parts: list[wq.Query] = [wq.Term("consultation", str(c)) for c in sorted(self.hidden)]
        if self.no_internal is None:
            parts.append(wq.Term("internal", "1"))
        else:
            parts.extend(
                wq.And([wq.Term("internal", "1"), wq.Term("consultation", str(c))])
                for c in sorted(self.no_internal)
            )
        return wq.Or(parts) if parts else None


@dataclass
class Found:
    """One page of results, straight from the index (keys, not yet database rows)."""

    total: int
    keys: list[str]
    scores: list[float]
    facets: dict[str, Counter]
    query: wq.Query
    page: int
    pages: int


@dataclass
class Request:
    text: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    size: int = PAGE_SIZE


class _Columns:
    """Facet values by document number, per segment (segments never change, so they are read
    once per process and reused by every later searcher)."""

    def __init__(self):
        self._segments: dict[tuple[str, str], list] = {}

    def values(self, searcher, name: str) -> list:
        subs = searcher.subsearchers or [(searcher, 0)]
        parts = []
        for sub, _offset in subs:
            reader = sub.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            ident = (segment.segment_id() if segment is not None else id(reader), name)
            values = self._segments.get(ident)
            if values is None:
                column = reader.column_reader(name, translate=False)
                values = list(column)
                self._segments[ident] = values
            parts.append(values)
        if len(parts) == 1:
            return parts[0]
        merged: list = []
        for values in parts:
            merged.extend(values)
        return merged

    def forget(self, keep: set) -> None:
        for ident in [i for i in self._segments if i[0] not in keep]:
            del self._segments[ident]


COLUMNS = _Columns()


def _count(searcher, docs: list[int]) -> dict[str, Counter]:
    facets: dict[str, Counter] = {}
    if not docs:
        return {name: Counter() for name in FILTERS}
    pick = itemgetter(*docs) if len(docs) > 1 else (lambda seq: (seq[docs[0]],))
    for name in FACETS:
        counts = Counter(pick(COLUMNS.values(searcher, name)))
        counts.pop(b"", None)
        facets[name] = Counter({k.decode(): v for k, v in counts.items()})
    destinations = Counter()
    for value, n in Counter(pick(COLUMNS.values(searcher, "destinations"))).items():
        for d in value.split():
            destinations[d.decode()] += n
    facets["destination"] = destinations
    return facets


def search(searcher, request: Request, scope: Scope) -> Found:
    """The page of results for this request, with facet counts and the total."""
    user_q = parse(request.text)
    filters = [
        wq.Term(name, str(value))
        for name, value in request.filters.items()
        if name in FILTERS and value
    ]
    if _is_null(user_q):
        if not filters:
            return Found(0, [], [], {n: Counter() for n in FILTERS}, user_q, 1, 0)
        q = wq.And(filters) if len(filters) > 1 else filters[0]
    else:
        q = wq.And([user_q, *filters]) if filters else user_q
    mask_q = scope.mask()
    masked = set(searcher.docs_for_query(mask_q)) if mask_q is not None else set()
    docs = [d for d in searcher.docs_for_query(q) if d not in masked]
    total = len(docs)
    pages = max(1, math.ceil(total / request.size))
    page = min(max(1, request.page), pages)
    offset = (page - 1) * request.size
    kwargs = {"limit": offset + request.size, "terms": False}
    if masked:
        kwargs["mask"] = mask_q
    if request.sort == "date" or _is_null(user_q):
        kwargs["sortedby"] = FieldFacet("when", reverse=True)
    results = searcher.search(q, **kwargs)
    hits = list(results)[offset:]
    keys = [hit["key"] for hit in hits]
    scores = [hit.score or 0.0 for hit in hits]
    return Found(total, keys, scores, _count(searcher, docs), user_q, page, pages)


# --- snippets -----------------------------------------------------------------------------------


def snippet(text: str, q: wq.Query, width: int = 240) -> list[tuple[str, bool]]:
    """The part of ``text`` that best shows why it matched, as (text, is_match) pieces.

    Plain text pieces: the template escapes them and wraps matches in <mark>; no HTML is
    ever built from user text here.
    """
    text = text or ""
    terms, prefixes = highlight_terms(q)
    spans: list[tuple[int, int]] = []
    for token in _ANALYZER(text, chars=True, mode="index"):
        word = token.text
        if word in terms or (prefixes and any(word.startswith(p) for p in prefixes)):
            if spans and spans[-1][0] == token.startchar:
                continue
            spans.append((token.startchar, token.endchar))
    if not spans:
        cut = _cut(text, 0, width)
        return [(cut, False)] if cut else []
    best_start, best_hits = 0, -1
    for start, _end in spans:
        hits = sum(1 for s, _e in spans if start <= s < start + width - 40)
        if hits > best_hits:
            best_start, best_hits = start, hits
    begin = max(0, best_start - 60)
    if begin:
        space = text.rfind(" ", 0, begin + 1)
        begin = space + 1 if space >= 0 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    pieces: list[tuple[str, bool]] = []
    cursor = begin
    for s, e in spans:
        if e <= begin or s >= end:
            continue
        s, e = max(s, begin), min(e, end)
        if s > cursor:
            pieces.append((text[cursor:s], False))
        pieces.append((text[s:e], True))
        cursor = e
    if cursor < end:
        pieces.append((text[cursor:end], False))
    if begin > 0:
        pieces.insert(0, ("… ", False))
    if end < len(text):
        pieces.append((" …", False))
    return pieces


def _cut(text: str, begin: int, width: int) -> str:
    if len(text) <= width:
        return text
    space = text.rfind(" ", begin, begin + width)
    return text[begin : space if space > begin else begin + width] + " …"


# --- similar points ---------------------------------------------------------------------------

# Words too common to say anything about a theme (Dutch function words, and words every point
# of a consultation uses).
STOP = frozenset(
    query_term(w)
    for w in (
        "de het een en van in op te dat die voor met is zijn niet aan er om ook als bij door naar "
        "of worden wordt kan moet we wij deze dit nog over meer dan tot uit zo hun hij zij ze maar "
        "al wel geen wat heeft hebben zal zou kunnen onze ons daar hier waar hoe welke wie na "
        "per via nu dus toch reeds zich elk elke alle andere veel ander zeer graag gaat komen "
        "wordt werden was waren word dient moeten mogelijk tevens binnen tussen vanuit punt "
        "punten betreft gemeente gemeenten jeugdhulp"
    ).split()
)


def key_terms(text: str, searcher, limit: int = 12) -> list[tuple[str, float]]:
    """The words that characterise a text: frequent in it, rare in the index (tf-idf)."""
    counts = Counter()
    for raw in WORD.findall(text):
        terms = word_terms(raw)
        if terms:
            counts[terms[0]] += 1
    total = max(1, searcher.doc_count())
    scored = []
    for term, tf in counts.items():
        if term in STOP or len(term) < 3 or term.isdigit():
            continue
        df = searcher.doc_frequency("body", term)
        if df < 2 or df > total * 0.2:
            continue
        scored.append((term, tf * math.log(total / df)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]


def similar(searcher, text: str, own_key: str, scope: Scope, limit: int = 5):
    """Points most like this text, and the key terms each shares with it."""
    terms = key_terms(text, searcher)
    if not terms:
        return [], []
    q = wq.And(
        [
            wq.Or([wq.Term("body", t, boost=w) for t, w in terms]),
            wq.Term("kind", "point"),
        ]
    )
    mask_parts = [wq.Term("key", own_key)]
    scope_mask = scope.mask()
    if scope_mask is not None:
        mask_parts.append(scope_mask)
    results = searcher.search(q, limit=limit * 3, mask=wq.Or(mask_parts), terms=True)
    weight = dict(terms)
    needed = 2 if len(terms) >= 3 else 1  # a short point may share its one telling word
    found = []
    for hit in results:
        shared = sorted(
            {t.decode() if isinstance(t, bytes) else t
             for f, t in hit.matched_terms() if f == "body"},
            key=lambda t: -weight.get(t, 0),
        )
        if len(shared) >= needed:
            found.append((hit["key"], hit.score, shared))
        if len(found) == limit:
            break
    return found, terms


def surface_words(text: str, stems: list[str]) -> list[str]:
    """The first way each stem is written in the text ('aanbieders' for 'aanbieder')."""
    wanted = set(stems)
    seen: dict[str, str] = {}
    for raw in WORD.findall(text):
        terms = word_terms(raw)
        if terms and terms[0] in wanted and terms[0] not in seen:
            seen[terms[0]] = raw
    return [seen.get(s, s) for s in stems]
