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
