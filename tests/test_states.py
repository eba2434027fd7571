"""What each state means: one word and one colour, in both languages (consult/labels.py), and
dates in the one format of each language (consult/i18n.py)."""

from datetime import UTC, date, datetime

import pytest

from consult.i18n import day, moment
from consult.labels import ACTION, DONE, NEUTRAL, STATES, TONES, legend, state
from consult.models import ConsultationStatus, ResponseStatus


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_word_never_stands_for_two_colours(app, lang):
    with app.test_request_context(headers={"Cookie": f"consult_lang={lang}"}):
        tones: dict[str, set[str]] = {}
        for (kind, value), (_word, tone) in STATES.items():
            assert tone in TONES
            tones.setdefault(state(kind, value).word, set()).add(tone)
        assert {w: t for w, t in tones.items() if len(t) > 1} == {}
        # The legend lists every word once, under its one colour.
        listed = [w for _tone, _meaning, words in legend() for w in words]
        assert sorted(listed) == sorted(tones)


def test_green_only_for_settled_and_orange_only_for_action(app):
    with app.test_request_context(headers={"Cookie": "consult_lang=nl"}):
        assert {k for k, (_w, t) in STATES.items() if t == DONE} == {
            ("point", "answered"), ("answer", "adopted"), ("answer", "done"),
            ("destination", "done"), ("commitment", "done")}
        assert {k for k, (_w, t) in STATES.items() if t == ACTION} == {
            ("point", "open"), ("commitment", "open"), ("commitment", "overdue"),
            ("reaction", "late")}
        assert state("answer", "not_adopted").tone == NEUTRAL
        assert state("answer", "not_adopted").word == "niet overgenomen"
        # A point shows its latest answer's status, or open without one.
        assert state("point", "adopted").key == "answer:adopted"
        assert state("point", "open").word == "open"
        # Every stored status has its word and colour.
        for s in ResponseStatus:
            assert ("answer", s.value) in STATES
        for s in ConsultationStatus:
            assert ("consultation", s.value) in STATES


@pytest.mark.parametrize(("lang", "expected_day", "expected_moment"), [
    ("nl", "29 november 2026", "29 november 2026"),
    ("en", "November 29, 2026", "November 29, 2026"),
])
def test_dates_in_the_one_format_of_each_language(app, lang, expected_day, expected_moment):
    with app.test_request_context(headers={"Cookie": f"consult_lang={lang}"}):
        assert day(date(2026, 11, 29)) == expected_day
        assert day("2026-11-29") == expected_day  # the dashboard's timeline
        assert day(None) == ""
        at = moment(datetime(2026, 11, 29, 13, 5, tzinfo=UTC))
        assert at.startswith(expected_moment) and ("14:05" in at or "2:05\u202fPM" in at)
