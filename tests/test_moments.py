"""A stored time as readers see it (consult.i18n.moment): kept per value, language and time
zone, it must read exactly as Flask-Babel formats it, on both sides of every daylight-saving
change and in both languages."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import format_datetime, refresh

from consult import i18n


def _reference(value: datetime, locale: str) -> str:
    """Flask-Babel's own formatting with moment's pattern (what moment did before it kept)."""
    return format_datetime(value, i18n._moment_pattern(locale))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_moment_reads_as_flask_babel_formats_it_across_dst_changes(demo_app, lang):
    rnd = random.Random(7)
    values = [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
              datetime(2026, 10, 25, 0, 59, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
              datetime(2016, 12, 31, 23, 30, tzinfo=UTC), datetime(2026, 6, 1, 12, 5)]  # naive
    values += [datetime(2015, 1, 1, tzinfo=UTC) + timedelta(minutes=rnd.randrange(6_000_000))
               for _ in range(200)]
    with demo_app.test_request_context("/", headers={"Cookie": f"{i18n.COOKIE}={lang}"}):
        refresh()
        for value in values:
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            assert i18n.moment(value) == _reference(aware, lang), value
            assert i18n.moment(value) == i18n.moment(aware)  # kept: the same answer again


def test_the_kept_moment_follows_the_readers_language(demo_app):
    summer = datetime(2026, 7, 1, 14, 5, tzinfo=UTC)  # 16:05 in Amsterdam
    seen = {}
    for lang in ("nl", "en", "nl"):
        with demo_app.test_request_context("/", headers={"Cookie": f"{i18n.COOKIE}={lang}"}):
            seen.setdefault(lang, set()).add(i18n.moment(summer))
    assert seen == {"nl": {"1 juli 2026, 16:05"}, "en": {"July 1, 2026, 4:05\u202fPM"}}


def test_the_two_instants_of_a_repeated_hour_read_apart(demo_app):
    """A database session in a zone with daylight saving (PostgreSQL returns times in its
    TimeZone) hands back 05:30 and 06:30 UTC on 1 November 2026 as 01:30 New York time twice
    (fold 0 and 1), equal as Python values: each must read as its own instant (06:30 and 07:30
    in Amsterdam), not as the first one kept."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=zone)
    second = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=zone)
    assert first == second and first.astimezone(UTC) != second.astimezone(UTC)
    with demo_app.test_request_context("/"):
        refresh()
        assert i18n.moment(first) == "1 november 2026, 06:30"
        assert i18n.moment(second) == "1 november 2026, 07:30"
        assert i18n.moment(first) == _reference(first.astimezone(UTC), "nl")
