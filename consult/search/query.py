"""Asking the index: the query language, facets, snippets and similar points.

The web page and ``flask consult search`` both call ``search()``: same results, same order.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from whoosh import query as wq

from . import matching
from .analysis import normalise, prefix_patterns, query_term, tokens
from .store import FACETS
from .syntax import is_null, parse_query, plain_words

PAGE_SIZE = 20
FILTERS = (*FACETS, "destination")

# --- the query language (syntax.py) ---------------------------------------------------------


MAX_QUERY = 500  # characters of a query that are searched (the page says when it cut one)
_LAST_SPACE = re.compile(r"\s\S*$")
_WORD = re.compile(r"\w")


def clip(text: str | None) -> tuple[str, bool]:
    """(the query as it is searched, whether it was cut): without surrounding spaces, and at
    most MAX_QUERY characters, cut before the word the limit falls in (a cut word found
    nothing: "... inkoop inkoo"); spaces at the end never count as cut. A query without a
    letter or digit once normalised (spaces, a zero-width space, a soft hyphen, a NUL, "-"
    or "*" alone) is no query: "" (the drop-down echoed an invisible character as "Geen
    resultaten voor ‘’")."""
    text = (text or "").strip()
    if not _WORD.search(normalise(text[:MAX_QUERY])):  # only what is searched
        return "", False
    if len(text) <= MAX_QUERY:
        return text, False
    head = text[:MAX_QUERY]
    if not text[MAX_QUERY].isspace() and (space := _LAST_SPACE.search(head)):
        head = head[:space.start()]
    return head.rstrip(), True


def parse(text: str) -> wq.Query:
    """The user's query as a Whoosh query: words (all must match), "phrases", OR, -word,
    prefix* (syntax.py), of its first MAX_QUERY characters (``clip``). Bad syntax never
    errors; a query that asks for nothing but exclusions searches what it excludes, as typed
    (``-inkoop OR -zorg`` is inkoop or zorg, ``-"lokale sturing"`` the phrase)."""
    text = clip(text)[0]
    if not text:
        return wq.NullQuery
    parsed = parse_query(text)
    if is_null(parsed):
        return plain_words(text)
    return parsed if _positive(parsed) else _unnegated(parsed)


def only_exclusions(text: str) -> bool:
    """Whether the query asks only to leave words out ("-inkoop", "-zin -pgb", "NOT inkoop"):
    ``parse`` then searches for those words themselves, and the page says so."""
    text = clip(text)[0]
    if not text:
        return False
    parsed = parse_query(text)
    return not is_null(parsed) and not _positive(parsed)


def _unnegated(q: wq.Query) -> wq.Query:
    """The query with every exclusion turned into what it excludes, its structure kept (ORs,
    phrases, prefixes): what a query of exclusions only is taken to look for."""
    if isinstance(q, wq.Not):
        return _unnegated(q.query)
    if isinstance(q, wq.AndNot):
        return wq.And([_unnegated(q.a), _unnegated(q.b)])
    if q.is_leaf():
        return q
    return q.apply(_unnegated)


def _positive(q: wq.Query) -> bool:
    """Whether the query asks for something (a lone '-word' would match everything)."""
    if isinstance(q, wq.Not):
        return False
    if isinstance(q, wq.AndNot):
        return _positive(q.a)
    if q.is_leaf():
        return not is_null(q)
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
            prefixes.extend(prefix_patterns(node.text))
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
    """What this reader may see: consultations hidden from them, where internal notes are
    hidden (None = everywhere), whether they read as the public (only public thread messages),
    and the stakeholders they may know of (None = all; see access.known_stakeholders)."""

    hidden: frozenset[int] = frozenset()
    no_internal: frozenset[int] | None = None
    public: bool = False
    stakeholders: frozenset[int] | None = None

    def restriction(self, filters: dict) -> "matching.Restriction":
        """The index-level filter for these facet filters and this reader."""
        return matching.Restriction(filters, self.hidden, self.no_internal, self.public,
                                    self.stakeholders)


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
    # True when the words match more documents than the backend ranks and counts: ``total``,
    # the facets and the order are then those of the newest matches (pgsearch.find).
    capped: bool = False


@dataclass
class Request:
    text: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    size: int = PAGE_SIZE
    expand: str | None = None  # the facet whose every value the page lists ("alle=")


def search_top(searcher, request: Request, scope: Scope) -> Found:
    """The page of results and the total, without facet counts (what FTS5 is compared on)."""
    return search(searcher, request, scope, facets=False)


def search(searcher, request: Request, scope: Scope, facets: bool = True) -> Found:
    """The page of results for this request, with facet counts and the total."""
    user_q = parse(request.text)
    filters = {
        name: str(value) for name, value in request.filters.items() if name in FILTERS and value
    }
    if is_null(user_q) and not filters:
        return Found(0, [], [], {n: Counter() for n in FILTERS}, user_q, 1, 0)
    restriction = scope.restriction(filters)
    found = matching.match(searcher, None if is_null(user_q) else user_q, restriction)
    total = found.total
    pages = max(1, math.ceil(total / request.size))
    page = min(max(1, request.page), pages)
    offset = (page - 1) * request.size
    by_date = request.sort == "date" or is_null(user_q)
    best = found.top(offset + request.size, by_date)[offset:]
    keys = [searcher.stored_fields(docnum)["key"] for docnum, _score in best]
    scores = [score for _docnum, score in best]
    counts = found.facets() if facets else {}
    return Found(total, keys, scores, counts, user_q, page, pages)


# --- snippets -----------------------------------------------------------------------------------


# Characters of a text searched for matched words: a snippet shows one place, and a result
# page makes twenty snippets (a 200,000-character point would otherwise be read whole).
SNIPPET_SCAN = 50_000


def snippet(text: str, q: wq.Query, width: int = 240) -> list[tuple[str, bool]]:
    """The part of ``text`` that best shows why it matched, as (text, is_match) pieces.

    Plain text pieces: the template escapes them and wraps matches in <mark>; no HTML is
    ever built from user text here. Linear: the first ``SNIPPET_SCAN`` characters are
    searched, and the window with the most matches is found in one pass.
    """
    text = text or ""
    terms, prefixes = highlight_terms(q)
    spans: list[tuple[int, int]] = []
    for begin, end, found in tokens(text[:SNIPPET_SCAN]):  # each word with its index terms
        if any(t in terms or (prefixes and t.startswith(prefixes)) for t in found):
            spans.append((begin, end))
    if not spans:
        if len(text) <= width:
            return [(text, False)] if text else []
        space = text.rfind(" ", 0, width)
        return [(text[: space if space > 0 else width], False), (" …", False)]
    # The start whose window holds the most matches (the first such); spans are in text
    # order, so the window's end only moves forward.
    best_start, best_hits, after = 0, -1, 0
    for i, (start, _end) in enumerate(spans):
        after = max(after, i)
        while after < len(spans) and spans[after][0] < start + width - 40:
            after += 1
        if after - i > best_hits:
            best_start, best_hits = start, after - i
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
    for _start, _end, terms in tokens(text):
        counts[terms[0]] += 1
    # Whoosh counts a term's documents with the deleted ones until a merge drops them:
    # the share of documents a term is in is taken over the same (all) documents, as the
    # PostgreSQL backend's table, which has no deleted rows, counts both over live ones.
    total = max(1, searcher.doc_count_all())
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


def shared_needed(terms: list) -> int:
    """Key terms a similar point must share with a text of these key terms: two, or one for
    a short text with fewer than three (it may share its one telling word)."""
    return 2 if len(terms) >= 3 else 1


CONTEXT_BOOST = 0.25  # a heading's own words: a hint towards a subject, never a match alone


def similar(searcher, text: str, own_key: str, scope: Scope, limit: int = 5,
            context: str = ""):
    """Points most like this text: [(key, score, shared terms)], best first, and the text's
    key terms [(term, weight)].

    ``context`` is text around the point rather than of it — its heading, which every point
    of a letter's section carries ("Inkoop in relatie tot beleid"). Its words that the text
    itself lacks weigh a quarter and are not counted as shared: two points of one letter that
    share only their heading are not "similar" (issue 17; before, 71 of the demo's 114 points
    under a shared heading had a sibling on top, several on heading words alone). A text
    without telling words of its own ("Effectieve en kwalitatieve interventies": each word
    in no other point) has no similar points: its heading alone gave "algemeen" matches."""
    terms = key_terms(text, searcher)
    if not terms:
        return [], []
    weight = dict(terms)
    hints = [(t, w * CONTEXT_BOOST) for t, w in key_terms(context, searcher) if t not in weight]
    q = wq.Or([wq.Term("body", t, boost=w) for t, w in terms + hints])
    restriction = scope.restriction({"kind": "point"})
    best = matching.match(searcher, q, restriction).top(limit * 3 + 1, by_date=False)
    contained = matching.term_sets(searcher, [t for t, _w in terms], [d for d, _s in best])
    needed = shared_needed(terms)
    found = []
    for docnum, score in best:
        key = searcher.stored_fields(docnum)["key"]
        shared = sorted(contained[docnum], key=lambda t: -weight.get(t, 0))
        if key != own_key and len(shared) >= needed:
            found.append((key, score, shared))
        if len(found) == limit:
            break
    return found, terms


def surface_words(text: str, stems: list[str]) -> list[str]:
    """The first way each stem is written in the text ('aanbieders' for 'aanbieder')."""
    wanted = set(stems)
    seen: dict[str, str] = {}
    for start, end, terms in tokens(text):
        if terms[0] in wanted and terms[0] not in seen:
            seen[terms[0]] = text[start:end]
    return [seen.get(s, s) for s in stems]
