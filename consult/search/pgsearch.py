"""The PostgreSQL search backend (CONSULT_SEARCH_BACKEND=postgres): the index is a table.

Same documents (documents.py), same analysis (analysis.py via pgquery.py), same query
language, same visibility rules and result pages as the Whoosh backend; ``run()`` and
``similar_points()`` in __init__.py use either through ``find()`` and ``similar()``.

Written in the same transaction as the change: the outbox's flush listener collects the
keys a transaction touches and, just before it commits, ``apply()`` writes their documents
into ``search_document`` through the same connection (outbox.direct). No outbox rows, no index
folder: every machine on the database sees a change the moment it is committed.

A rebuild (``flask consult reindex``, or a start after the analysis changed) walks each
source table in ranges of ids, one short transaction per range under an exclusive advisory
lock; writers take the same lock shared, so a change committed during a rebuild is never
overwritten by an older read of it (writes wait for at most one range).
"""

import json
import logging
import threading
import time
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..documents.models import DocumentSection
from ..models import Message, Point, Response, Stakeholder, utcnow
from . import analysis, documents, outbox, pgquery
from . import query as q
from .tables import SearchDocument, SearchState

log = logging.getLogger("consult.search")

D = SearchDocument.__table__.c
STATE = "pg_analysis"
# Advisory lock keys (any two numbers of this app): writers share, a rebuild range excludes.
WRITE_LOCK = 0x636F6E73  # "cons"
REBUILD_LOCK = 0x636F6E74
RANGE = 2_000
# A window row read and matched on its own costs about this many GIN matches put in a bitmap
# (1,000,000 points: 3,970 window rows in ~20 ms, 5 us each; the GIN bitmap of 792,462
# matches in 128 ms, 0.16 us each; EXPLAIN ANALYZE, warm, load ~1).
WINDOW_SCAN_RATIO = 30
# The same for a stakeholder's documents, spread over the whole table (a page read each, so
# dearer than the window's neighbouring rows): `met` with one stakeholder's filter (6,386
# documents; the word in 418,657) 134 -> 31 ms one by one at 1,000,000 points, warm.
SCATTERED_SCAN_RATIO = 50
SOURCES = (("p", Point), ("r", Response), ("m", Message), ("s", Stakeholder),
           ("d", DocumentSection))


class UnsupportedDatabase(RuntimeError):
    """CONSULT_SEARCH_BACKEND=postgres on a database that is not PostgreSQL."""


class _State:
    """The bits of the Whoosh store the CLI and /healthz ask about, answered from the table."""

    root = "postgresql:search_document"  # where the index is (the Whoosh store's folder)

    def __init__(self, service: "PgSearchService"):
        self.service = service

    def current_dir(self) -> str | None:
        """'postgresql:search_document' once built (or started on an empty database)."""
        return self.root if self.service.built() is not None else None

    def outdated(self) -> bool:
        built = self.service.built()
        return built is not None and built != analysis.VERSION


class PgSearchService:
    """The same interface as service.SearchService, for the PostgreSQL table."""

    backend = "postgres"

    def __init__(self, engine: Engine, mode: str = "thread", count_limit: int = 0):
        if engine.dialect.name != "postgresql":
            raise UnsupportedDatabase(
                "CONSULT_SEARCH_BACKEND=postgres needs a PostgreSQL database (CONSULT_DATABASE_URL"
                f" names {engine.dialect.name}); leave CONSULT_SEARCH_BACKEND unset for the "
                "built-in Whoosh index."
            )
        self.engine = engine
        self.mode = mode
        # Words expected to match more documents than this are ranked, counted and faceted
        # over the newest matches only (find); 0: never.
        self.count_limit = count_limit
        self._bounds: tuple[float, dict[str, tuple[int, int]]] = (0.0, {})
        self.store = _State(self)
        self.last_error: str | None = None
        self._rebuilder: threading.Thread | None = None
        self._checked = False
        self._built: str | None = None
        outbox.listen(_nothing)
        outbox.direct(engine, self.apply)

    # --- written with the change ---------------------------------------------------------

    def apply(self, session, keys: list[str]) -> None:
        """Write the documents for these outbox keys in the session's transaction (called by
        outbox just before the commit); deleted or hidden ones are removed."""
        self.built()
        connection = session.connection()
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock_shared(WRITE_LOCK)))
        docs, gone = outbox.documents_for_keys(session, keys)
        _write(connection, docs, gone)

    def changed(self) -> None:
        """Nothing to do after a commit: the documents were written in it."""

    def drain(self, batch: int = 500) -> int:
        return 0

    def ensure_worker(self) -> None:
        """At a process's first request: rebuild in the background if the table was built with
        another analysis (searches use the old terms meanwhile)."""
        if not self._checked:
            self._checked = True
            self.check_analysis()

    def stop(self) -> None:
        """Nothing runs in the background but a rebuild (see join_rebuild)."""

    def wait_until_applied(self, timeout: float = 10.0) -> bool:
        """Always applied (same transaction), unless a rebuild is still running."""
        self.join_rebuild(timeout)
        return not self.rebuilding

    # --- state -----------------------------------------------------------------------------

    def built(self) -> str | None:
        """The analysis the table was built with; None when it was never built. A database
        without any data counts as built (there is nothing to index)."""
        if self._built == analysis.VERSION:
            return self._built
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(SearchState.value).where(SearchState.name == STATE)
            ).scalar()
            if found is None and _empty(connection):
                found = analysis.VERSION
                _set_state(connection, found)
                connection.commit()
        self._built = found
        return found

    def check_analysis(self) -> bool:
        """Rebuild in the background when built with another analysis; True when asked."""
        built = self.built()
        if built is not None and built != analysis.VERSION:
            log.info("search table: built with another text analysis; rebuilding")
            self.request_rebuild()
            return True
        return False

    # --- searching ---------------------------------------------------------------------------

    def find(self, request: q.Request, scope: q.Scope, facets: bool = True,
             every: bool = False) -> q.Found:
        """One page of results (the Whoosh side: query.search). Raises store.IndexUnavailable
        when the table was never built (a rebuild is then started by the caller).

        Words expected to match more than ``count_limit`` documents are ranked and counted
        over the newest of them (``_plan``; ``Found.capped``), unless ``every`` (a bulk
        selection needs every match) or the results are sorted by date."""
        from .store import IndexUnavailable

        if self.built() is None:
            raise IndexUnavailable("the search table was never built")
        user_q = q.parse(request.text)
        filters = {name: str(value) for name, value in request.filters.items()
                   if name in q.FILTERS and value}
        literal = pgquery.tsquery_literal(user_q)
        if literal is None and not filters:
            return q.Found(0, [], [], {n: Counter() for n in q.FILTERS}, user_q, 1, 0)
        visible = pgquery.conditions(scope.restriction(filters))
        score = (sa.func.ts_rank(D.terms, pgquery.tsquery(literal), 1) if literal is not None
                 else sa.literal(0.0))
        by_date = request.sort == "date" or literal is None
        page = max(1, request.page)
        with self.engine.connect() as connection:
            if literal is not None:
                _settings_for_words(connection)
            window, each = None, False
            if literal is not None and not (every or by_date):
                window, each = self._plan(connection, filters, literal)

            def read(conditions: list, page: int):
                return _page_and_counts(connection, conditions, score, by_date, page,
                                        request.size, facets)

            # The rows matched through the GIN index or one by one (each), the newest window.
            match = [pgquery.matches_each(literal) if each else pgquery.matches(literal)
                     ] if literal is not None else []
            where = [*visible, *match, *([window] if window is not None else [])]
            total, rows, counts = read(where, page)
            capped = window is not None
            if capped and total < max(1, self.count_limit // 8):  # estimated far too high
                capped = False
                where = [*visible, pgquery.matches(literal)]  # every match, through the index
                total, rows, counts = read(where, page)
            pages = max(1, -(-total // request.size))
            if page > pages:  # past the last page: show the last one (a second, rare read)
                page = pages
                total, rows, counts = read(where, page)
        return q.Found(total, [k for k, _s in rows], [float(s) for _k, s in rows],
                       counts if facets else {}, user_q, page, pages, capped)

    def _plan(self, connection, filters: dict[str, str], literal: str):
        """(window, each) for words (``literal``) and chosen ``filters``: ``window`` a
        condition that keeps the newest of their matches, about half the limit, when they are
        expected to match more than ``count_limit`` documents (else None: all are ranked);
        ``each``: whether to match the rows the window or a stakeholder filter chooses one by
        one rather than through the GIN index (below).

        Every match of a common word or a short prefix is read from the table to rank and
        count it (its row's page and tsvector), so a search costs what the table holds:
        ``jeugd*`` matches 21,837 of 157,311 documents at 100,000 points (65 ms to count
        them) and ten times that at 1,000,000. Search engines bound this (Elasticsearch
        counts 10,000 hits by default, ``track_total_hits``); here the newest documents of
        each kind are kept: the newest share ``f`` of each kind's ids (points, answers,
        messages, stakeholders, sections), with ``f`` = half the limit / the planner's
        estimate of the matches (PostgreSQL's statistics of the tsvector's words). The index
        then intersects the word's matches with those id ranges (a BitmapAnd of the GIN and
        the (kind, ident) B-tree indexes) and reads only those rows: 19 ms for ``jeugd*``.
        The page says "at least N" and that it ranks and counts the N most recently added
        (``Found.capped``): whether older matches exist is not asked, since finding out can
        cost what the bound saves (a word whose matches are all recent has no older match,
        and the only cheap plan for "one older match" reads every older row to learn it).

        For a word in a large share of the table the GIN index is the slow part: it builds a
        bitmap of every match before the window narrows it (``een`` at 1,000,000 points:
        792,462 matches, 128 ms of the statement's 140). When the window holds fewer than
        1/WINDOW_SCAN_RATIO as many rows as the word has matches, its rows are read through
        the ``(kind, ident)`` index and each matched on its own (``pgquery.matches_each``):
        the same rows, ~25 ms for ``een``. The same for a stakeholder filter, which has an
        index of its own (``met`` with one stakeholder's filter: 134 ms through the word's
        bitmap; the stakeholder's few thousand documents read and matched instead). The
        estimates are the planner's (EXPLAIN, ~0.5 ms each; the word alone and the filter
        alone only when a filter is chosen). The reader's visibility rules are left out of
        the estimates: hundreds of stakeholder ids for the public narrow little and cost the
        planner more than the rest of the estimate."""
        if self.count_limit <= 0:
            return None, False
        asked = _chosen(filters)
        word = pgquery.matches(literal)
        expected = _estimate(connection, [*asked, word])
        alone = expected if not asked else None
        if expected <= self.count_limit:
            if "stakeholder" not in filters:
                return None, False
            chosen = _estimate(connection, _chosen({"stakeholder": filters["stakeholder"]}))
            return None, chosen * SCATTERED_SCAN_RATIO < _postings(connection, literal, alone)
        share = (self.count_limit / 2) / expected
        bounds = self._id_bounds(connection)
        if not bounds:
            return None, False
        ranges = [sa.and_(D.kind == kind, D.ident >= high - int(share * (high - low + 1)))
                  for kind, (low, high) in bounds.items()]
        # A kind that had no documents when the bounds were read: all of its documents. Each
        # branch an equality or range of the (kind, ident) index: one that is not (a NOT IN)
        # turns the whole OR into a filter on every matching row, which is what this avoids
        # (1,000,000 points: 524 ms for `jeugdhulp` that way, 95 ms through the index).
        ranges += [D.kind == kind for kind in documents.KINDS.values() if kind not in bounds]
        window = sum(int(share * (high - low + 1)) for low, high in bounds.values())
        return sa.or_(*ranges), window * WINDOW_SCAN_RATIO < _postings(connection, literal, alone)

    def _id_bounds(self, connection) -> dict[str, tuple[int, int]]:
        """{kind: (lowest, highest ident)} of the table's documents, read through the (kind,
        ident) index and kept for a minute (ids only grow; a new document is in the newest
        range either way, since its range is open above)."""
        read_at, bounds = self._bounds
        if time.monotonic() - read_at < 60 and bounds:
            return bounds
        kinds = list(documents.KINDS.values())
        columns = []
        for kind in kinds:
            for pick in (sa.func.min, sa.func.max):
                columns.append(sa.select(pick(D.ident)).where(D.kind == kind).scalar_subquery())
        values = connection.execute(sa.select(*columns)).one()
        bounds = {kind: (values[2 * n], values[2 * n + 1]) for n, kind in enumerate(kinds)
                  if values[2 * n] is not None}
        self._bounds = (time.monotonic(), bounds)
        return bounds

    def similar(self, text: str, own_key: str, scope: q.Scope, limit: int = 5,
                context: str = ""):
        """(found, terms) as query.similar: points sharing the text's telling words
        (tf-idf over the table), each with the words it shares, best first; the context's
        (heading's) own words weigh q.CONTEXT_BOOST and are never counted as shared."""
        with self.engine.connect() as connection:
            terms, idf = _key_terms(connection, text)
            if not terms:
                return [], []
            weight = dict(terms)
            hints, hint_idf = _key_terms(connection, context) if context else ([], {})
            hints = [(t, w * q.CONTEXT_BOOST) for t, w in hints if t not in weight]
            idf = {**hint_idf, **idf}
            has = [pgquery.matches(pgquery.lexeme(t)) for t, _w in terms]
            # BM25-like, as the Whoosh side (query.similar): each term weighs its tf-idf in the
            # text times its idf, saturated by its frequency in and the length of the point.
            score = sum((w * idf[t] * sa.func.ts_rank(D.terms, pgquery.tsquery(pgquery.lexeme(t)),
                                                     1) for t, w in terms + hints),
                        sa.literal(0.0))
            either = " | ".join(pgquery.lexeme(t) for t, _w in terms + hints)
            where = [*pgquery.conditions(scope.restriction({"kind": "point"})),
                     pgquery.matches(either)]
            rows = connection.execute(
                sa.select(D.key, score, *has).where(*where).order_by(score.desc(), D.key)
                .limit(limit * 3 + 1)
            ).all()
        needed = q.shared_needed(terms)
        found = []
        for key, points, *flags in rows:
            shared = [t for (t, _w), flag in zip(terms, flags, strict=True) if flag]
            shared.sort(key=lambda t: -weight.get(t, 0))
            if key != own_key and len(shared) >= needed:
                found.append((key, float(points), shared))
            if len(found) == limit:
                break
        return found, terms

    # --- rebuilding --------------------------------------------------------------------------

    def request_rebuild(self, only_if_outdated: bool = False) -> None:
        if self.mode == "off" or self.rebuilding:
            return
        self._rebuilder = threading.Thread(target=self._rebuild_quietly, daemon=True,
                                           name="consult-reindex")
        self._rebuilder.start()

    def _rebuild_quietly(self) -> None:
        try:
            self.rebuild()
        except Exception:
            log.exception("rebuilding the search table failed")

    def join_rebuild(self, timeout: float | None = None) -> None:
        if self._rebuilder is not None:
            self._rebuilder.join(timeout)

    @property
    def rebuilding(self) -> bool:
        return self._rebuilder is not None and self._rebuilder.is_alive()

    def rebuild(self, progress=None, only_if_outdated: bool = False) -> int | None:
        """Rewrite every document from the database, a range of ids at a time; returns how
        many documents the table holds, None if another process is rebuilding."""
        clock = time.monotonic()
        with self.engine.connect() as guard:
            if not guard.execute(sa.select(sa.func.pg_try_advisory_lock(REBUILD_LOCK))).scalar():
                return None
            try:
                count = sum(self._rebuild_kind(letter, model, progress)
                            for letter, model in SOURCES)
                _set_state(guard, analysis.VERSION)
                guard.commit()
            finally:
                guard.execute(sa.select(sa.func.pg_advisory_unlock(REBUILD_LOCK)))
                guard.commit()
        self._built = analysis.VERSION
        self.last_error = None
        log.info("search table: rebuilt with %d documents in %.1f s", count,
                 time.monotonic() - clock)
        return count

    def _rebuild_kind(self, letter: str, model, progress) -> int:
        kind = documents.KINDS[letter]
        with Session(self.engine) as session:
            ids = list(session.execute(sa.select(model.id).order_by(model.id)).scalars())
        count = 0
        for start in range(0, len(ids), RANGE):
            chunk = ids[start:start + RANGE]
            with Session(self.engine) as session:
                connection = session.connection()
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK)))
                docs = list(documents.BUILDERS[letter](session, chunk))
                present = [int(d["key"][1:]) for d in docs]
                connection.execute(sa.delete(SearchDocument.__table__).where(
                    D.kind == kind, D.ident.between(chunk[0], chunk[-1]),
                    D.ident.not_in(present)))
                _write(connection, docs, [])
                session.commit()
            count += len(docs)
            if progress is not None:
                progress(len(docs))
        with self.engine.begin() as connection:
            beyond = D.ident > ids[-1] if ids else sa.true()
            connection.execute(sa.delete(SearchDocument.__table__).where(D.kind == kind, beyond))
        return count

    # --- status ------------------------------------------------------------------------------

    def status(self) -> dict:
        """As SearchService.status: documents per kind in the table and in the database."""
        with Session(self.engine) as session:
            database = documents.count_sources(session)
            counted = dict(session.execute(
                sa.select(D.kind, sa.func.count()).group_by(D.kind)).all())
        built = self.built()
        return {
            "backend": self.backend,
            "index": {kind: counted.get(kind, 0) for kind in documents.KINDS.values()}
            if built is not None else None,
            "database": database,
            "outbox": 0,
            "rebuilding": self.rebuilding,
            "path": self.store.current_dir() or "",
            "outdated": self.store.outdated(),
        }


def _settings_for_words(connection) -> None:
    """This transaction's planner settings for a search with words (SET LOCAL: they end with
    it). The GIN index, never a sequential scan: the planner prices ``@@`` at one operator per
    row and, with the default random_page_cost, seq-scans the table for a common word or a
    short prefix, decompressing and matching every document's tsvector (``jeugd*`` on 157,311
    documents: 390 ms against 240 through the index, median of three at load 4). And room for
    the matches in memory: at the default 4 MB work_mem the materialised matches of a common
    word (21,837 rows, ~6.5 MB) spill to a temporary file. On a server tuned for solid-state
    disks (random_page_cost 1.1) and with the table in shared_buffers the planner chooses the
    same by itself: one round trip that changes nothing there (both set in one statement)."""
    connection.exec_driver_sql("SELECT set_config('enable_seqscan', 'off', true), "
                               "set_config('work_mem', '32MB', true), "
                               "set_config('plan_cache_mode', 'force_custom_plan', true)")


def _estimate(connection, where: list) -> int:
    """The planner's estimate of how many documents meet these conditions (EXPLAIN, no
    execution: a fraction of a millisecond). For words it comes from the statistics ANALYZE
    keeps of the tsvector's most common words; a word not among them is estimated rare."""
    statement = sa.select(sa.literal(1)).select_from(SearchDocument.__table__).where(*where)
    compiled = statement.compile(connection, compile_kwargs={"render_postcompile": True})
    plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled),
                                      compiled.params).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _chosen(filters: dict[str, str]) -> list:
    """The conditions of the chosen filters alone (no reader's visibility rules)."""
    return pgquery.conditions(q.Scope(frozenset(), frozenset()).restriction(filters))


def _postings(connection, literal: str, alone: int | None) -> int:
    """How many matches the GIN index reads for a tsquery: each of its lexemes' (an AND of two
    common words reads both lists before it intersects them: ``volgende geen`` at 1,000,000
    points, few documents with both, 440 ms), at most four estimated. ``alone``: the query's
    own estimate, when it has one lexeme and no filter (nothing more to ask)."""
    lexemes = pgquery.positive_lexemes(literal)
    if alone is not None and len(lexemes) <= 1:
        return alone
    return sum(_estimate(connection, [pgquery.matches(x)]) for x in lexemes[:4])


def _nothing(_session) -> None:
    """The after-commit hook: the documents went in with the commit."""


def _write(connection, docs: list[dict], gone: list[str]) -> None:
    if gone:
        connection.execute(sa.delete(SearchDocument.__table__).where(D.key.in_(gone)))
    if not docs:
        return
    rows = [pgquery.row_of(d) for d in docs]
    insert = postgresql.insert(SearchDocument.__table__)
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=[D.key],
            set_={c.name: insert.excluded[c.name] for c in SearchDocument.__table__.c
                  if c.name != "key"},
        ),
        rows,
    )


def _set_state(connection, value: str) -> None:
    insert = postgresql.insert(SearchState.__table__).values(name=STATE, value=value,
                                                             updated_at=utcnow())
    connection.execute(insert.on_conflict_do_update(
        index_elements=["name"], set_={"value": value, "updated_at": utcnow()}))


def _empty(connection) -> bool:
    """No point, answer, message or stakeholder in the database (nothing to index)."""
    return not any(connection.execute(sa.select(model.id).limit(1)).first()
                   for _letter, model in SOURCES)


# The columns counted for the facets, in one GROUPING SETS pass: the single-valued ones, the
# destinations (ids separated by spaces) and the arrays of the facets a document may hold
# several values of (an answer's senders), each grouped by its whole value and split here.
_MULTI = tuple(pgquery.MULTI.items())
_COUNTED = (*(c for c in pgquery.FACET_COLUMNS if c not in pgquery.MULTI), "destinations",
            *(column for _name, column in _MULTI))
_FACET_OF = {"destinations": "destination", **{column: name for name, column in _MULTI}}


def _page_and_counts(connection, where: list, score, by_date: bool, page: int, size: int,
                     facets: bool) -> tuple[int, list[tuple[str, float]], dict[str, Counter]]:
    """(total, [(key, score)] of this page, facet counts) in one statement that reads the
    matching rows once: the matching rows with their score (ts_rank, 0 without words) are
    materialised, the page is the best (or newest) ``size`` of them after ``(page - 1) * size``,
    and one GROUP BY GROUPING SETS counts every facet column and the total in one pass. A
    column of several values (destinations, senders) is grouped by its whole value and each
    value counted here, so a document counts once for each of its values (A and B both).
    Before, the senders were counted by ``unnest`` in a pass of their own: 57 of 227 ms for a
    prefix matching 21,837 of 157,311 documents."""
    matched = sa.select(D.key, D.stamp, *(D[c] for c in _COUNTED),
                        score.label("score")).where(*where).cte("matched").prefix_with(
        "MATERIALIZED")

    def order(t):
        return [t.c.stamp.desc(), t.c.key] if by_date else [t.c.score.desc(), t.c.key]

    best = (sa.select(matched.c.key, matched.c.score, matched.c.stamp).order_by(*order(matched))
            .limit(size).offset((page - 1) * size).subquery())
    blank = [sa.null().cast(matched.c[c].type).label(c) for c in _COUNTED]
    top = sa.select(sa.literal(-1).label("sets"), best.c.key, best.c.score, *blank,
                    sa.func.row_number().over(order_by=order(best)).label("n"))
    every = (1 << len(_COUNTED)) - 1  # GROUPING(...) of the empty set: no column grouped
    columns = [matched.c[c] for c in _COUNTED]
    if facets:
        counted = (sa.select(sa.func.grouping(*columns).label("sets"), sa.null().cast(sa.Text),
                             sa.null(), *columns, sa.func.count())
                   .group_by(sa.func.grouping_sets(*(sa.tuple_(c) for c in columns),
                                                   sa.text("()"))))
    else:  # the total alone
        counted = sa.select(sa.literal(every), sa.null().cast(sa.Text), sa.null(), *blank,
                            sa.func.count()).select_from(matched)
    total, page_rows = 0, []
    counts: dict[str, Counter] = {name: Counter() for name in q.FILTERS}
    for sets_, key, points, *values, n in connection.execute(sa.union_all(top, counted)):
        if sets_ == -1:
            page_rows.append((n, key, points))
        elif sets_ == every:
            total = n
        else:  # exactly one column grouped: its bit (the first column is the highest) is 0
            i = len(_COUNTED) - (every ^ sets_).bit_length()
            _count_value(counts, _COUNTED[i], values[i], n)
    return total, [(key, points) for _n, key, points in sorted(page_rows)], counts


def _count_value(counts: dict[str, Counter], column: str, value, n: int) -> None:
    """Add ``n`` documents to the facet counts of one grouped value of a column: each id of
    a destinations string or a senders array once, a single value as it is."""
    if not value:
        return
    if column in _FACET_OF:
        for one in (value.split() if isinstance(value, str) else value):
            if one:
                counts[_FACET_OF[column]][one] += n
    else:
        counts[column][value] += n


def _key_terms(connection, text: str, limit: int = 12):
    """query.key_terms over the table: [(term, tf-idf)] of the words frequent in the text and
    rare among the documents, and {term: idf} of those."""
    import math

    counts: Counter = Counter()
    for _start, _end, terms in analysis.tokens(text):
        counts[terms[0]] += 1
    wanted = [t for t in counts if t not in q.STOP and len(t) >= 3 and not t.isdigit()
              and len(t.encode()) <= pgquery.MAX_LEXEME_BYTES]
    if not wanted:
        return [], {}
    total = max(1, connection.execute(
        sa.select(sa.func.count()).select_from(SearchDocument.__table__)).scalar_one())
    frequency = sa.union_all(*(
        sa.select(sa.literal(i), sa.func.count()).select_from(SearchDocument.__table__)
        .where(pgquery.matches(pgquery.lexeme(t)))
        for i, t in enumerate(wanted)
    ))
    scored, idf = [], {}
    for i, df in connection.execute(frequency):
        term = wanted[i]
        if df < 2 or df > total * 0.2:
            continue
        scored.append((term, counts[term] * math.log(total / df)))
        idf[term] = math.log(1 + (total - df + 0.5) / (df + 0.5))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit], idf
