"""The PostgreSQL side of one analysis, two engines: consult's terms as tsvector and tsquery.

PostgreSQL never parses or stems text here. A document's terms come from
``analysis.index_terms`` (stems, compound parts, word pairs, words as written, folded
diacritics) and are written as a ``tsvector`` literal; a query is parsed by the same query
language (syntax.py, as for Whoosh) and its tree becomes a ``tsquery`` literal over the same
terms. Both literals are cast (``::tsvector``, ``::tsquery``), which takes lexemes as they
are: no text search configuration is involved at all.

- a word is its term; a phrase is all its word pairs (``analysis.pair_term``), as in
  matching.py; a prefix is ``'x':* | '<surface>x':*`` (stems and words as written);
- AND / OR / NOT map to ``&`` / ``|`` / ``!``;
- filters and who may see what (matching.Restriction) become a WHERE clause on the columns.
"""

import re

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from whoosh import query as wq

from .analysis import index_terms, pair_term, prefix_patterns
from .tables import SearchDocument

D = SearchDocument.__table__.c
# Positions written per term: ts_rank counts them (term frequency); more add nothing useful.
MAX_POSITIONS = 32
# PostgreSQL's limit for one lexeme is 2 KB; a longer "word" (a pasted hash) is left out.
MAX_LEXEME_BYTES = 2000
FACET_COLUMNS = ("kind", "consultation", "stakeholder", "skind", "channel", "status", "year")
# Facets a document may hold several values of, and the array column that holds them all
# (store.MULTI on the Whoosh side): filters and facet counts read the array.
MULTI = {"stakeholder": "stakeholders", "skind": "skinds"}


def lexeme(term: str) -> str:
    """A term as a quoted tsvector/tsquery lexeme ('it''s', backslashes doubled)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(text: str) -> str:
    """The tsvector literal of a text: each index term with one position per occurrence
    (up to MAX_POSITIONS), e.g. ``'gemeent':1,2 '\\x02gemeente':1``."""
    counts, _words = index_terms(text)
    parts = []
    for term, n in counts.items():
        if not term or len(term.encode()) > MAX_LEXEME_BYTES:
            continue
        positions = ",".join(map(str, range(1, min(n, MAX_POSITIONS) + 1)))
        parts.append(f"{lexeme(term)}:{positions}")
    return " ".join(parts)


def tsquery_literal(node) -> str | None:
    """The tsquery literal of a parsed query (syntax.parse_query), None if it asks for
    nothing. Raises ValueError for a node the query language never makes."""
    if node is None or isinstance(node, type(wq.NullQuery)):
        return None
    if isinstance(node, wq.Term):
        return lexeme(str(node.text))
    if isinstance(node, wq.Phrase):
        words = [str(w) for w in node.words]
        if len(words) == 1:
            return lexeme(words[0])
        pairs = [pair_term(a, b) for a, b in zip(words, words[1:], strict=False)]
        return "(" + " & ".join(lexeme(p) for p in pairs) + ")"
    if isinstance(node, wq.Prefix):
        return "(" + " | ".join(f"{lexeme(p)}:*" for p in prefix_patterns(node.text)) + ")"
    if isinstance(node, wq.AndNot):
        positive, negative = tsquery_literal(node.a), tsquery_literal(node.b)
        if positive is None or negative is None:
            return positive
        return f"({positive} & !{negative})"
    if isinstance(node, wq.And):
        positive = [tsquery_literal(c) for c in node.children() if not isinstance(c, wq.Not)]
        negative = [tsquery_literal(c.query) for c in node.children() if isinstance(c, wq.Not)]
        positive = [p for p in positive if p]
        if not positive:
            return None
        return "(" + " & ".join(positive + [f"!{n}" for n in negative if n]) + ")"
    if isinstance(node, wq.Or):
        options = [tsquery_literal(c) for c in node.children() if not isinstance(c, wq.Not)]
        options = [o for o in options if o]
        return "(" + " | ".join(options) + ")" if options else None
    if isinstance(node, wq.Not):
        return None
    raise ValueError(f"unsupported query node {type(node).__name__}")


def tsquery(literal: str):
    """A bound tsquery literal as an SQL expression (cast: lexemes taken as they are)."""
    return sa.cast(sa.literal(literal, sa.Text), postgresql.TSQUERY)


def matches(literal: str):
    return D.terms.op("@@")(tsquery(literal))


_LEXEME = re.compile(r"'(?:[^']|'')*'(?::\*)?")


def positive_lexemes(literal: str) -> list[str]:
    """The lexemes of a tsquery literal the GIN index reads the matches of, each as a tsquery
    literal of its own (a prefix with its ``:*``), once, in order; negated ones left out,
    alone (``!'zin'``) or as a group (``!('de' | 'het')``).
    ``('volgend' & 'gen')`` -> ``["'volgend'", "'gen'"]``."""
    out: list[str] = []
    negated = [False]  # per open bracket: inside a negated group
    pending = False  # a "!" waiting for its lexeme or group
    i = 0
    while i < len(literal):
        char = literal[i]
        if char == "'":
            lexeme = _LEXEME.match(literal, i)
            if lexeme is None:  # not a literal this module wrote: nothing more to read
                break
            if not (pending or negated[-1]):
                out.append(lexeme.group())
            pending, i = False, lexeme.end()
            continue
        if char == "!":
            pending = True
        elif char == "(":
            negated.append(negated[-1] or pending)
            pending = False
        elif char == ")" and len(negated) > 1:
            negated.pop()
        i += 1
    return list(dict.fromkeys(out))


def matches_each(literal: str):
    """``matches`` in a form the GIN index cannot answer (the same rows): the planner then
    reads the rows the other conditions choose and matches each (pgsearch._plan)."""
    empty = sa.cast(sa.literal("", sa.Text), postgresql.TSVECTOR)
    return sa.func.coalesce(D.terms, empty).op("@@")(tsquery(literal))


def conditions(restriction) -> list:
    """WHERE conditions for facet filters and what the reader may not see (the rules of
    matching._restrict, on columns)."""
    out = []
    for name, value in restriction.filters.items():
        value = str(value)
        if name == "destination":
            ids = sa.func.string_to_array(D.destinations, " ", type_=postgresql.ARRAY(sa.Text))
            out.append(sa.literal(value, sa.Text) == sa.func.any(ids))
        elif name in MULTI:  # @>: the GIN index of stakeholders answers it
            out.append(D[MULTI[name]].op("@>", return_type=sa.Boolean)(
                sa.literal([value], postgresql.ARRAY(sa.Text))))
        elif name in FACET_COLUMNS:
            out.append(D[name] == value)
    if restriction.hidden:
        out.append(sa.or_(D.consultation == "",
                          D.consultation != sa.func.all(_texts(restriction.hidden))))
    if restriction.public:
        out.append(D.internal == "")
    if restriction.stakeholders is not None:
        out.append(sa.or_(D.kind != "stakeholder",
                          D.stakeholder == sa.func.any(_texts(restriction.stakeholders))))
    if restriction.no_internal is None:
        out.append(D.internal != "1")
    elif restriction.no_internal:
        out.append(sa.not_(sa.and_(D.internal == "1", D.consultation == sa.func.any(
            _texts(restriction.no_internal)))))
    return out


def _texts(ids) -> sa.BindParameter:
    """A set of ids as one text[] parameter (``= ANY(...)``, ``<> ALL(...)``), not one
    parameter each: the public knows hundreds of stakeholders, and an IN list of that many
    made every search statement a new text for SQLAlchemy to render and psycopg to parse
    (~5 ms a search page at 100,000 points)."""
    return sa.bindparam(None, sorted(str(i) for i in ids), type_=postgresql.ARRAY(sa.Text))


def row_of(doc: dict) -> dict:
    """A search document (documents.py) as a search_document row."""
    return {
        "key": doc["key"],
        "kind": doc["kind"],
        "ident": int(doc["key"][1:]),
        **{name: str(doc.get(name) or "") for name in FACET_COLUMNS if name != "kind"},
        # several senders ("12 15"): each in the array, the first in the column
        **{name: (str(doc.get(name) or "").split() or [""])[0] for name in MULTI},
        **{column: list(dict.fromkeys(str(doc.get(name) or "").split()))
           for name, column in MULTI.items()},
        "internal": doc.get("internal") or "",
        "destinations": doc.get("destinations") or "",
        "stamp": int(doc.get("when") or 0),
        "terms": tsvector_literal(doc.get("body") or ""),
    }
