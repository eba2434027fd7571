"""What search costs at the size of a real installation (issue 15, point 5), measured without a
clock: bytes a new searcher allocates, statements the outbox runs for an import, and the path an
import takes into the index."""

import itertools
import random
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_
from sqlmodel import Session, select
from whoosh import query as wq

from consult import rowimport, search
from consult.db import get_session
from consult.models import Consultation, Point, ResponsePoint
from consult.search import matching, outbox
from consult.search.query import Request
from consult.search.store import IndexStore

from .costs import statements
from .test_imports import HEADER
from .test_search import search_app, whoosh_only  # noqa: F401 - the demo, indexed, on each engine


def test_a_new_searcher_reads_the_segments_in_place(search_app):  # noqa: F811
    """Whoosh opened every part of a memory-mapped segment as BytesIO(memoryview), i.e. a
    copy: each new searcher (after every commit, in every worker) copied the whole index
    (0.8 s at 100,000 points). Now a searcher allocates a small part of the index's bytes."""
    whoosh_only(search_app)
    store = search.service(search_app).store
    ix = store.open()
    size = sum(f.stat().st_size for f in store.current_dir().glob("*.seg"))
    assert size > 1_000_000
    tracemalloc.start()
    try:
        with ix.searcher() as searcher:
            assert searcher.doc_frequency("body", "jeugdhulp") > 0
            _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size / 10, (peak, size)


def test_expand_runs_a_few_statements_for_thousands_of_keys(search_app):  # noqa: F811
    """An import writes a key per answer and per reaction: one query each was thousands of
    statements before the bulk writer started. Same documents as key by key."""
    engine = search_app.extensions["consult.engine"]
    with Session(engine) as session:
        points = session.exec(select(Point.id)).all()
        responses = sorted({r for r in session.exec(select(ResponsePoint.response_id))})
    keys = [f"r{i}" for i in range(1, 2001)] + [f"R{i}" for i in range(1, 600)] + [
        f"P{i}" for i in points] + ["C1", "s1", "m1"]
    with Session(engine) as session, statements(search_app) as recorded:
        found = outbox.expand(session, keys)
    assert len(recorded.all) <= 14, len(recorded.all)
    assert recorded.widest <= 1000
    with Session(engine) as session:
        one_by_one = set()
        for k in [f"r{i}" for i in responses] + [f"R{i}" for i in range(1, 20)] + ["C1", "s1"]:
            one_by_one |= outbox.expand(session, [k])
        together = outbox.expand(session, [f"r{i}" for i in responses]
                                 + [f"R{i}" for i in range(1, 20)] + ["C1", "s1"])
    assert together == one_by_one
    assert {k for k in found if k[0] == "p"} == {f"p{i}" for i in points}
    assert {f"r{i}" for i in responses} <= found


def test_a_1200_point_import_goes_into_the_index_in_one_bulk_commit(demo_app):
    """1,200 points with answers (2,400 index keys, past BULK_FROM) through the spreadsheet
    import: every point findable right after the commit, the index equal to the database, and
    written as one bulk segment (one index commit), not row by row in batches of 500 (four
    commits or more)."""
    with demo_app.app_context():
        session = get_session()
        service = search.service()
        service.rebuild()
        service.mode = "inline"
        store = service.store
        before = store.open().latest_generation()
        consultation = session.exec(select(Consultation)).one()
        rows = "".join(f"Leiden;;collegebrief;{n};;Kwartelkoning nummer {n} "
                       f"over de inkoop;Antwoord op {n}.;;\r\n" for n in range(1, 1201))
        table = rowimport.read_table("t.csv", (HEADER + rows).encode())
        rowimport.apply(session, None, consultation, rowimport.plan(session, consultation, table))
        session.commit()  # inline: the commit applies the outbox
        status = service.status()
        assert status["outbox"] == 0 and status["index"] == status["database"]
        assert store.open().latest_generation() - before == 1
        page = search.run(session, None, Request("kwartelkoning"), scope=search.EVERYTHING)
        assert page.total >= 1200
        assert search.run(session, None, Request('"kwartelkoning nummer 1199"'),
                          scope=search.EVERYTHING).total >= 1


# --- AND that skips blocks: the same documents as decoding every list whole -----------------

_WORDS = [f"woord{chr(97 + i)}" for i in range(12)]
_CHANCE = [0.9, 0.6, 0.4, 0.25, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005]


@pytest.fixture(scope="module")
def blocky_index(tmp_path_factory):
    """6,000 documents; words from 90 % of them down to 3: lists of 1 to 43 blocks."""
    rnd = random.Random(15)
    docs = []
    for n in range(6000):
        words = [w for w, p in zip(_WORDS, _CHANCE, strict=True) if rnd.random() < p]
        docs.append({"key": f"p{n + 1}", "kind": "point", "body": " ".join(words) or "leeg",
                     "when": n})
    store = IndexStore(tmp_path_factory.mktemp("blocky"))
    path = store.new_dir()
    store.build(iter(docs), path)
    store.swap(path)
    return store


def _whole_and(searcher, words):
    out = []
    st = matching.stats(searcher)
    for seg, _offset in matching.segments(searcher):
        parts = []
        for w in words:
            matching.clear_caches()
            parts.append(matching._term(seg, w, st))
        out.append(matching._and(parts))
    return out


def test_and_reads_only_the_blocks_it_needs_and_finds_the_same(blocky_index):
    ix = blocky_index.open()
    with ix.searcher() as searcher:
        st = matching.stats(searcher)
        reader = searcher.reader()
        for size in (2, 3):
            for words in itertools.combinations(_WORDS, size):
                node = wq.And([wq.Term("body", w) for w in words])
                whole = _whole_and(searcher, words)
                for (seg, _o), (ids, scores) in zip(matching.segments(searcher), whole,
                                                    strict=True):
                    matching.clear_caches()
                    got_ids, got_scores = matching.evaluate(node, seg, st, reader)
                    assert got_ids.tolist() == ids.tolist(), words
                    assert np.allclose(got_scores, scores, rtol=1e-5), words
        # A rare word with a common one decodes a few of the common word's 43 blocks.
        seg = matching.segments(searcher)[0][0]
        matching.clear_caches()
        rare, _tf = matching.postings(seg, "woordk")
        few, _tf = matching.postings(seg, "woorda", within=rare)
        every, _tf = matching.postings(seg, "woorda")
        assert len(every) > 5000 and len(few) <= 128 * len(rare) < len(every) / 4


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st_.lists(st_.integers(0, 6100), max_size=300), st_.sampled_from(_WORDS[:6]))
def test_postings_within_hold_every_wanted_posting(blocky_index, wanted, word):
    within = np.unique(np.array(wanted, np.int64)).astype(np.int32)
    ix = blocky_index.open()
    with ix.searcher() as searcher:
        seg = matching.segments(searcher)[0][0]
        matching.clear_caches()
        part, part_tf = matching.postings(seg, word, within=within)
        matching.clear_caches()
        whole, whole_tf = matching.postings(seg, word)
    expected = np.isin(whole, within)
    got = np.isin(part, within)
    assert part[got].tolist() == whole[expected].tolist()
    assert part_tf[got].tolist() == whole_tf[expected].tolist()


def test_a_result_page_reads_the_matching_documents_once(search_app):  # noqa: F811
    """The PostgreSQL backend counted the facets in one statement and ranked the page in
    another, each reading every matching row's heap page (a common word at 100,000 points:
    13,600 rows on 10,900 pages, twice): now one statement gives the page, the facets and the
    total. Whoosh has no statements to count."""
    if search.service(search_app).backend != "postgres":
        pytest.skip("the PostgreSQL search backend's statements")
    from .test_search import run

    with statements(search_app) as recorded:
        page = run(search_app, "jeugd*")
    reads = [s for s in recorded.selects if "search_document" in s.sql]
    assert len(reads) == 1, [s.sql[:80] for s in reads]
    assert page.total > 20 and len(page.hits) == 20
    kinds = {f.name: f for f in page.facets}["kind"]
    assert sum(n for _v, _t, n in kinds.values) == page.total


def test_a_result_page_renders_no_markdown_for_plain_points(search_app, monkeypatch):  # noqa: F811
    """Each hit's snippet is read from its text as plain text: that ran Python-Markdown for
    every hit (~1.5 ms each, twenty a page, most of a page's time at 100,000 points); a text
    without Markdown is now read as it is, with the same result."""
    from consult import richtext

    from .test_search import run

    rendered = []
    original = richtext.render_markdown

    def counting(text, **kwargs):
        rendered.append(text)
        return original(text, **kwargs)

    monkeypatch.setattr(richtext, "render_markdown", counting)
    page = run(search_app, "jeugd*", kind="point")
    assert len(page.hits) == 20
    assert all(h.snippet for h in page.hits)
    assert len(rendered) < len(page.hits) / 2, len(rendered)


# --- a result page: its twenty hits in a few statements, not a few per hit --------------------


def test_a_result_page_reads_its_hits_in_a_fixed_number_of_statements(search_app):  # noqa: F811
    """The hits of a page (their points, reactions, senders, consultations, answers and
    destination paths) are read a kind at a time: twenty hits of every kind cost a few
    statements more than one hit, and the consultations the reader's scope read are not
    read again for the hits or the facets."""
    from .test_search import run

    for role in ("secretary", None):
        with statements(search_app) as one:
            few = run(search_app, "veiligheidsketen", role)
        with statements(search_app) as twenty:
            many = run(search_app, "jeugd*", role)
        assert 1 <= len(few.hits) <= 3, len(few.hits)
        assert len(many.hits) == 20 and len({h.kind for h in many.hits}) >= 2
        assert any(h.destinations for h in many.hits)  # paths were read, in one statement
        # The search backend's own statements (PostgreSQL: its settings, the planner's
        # estimates per word, the search) are not the page's reads of its hits.
        one, twenty = _page_reads(one), _page_reads(twenty)
        assert len(twenty) <= 12, [s.sql[:80] for s in twenty]
        assert len(twenty) - len(one) <= 4, (len(twenty), len(one))
        reads = [s.sql for s in twenty if "FROM consultation" in s.sql]
        assert len(reads) == 1, reads


def _page_reads(recorded) -> list:
    return [s for s in recorded.all
            if "search_document" not in s.sql and "set_config" not in s.sql]


def test_a_segment_with_deleted_documents_is_decoded_a_block_at_a_time(tmp_path, monkeypatch):
    """Every edit deletes a document from its segment until a merge. Whoosh then wraps each
    posting list of that segment in a filter that steps through it one posting at a time in
    Python: a similar-points query at 120,000 points went through 20,000 postings that way
    (190 ms a request, a third of the load test's CPU). The postings are decoded a block at a
    time as without deletions, and no search finds a deleted document."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher

    store = IndexStore(tmp_path)
    path = store.new_dir()
    docs = [{"key": f"p{n}", "kind": "point", "when": n,
             "body": f"woorda {'woordb' if n % 3 else 'woordc'}"} for n in range(1, 3001)]
    store.build(iter(docs), path)
    store.swap(path)
    # every seventh, and the first 1,000 whole (a re-import deletes a run of documents)
    gone = sorted({f"p{n}" for n in range(1, 3001, 7)} | {f"p{n}" for n in range(1, 1001)})
    ix = store.open()
    older = ix.searcher()  # a request in flight when the deletions are committed
    with store.write_lock(timeout=10):
        store.apply([], gone)
    steps = []
    for matcher in (FilterMatcher, W3LeafMatcher):
        original = matcher.next
        monkeypatch.setattr(matcher, "next",
                            lambda self, original=original: steps.append(1) or original(self))
    with ix.searcher() as searcher:
        assert searcher.reader().has_deletions()
        restriction = matching.Restriction({}, frozenset(), None)
        for word in ("woorda", "woordb", "woordc"):
            matching.clear_caches()
            found = matching.match(searcher, wq.Term("body", word), restriction)
            keys = {searcher.stored_fields(d)["key"] for d, _s in found.top(5000, by_date=False)}
            expected = {d["key"] for d in docs if word in d["body"]} - set(gone)
            assert keys == expected, word
    assert len(steps) < 50, len(steps)
    # A list a newer searcher decoded is kept; a searcher opened before the deletions (a
    # request in flight) still finds every document of its own moment.
    with ix.searcher() as newer:
        matching.clear_caches()
        assert matching.match(newer, wq.Term("body", "woorda"), restriction).total < 2000
    with older:
        found = matching.match(older, wq.Term("body", "woorda"), restriction)
        assert found.total == len(docs)
