"""The bulk segment writer writes what Whoosh's own writer writes: same postings, statistics,
lengths and columns, so searches cannot tell the two indexes apart."""

import pytest
from whoosh import index as whoosh_index

from consult.search import query as q
from consult.search.documents import all_documents
from consult.search.store import IndexStore, _prepare

from .test_search import search_app, whoosh_only  # noqa: F401 - the demo, indexed


def _build(app, folder, method):
    from sqlmodel import Session

    store = IndexStore(folder)
    path = store.new_dir()
    with Session(app.extensions["consult.engine"]) as session:
        count = store.build(all_documents(session), path, method=method)
    store.swap(path)
    return store, count


@pytest.fixture
def both(search_app, tmp_path, monkeypatch):  # noqa: F811
    whoosh_only(search_app)
    monkeypatch.setenv("CONSULT_INDEX_PROCS", "1")  # one Whoosh segment, documents in order
    fast, n1 = _build(search_app, tmp_path / "segments", "segments")
    slow, n2 = _build(search_app, tmp_path / "whoosh", "whoosh")
    assert n1 == n2 == 285
    return fast, slow


def _all_postings(store):
    ix = whoosh_index.open_dir(str(store.current_dir()))
    out = {}
    with ix.reader() as reader:
        for fieldname in ("body", "key"):
            for text in reader.lexicon(fieldname):
                info = reader.term_info(fieldname, text)
                matcher = reader.postings(fieldname, text)
                items = list(matcher.items_as("weight"))
                out[(fieldname, text)] = (
                    items, info.doc_frequency(), info.weight(), info.min_length(),
                    info.max_length(), info.max_weight(), info.min_id(), info.max_id(),
                )
        lengths = [reader.doc_field_length(d, "body") for d in range(reader.doc_count_all())]
        keys = [reader.stored_fields(d)["key"] for d in range(reader.doc_count_all())]
        columns = {
            name: list(reader.column_reader(name, translate=False))
            for name in ("kind", "consultation", "stakeholder", "status", "destinations", "when")
        }
    return out, lengths, keys, columns


def test_bulk_segments_equal_whoosh_segments(both):
    fast, slow = both
    fast_postings, fast_lengths, fast_keys, fast_columns = _all_postings(fast)
    slow_postings, slow_lengths, slow_keys, slow_columns = _all_postings(slow)
    assert fast_keys == slow_keys
    assert fast_lengths == slow_lengths
    assert fast_columns == slow_columns
    assert fast_postings.keys() == slow_postings.keys()
    differing = [k for k in fast_postings if fast_postings[k] != slow_postings[k]]
    assert not differing, differing[:5]
    assert len(fast_postings) > 5_000


def test_inlined_postings_survive_a_merge(both):
    """A term in one document keeps its posting in the term info (bulk._inline). When Whoosh
    merges such a segment with a new one (an edit after a rebuild, then an optimise), every
    posting reads back as from Whoosh's own index given the same edit."""
    fast, slow = both
    with whoosh_index.open_dir(str(fast.current_dir())).reader() as reader:
        inlined = [t for t in reader.lexicon("body")
                   if reader.term_info("body", t).is_inlined()]
    assert len(inlined) > 1_000  # most word pairs occur once
    edit = {"key": "point:999999", "kind": "point", "body": "Zwaluwstaartverbinding in de wijk"}
    for store in (fast, slow):
        store.apply([edit], [])
        ix = whoosh_index.open_dir(str(store.current_dir()))
        ix.optimize()
    fast_postings, fast_lengths, fast_keys, _ = _all_postings(fast)
    slow_postings, slow_lengths, slow_keys, _ = _all_postings(slow)
    assert (fast_keys, fast_lengths) == (slow_keys, slow_lengths)
    differing = [k for k in fast_postings if fast_postings[k] != slow_postings.get(k)]
    assert not differing, differing[:5]
    scope = q.Scope(frozenset(), frozenset())
    for text in ["zwaluwstaartverbinding", "jeugdhulp", '"lokale sturing"']:
        request = q.Request(text=text)
        a = fast.read(lambda s, r=request: q.search(s, r, scope))
        b = slow.read(lambda s, r=request: q.search(s, r, scope))
        assert (a.total, a.keys) == (b.total, b.keys) and a.total, text


def test_same_answers_from_both(both):
    fast, slow = both
    scope = q.Scope(frozenset(), frozenset())
    for text in ["jeugdhulp", '"lokale sturing"', "jeugd*", "privacy OR huisarts", "PGB -ZIN"]:
        request = q.Request(text=text)
        a = fast.read(lambda s, r=request: q.search(s, r, scope))
        b = slow.read(lambda s, r=request: q.search(s, r, scope))
        assert (a.total, a.keys, a.facets) == (b.total, b.keys, b.facets), text
    assert _prepare({"kind": "point", "destinations": "3 7"})["destinations"] == (
        b"\0\0\0\x03\0\0\0\x07"
    )


def test_parallel_rebuild_finds_the_same(search_app, monkeypatch):  # noqa: F811
    """Two processes each index half the rows; their segments become one index."""
    whoosh_only(search_app)
    import importlib

    from consult import search

    service_module = importlib.import_module("consult.search.service")

    service = search.service(search_app)
    scope = q.Scope(frozenset(), frozenset())
    queries = ["jeugdhulp", '"lokale sturing"', "jeugd*", "privacy OR huisarts", "raad"]

    def answers():
        return [
            service.store.read(lambda s, t=t: q.search(s, q.Request(text=t, size=50), scope))
            for t in queries
        ]

    before = answers()
    monkeypatch.setattr(service_module, "PARALLEL_FROM", 0)
    monkeypatch.setenv("CONSULT_INDEX_WORKERS", "2")
    seen = []
    assert service.rebuild(progress=seen.append) == 285
    assert sum(seen) == 285
    after = answers()
    for text, a, b in zip(queries, before, after, strict=True):
        assert a.total == b.total, text
        assert sorted(a.keys) == sorted(b.keys), text
        assert a.facets == b.facets, text
    status = service.status()
    assert status["index"] == status["database"]
