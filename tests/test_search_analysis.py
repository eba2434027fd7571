"""Dutch analysis: what a typed word looks for is among what the written word is indexed as."""

from hypothesis import given
from hypothesis import strategies as st

from consult.search.analysis import (
    WORD,
    fold,
    index_terms,
    pair_term,
    query_term,
    split_compound,
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
    assert words == len([w for w in WORD.findall(text) if word_terms(w)])
    assert all(n > 0 for n in counts.values())
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
    assert [query_term(w) for w in WORD.findall("18-/18+")] == ["18", "18"]


def test_neighbouring_words_make_one_phrase_term():
    counts, _ = index_terms("de lokale sturing van raden")
    assert counts[pair_term(query_term("lokale"), query_term("sturing"))] == 1
    assert pair_term("a", "b") not in word_terms("a")
