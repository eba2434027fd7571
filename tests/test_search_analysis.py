"""Dutch analysis: what a typed word looks for is among what the written word is indexed as."""

import time
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from consult.search.analysis import (
    PAIR_MARK,
    chunk_terms,
    fold,
    index_terms,
    normalise,
    pair_term,
    query_term,
    split_compound,
    tokens,
    word_terms,
)
from consult.search.query import parse, plain_words, snippet

DUTCH_LETTERS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzëïéèöüáç", min_size=1, max_size=25)


@given(DUTCH_LETTERS)
def test_every_word_finds_itself(word):
    assert query_term(word) in word_terms(word)
    assert query_term(word.upper()) == query_term(word)


@given(st.text(max_size=200))
def test_any_text_indexes_and_parses_without_error(text):
    counts, words = index_terms(text)
    assert all(n > 0 for n in counts.values())
    # The highlighter cuts the text into the same words as the index (offsets into the text
    # as stored, every word's terms among the text's index terms).
    marked = [(start, end, terms) for start, end, terms in tokens(text)]
    assert all(0 <= start < end <= len(text) for start, end, _t in marked)
    if unicodedata.is_normalized("NFC", text) and all(ord(c) < 0x1100 for c in text):
        assert {t for _s, _e, terms in marked for t in terms} == {
            t for t in counts if not t.startswith(PAIR_MARK)}
        pairs = sum(n for t, n in counts.items() if t.startswith(PAIR_MARK))
        assert pairs == max(0, words - 1)
    parse(text)
    plain_words(text)
    pieces = snippet(text, parse(text))
    # Every piece of a snippet is the text itself (only the ellipses are added).
    for piece, _marked in pieces:
        assert piece in ("… ", " …") or piece in text


def test_folding_and_inflection():
    assert fold("Financiële continuïteit") == "financiele continuiteit"
    assert query_term("financiele") in word_terms("Financiële")
    for written, typed in [("gemeenteraden", "gemeenteraad"), ("inkoopplannen", "inkoopplan"),
                           ("huisartsen", "huisarts"), ("processen", "proces"),
                           ("aanbieders", "aanbieder"), ("JGT's", "JGT"), ("PGB’s", "pgb")]:
        assert query_term(typed) in word_terms(written), (written, typed)


def test_compounds_are_split_on_the_index_side_only():
    assert split_compound("jeugdhulpaanbieders") == ("jeugd", "hulp", "aanbieders")
    for part in ("jeugdhulp", "aanbieder", "hulp", "jeugd"):
        assert query_term(part) in word_terms("jeugdhulpaanbieders"), part
    assert query_term("raad") in word_terms("gemeenteraden")
    assert query_term("raad") in word_terms("raadsleden")
    # Not a compound of the lexicon's parts: left alone.
    assert split_compound("belangrijk") == ()
    assert word_terms("jeugdhulp") == (query_term("jeugdhulp"), query_term("jeugd"),
                                       query_term("hulp"))


def test_digits_and_signs_as_people_write_them():
    assert query_term("1Gezin1Plan") in word_terms("1Gezin1Plan1Regisseur")
    assert query_term("regisseur") in word_terms("1Gezin1Plan1Regisseur")
    positions, _joined = chunk_terms("18-/18+")
    assert [terms[0] for terms in positions] == ["18-", "18+"]  # as written, side by side
    assert [terms[1] for terms in positions] == ["18", "18"]  # and as numbers


def test_neighbouring_words_make_one_phrase_term():
    counts, _ = index_terms("de lokale sturing van raden")
    assert counts[pair_term(query_term("lokale"), query_term("sturing"))] == 1
    assert pair_term("a", "b") not in word_terms("a")


def test_pathological_words_cost_little():
    """A pasted hash, a word repeated a thousand times, long chains of hyphens, slashes,
    decimals and marks: analysed in well under a second each ("jeugd" x 1,000 used to
    recurse too deep while splitting it as a compound, which broke indexing)."""
    for text in ["jeugd" * 1000, "a" * 20000, "-".join(["jeugd"] * 4000),
                 "/".join(["ab"] * 7000), "1." * 10000, "e\u0308" * 10000, "§1.2% " * 4000,
                 "'".join(["ab"] * 7000)]:
        start = time.perf_counter()
        counts, words = index_terms(text)
        parse(text)
        assert counts and words
        assert time.perf_counter() - start < 1, text[:20]


# --- one normalisation for index and query ---------------------------------------------------

INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
LATIN = st.text(alphabet=st.characters(codec="latin-1") | st.sampled_from("ëïéèöüĳœ’“”–"),
                max_size=120)


@given(st.text(max_size=200))
def test_a_text_and_its_decomposed_form_index_alike(text):
    """Text stored decomposed ('financie\u0308le', as macOS and some PDFs give it) or in
    compatibility forms indexes to the same terms as its composed form."""
    assert index_terms(unicodedata.normalize("NFD", text)) == index_terms(text)
    assert index_terms(unicodedata.normalize("NFKD", text)) == index_terms(text)
    assert index_terms(unicodedata.normalize("NFC", text)) == index_terms(text)


@given(st.text(max_size=200), st.data())
def test_invisible_characters_inside_words_change_nothing(text, data):
    """Soft hyphens (Word's optional hyphens), zero-width spaces and joiners and byte-order
    marks pasted inside words: the same terms as without them."""
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=6))
    spoiled = text
    for cut in sorted(cuts, reverse=True):
        spoiled = spoiled[:cut] + data.draw(st.sampled_from(INVISIBLE)) + spoiled[cut:]
    assert index_terms(spoiled) == index_terms(text)


@given(LATIN)
def test_typographic_forms_index_as_plain_ones(text):
    """Non-breaking and narrow spaces, curly apostrophes and quotes, typographic hyphens,
    ligatures and full-width letters, as word processors and phones write them."""
    plain = normalise(text)
    fancy = (plain.replace(" ", "\u00a0").replace("'", "\u2019").replace("-", "\u2011")
             .replace("fi", "\ufb01").replace('"', "\u201d"))
    assert index_terms(fancy) == index_terms(plain)
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in plain)
    assert index_terms(wide) == index_terms(plain)


def test_normalisation_examples():
    for stored, typed in [("jeugd\u00adhulp", "jeugdhulp"), ("financie\u0308le", "financiële"),
                          ("jeugd\u200bhulp", "jeugdhulp"), ("\ufeffPGB", "PGB"),
                          ("\ufb01nanciering", "financiering"), ("ＰＧＢ", "PGB"),
                          ("JGT\u2019s", "JGT's"), ("18\u2011jarigen", "18-jarigen"),
                          ("€\u00a02,5\u202fmiljoen", "€ 2,5 miljoen"), ("10\u202f%", "10%"),
                          ("Noord\u2010Holland", "Noord-Holland")]:
        assert index_terms(stored) == index_terms(typed), (stored, typed)
    assert normalise("“lokale sturing”") == '"lokale sturing"'


# --- prefixes match words as written ---------------------------------------------------------


def test_every_prefix_of_every_demo_word_finds_its_texts(tmp_path):
    """For every word of the real 2016 table (points and answers), each of its prefixes of
    three or more characters followed by * finds every text that contains the word. Stemmed
    prefixes missed 567 of these 6,393 ('gemeen*', 'vraa*', 'plaats*', 'inkoo*'). All of
    them, not a sample: about 8 s."""
    from collections import defaultdict

    from tests.realworld.search import TextIndex, demo_texts

    texts = demo_texts(answers=True)
    having: dict[str, set[str]] = defaultdict(set)
    for name, text in texts.items():
        for start, end, _terms in tokens(text):
            word = text[start:end]
            if "-" not in word and "/" not in word:  # a word of a chunk, not the whole chunk
                for size in range(3, len(word) + 1):
                    having[word[:size]].add(name)
    assert len(having) > 6000
    index = TextIndex(texts, tmp_path)
    try:
        missed = {prefix: sorted(names - index.matching(prefix + "*"))[:2]
                  for prefix, names in having.items()}
    finally:
        index.close()
    missed = {prefix: names for prefix, names in missed.items() if names}
    assert not missed, f"{len(missed)} prefixes miss texts, e.g. {list(missed.items())[:10]}"


def _walked(text: str) -> list:
    """tokens(text) with every non-ASCII text walked character by character (the way
    _aligned maps offsets when normalising changes the text)."""
    import re
    from unittest import mock

    from consult.search import analysis

    with mock.patch.object(analysis, "_SPECIAL", re.compile("(?s).")):
        return list(tokens(text))


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=120)
       | st.text(alphabet="abcdeëïéè öü-’'\u00ad\u0308€%18.,", max_size=120))
def test_marks_fall_on_the_same_words_whether_or_not_the_text_is_walked(text):
    """A text that normalising leaves as it is maps onto itself without the per-character
    walk (0.3 ms a point, 20-40 points on a page of search results or similar points); the
    marks must land exactly where the walk puts them, for any text."""
    assert list(tokens(text)) == _walked(text)


def test_marks_on_the_demo_texts_are_where_the_walk_puts_them():
    from tests.realworld.search import demo_texts

    texts = [t for t in demo_texts(answers=True).values() if not t.isascii()]
    assert len(texts) > 50
    for text in texts:
        assert list(tokens(text)) == _walked(text)
