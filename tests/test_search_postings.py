"""postings.Terms reads a segment's term dictionary and posting lists from their bytes: every
term, prefix and posting list reads as Whoosh's own reader reads it, and searches give the
same documents, order, scores, totals and facet counts as with Whoosh's reading."""

import random

import numpy as np
import pytest

from consult.search import matching, postings
from consult.search import query as q
from consult.search.analysis import prefix_patterns, query_term, surface_term
from consult.search.store import DAMAGE, IndexStore

# A long tail (most words in a few documents: postings inlined in the term info, one block)
# over a head of words in most documents (lists of many blocks), with diacritics.
_HEAD = ["jeugdhulp", "gemeente", "inkoop", "zorg", "aanbieders", "cliënt", "één", "regio"]
_TAIL = [f"{stem}{n}" for stem in ("onder", "over", "vers", "ver", "ond", "cliënt", "tran")
         for n in range(120)]


def _body(rnd: random.Random, n: int = 0) -> str:
    words = [w for w in _HEAD if rnd.random() < 0.5 - 0.05 * _HEAD.index(w)]
    words += rnd.choices(_TAIL, k=rnd.randrange(1, 6))
    # "golf": dense, then one in 300 documents (blocks of small deltas, then of large ones),
    # 1-3 times a text (weights that differ); "stil": once in every third text (all 1.0)
    if (n < 1500 and n % 2 == 0) or n % 300 == 0:
        words += ["golf"] * (1 + n % 3)
    if n % 3 == 0:
        words.append("stil")
    if n < 200 and n % 2 == 1:  # twice a text: one weight for the block (small deltas)
        words += ["dubbel", "dubbel"]
    if n % 400 == 7:  # the same, far apart (deltas of two bytes)
        words += ["zelden", "zelden"]
    rnd.shuffle(words)
    return " ".join(words) or "leeg"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """4,000 documents in a bulk-written segment, 300 more (and 200 edits: deletions in the
    first segment) through Whoosh's own writer: two segments, deleted documents, inlined
    postings and lists of up to 16 blocks."""
    rnd = random.Random(15)
    store = IndexStore(tmp_path_factory.mktemp("postings"))
    path = store.new_dir()
    docs = [{"key": f"p{n}", "kind": "point", "body": _body(rnd, n), "when": n,
             "stakeholder": str(1 + n % 7)} for n in range(4000)]
    store.build(iter(docs), path)
    store.swap(path)
    more = [{"key": f"p{n}", "kind": "response", "body": _body(rnd), "when": n,
             "stakeholder": str(1 + n % 5)} for n in [*range(4000, 4300), *range(0, 4000, 20)]]
    with store.write_lock(timeout=10):
        store.apply(more, [])
    return store


def _whoosh_postings(reader, term: str):
    """(ids, weights) of a term's raw list (deleted documents kept), by Whoosh's matcher."""
    matcher = reader._terms.matcher("body", term.encode(), reader.schema["body"].format)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def test_every_term_and_posting_list_reads_as_whoosh_reads_it(generated):
    ix = generated.open()
    with ix.searcher() as searcher:
        leaves = [reader for reader, _offset in searcher.reader().leaf_readers()]
        assert len(leaves) == 2 and leaves[0].has_deletions()
        blocks = 0
        for reader in leaves:
            terms = postings.Terms(reader)
            for btext in reader.lexicon("body"):
                term = btext.decode()
                info = terms.info(term)
                assert info.df == reader.doc_frequency("body", term), term
                ids, tf, complete = terms.postings(info)
                expected_ids, expected_tf = _whoosh_postings(reader, term)
                assert complete and ids.dtype == np.int32 and tf.dtype == np.float32
                assert ids.tolist() == expected_ids and tf.tolist() == expected_tf, term
                blocks = max(blocks, (len(ids) + 127) // 128)
            assert terms.info("nergens") is None and terms.info("") is None
        assert blocks >= 10


@pytest.mark.parametrize("wanted", [[0], [5, 6, 7], list(range(0, 4000, 300)), [3999],
                                    list(range(100, 260)), []])
def test_a_list_read_within_ids_holds_every_wanted_posting(generated, wanted):
    within = np.array(wanted, np.int32)
    ix = generated.open()
    with ix.searcher() as searcher:
        reader = searcher.reader().leaf_readers()[0][0]
        terms = postings.Terms(reader)
        for word in ("jeugdhulp", "zorg", "regio"):
            info = terms.info(word)
            part, part_tf, complete = terms.postings(info, within)
            whole, whole_tf = (np.array(x) for x in _whoosh_postings(reader, word))
            assert part[np.isin(part, within)].tolist() == whole[np.isin(whole, within)].tolist()
            assert part_tf[np.isin(part, within)].tolist() == whole_tf[
                np.isin(whole, within)].tolist()
            assert complete == (len(part) == len(whole))


def test_a_prefix_reads_the_terms_whoosh_expands_it_to(generated):
    ix = generated.open()
    with ix.searcher() as searcher:
        for reader, _offset in searcher.reader().leaf_readers():
            terms = postings.Terms(reader)
            prefixes = {term[:n] for term in (b.decode() for b in reader.lexicon("body"))
                        for n in (1, 2, 3, 4, 6)}
            for prefix in sorted(prefixes) + ["", "zzz", surface_term("cli"), "cliën"]:
                got = terms.prefixed(prefix)
                expected = [b.decode() for b in reader.expand_prefix("body", prefix)]
                assert [t for t, _info in got] == expected, prefix
                assert [i.df for _t, i in got] == [reader.doc_frequency("body", t)
                                                    for t in expected]


class _WhooshTerms:
    """postings.Terms answered through Whoosh's own reader: the reference."""

    def __init__(self, reader):
        self.reader = reader

    def info(self, term):
        if ("body", term) not in self.reader:
            return None
        return _Info(term, self.reader.doc_frequency("body", term))

    def prefixed(self, prefix):
        return [(b.decode(), self.info(b.decode()))
                for b in self.reader.expand_prefix("body", prefix)]

    def postings(self, info, within=None):
        ids, weights = _whoosh_postings(self.reader, info.term)
        return np.array(ids, np.int32), np.array(weights, np.float32), True


class _Info:
    def __init__(self, term, df):
        self.term, self.df = term, df


QUERIES = ["jeugdhulp", "één", "cliënt", "onder3", "jeugdhulp zorg", "zorg regio inkoop",
           "regio onder17", '"jeugdhulp gemeente"', "onder*", "ond*", "vers*", "cli*", "ve*",
           "o*", "jeugdhulp -zorg", "zorg OR regio", "onder* -zorg", "zorg onder*",
           "over1* OR tran*", "nergens", "zorg nergens", "jeugdhulp jeugdhulp"]


def _results(store, filters=None):
    ix = store.open()
    out = []
    for text in QUERIES:
        for sort in ("relevance", "date"):
            matching.clear_caches()
            with ix.searcher() as searcher:
                found = q.search(searcher, q.Request(text=text, filters=filters or {},
                                                     sort=sort, size=50),
                                 q.Scope(frozenset(), frozenset()))
            out.append((text, sort, found.total, found.keys, found.scores, found.facets))
    return out


@pytest.mark.parametrize("filters", [None, {"stakeholder": "3"}, {"kind": "response"}])
def test_searches_find_what_whoosh_reading_finds(generated, monkeypatch, filters):
    """Same hits, order, scores (to the bit), totals and facet counts as with every term and
    posting list read through Whoosh's reader (and every list decoded whole)."""
    fast = _results(generated, filters)
    monkeypatch.setattr(matching, "Terms", _WhooshTerms)
    reference = _results(generated, filters)
    assert fast == reference
    assert any(total > 100 for _t, _s, total, *_rest in fast)


def test_a_prefix_scores_as_the_or_of_its_terms(generated):
    ix = generated.open()
    with ix.searcher() as searcher:
        st = matching.stats(searcher)
        for prefix in ("o", "ond", "onder", "onder1", "cli", "v", "zorg", "nergens"):
            terms = st.prefix(prefix)
            boost = 1.0 / max(1, len(terms)) ** 0.5
            for seg, _offset in st.segs:
                ids, scores = matching._prefix(seg, st, terms)
                each = matching._or([matching._term(seg, t, st, boost) for t in terms])
                assert ids.tolist() == each[0].tolist(), prefix
                assert scores.tobytes() == each[1].tobytes(), prefix
            expected = [b.decode() for p in prefix_patterns(prefix)
                        for b in searcher.reader().expand_prefix("body", p)]
            assert terms == expected


def test_a_damaged_posting_list_counts_as_damage(generated):
    """Bytes that are not a posting list make the index be rebuilt (store.DAMAGE)."""
    with pytest.raises(DAMAGE):
        postings.decode(b"XXXX" + bytes(40))
    with pytest.raises(DAMAGE):
        postings.decode(postings.WHOOSH3_HEADER_MAGIC + bytes(2))
    with pytest.raises(DAMAGE):
        postings.decode(postings.WHOOSH3_HEADER_MAGIC + b"\xff\xff\xff\xf0" + bytes(20))


def test_a_term_dictionary_opens_as_whoosh_opens_it(generated):
    """store._install_one_read_directory reads the 256 hash-table entries in one piece:
    the same tables, extras and positions as Whoosh's own HashReader.__init__."""
    from whoosh.filedb.filetables import HashReader, OrderedHashReader

    ix = generated.open()
    with ix.searcher() as searcher:
        for reader, _offset in searcher.reader().leaf_readers():
            dbfile = reader._terms._tindex.dbfile
            length = reader._storage.file_length(reader._segment.make_filename(".trm"))
            ours, theirs = (OrderedHashReader.__new__(OrderedHashReader) for _ in range(2))
            HashReader.__init__(ours, dbfile, length)
            HashReader._whoosh_init(theirs, dbfile, length)
            mine, whoosh = vars(ours), vars(theirs)
            assert len(mine["tables"]) == 256 and any(n for _p, n in mine["tables"])
            assert {k: v for k, v in mine.items() if k != "_get_pos"} == {
                k: v for k, v in whoosh.items() if k != "_get_pos"}


def test_small_delta_blocks_and_pickled_ones_mix_in_one_list(generated):
    """A list whose blocks are read both ways (postings._small_deltas and pickle), with
    weights of each layout, reads as Whoosh reads it, whole and within ids."""
    import zlib

    ix = generated.open()
    with ix.searcher() as searcher:
        reader = searcher.reader().leaf_readers()[0][0]
        terms = postings.Terms(reader)
        kinds = set()
        for word in ("golf", "stil", "jeugdhulp", "dubbel", "zelden"):
            word = query_term(word)
            info = terms.info(word)
            data = terms._postings(*info.extent)
            at, done = 4, False
            while not done:
                (length,) = postings._INT.unpack_from(data, at)
                done, end = length < 0, at + 4 + abs(length)
                block, start = postings._block_info(data, at + 4)
                raw = zlib.decompress(data[start:end])
                found = postings._small_deltas(raw, block[0])
                kinds.add((word, found is not None, None if found is None else found[2][:9]))
                at = end
            ids, tf, _complete = terms.postings(info)
            assert (ids.tolist(), tf.tolist()) == _whoosh_postings(reader, word), word
            within = ids[::37].copy()
            part, part_tf, _complete = terms.postings(info, within)
            keep = np.isin(part, within)
            assert part[keep].tolist() == within.tolist()
            assert part_tf[keep].tolist() == tf[np.isin(ids, within)].tolist()
        assert ("golf", True) in {k[:2] for k in kinds} and ("golf", False) in {
            k[:2] for k in kinds}
        assert len({k[2] for k in kinds if k[1]}) >= 2  # per-posting weights and all 1.0
