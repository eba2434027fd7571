"""Language choice: Dutch by default, English on request (remembered in a cookie)."""

from datetime import UTC, date, datetime
from functools import lru_cache

from babel import dates as babel_dates
from babel.dates import get_date_format, get_datetime_format, get_time_format
from flask import Blueprint, current_app, has_request_context, redirect, request
from flask_babel import Babel, format_date, get_locale, get_timezone, get_translations

from .views.inputs import safe_next

bp = Blueprint("i18n", __name__)
COOKIE = "consult_lang"


def select_locale() -> str:
    """The cookie's language if it is one we speak, else Dutch (also for commands)."""
    if not has_request_context():
        return "nl"
    lang = request.cookies.get(COOKIE)
    return lang if lang in current_app.config["LANGUAGES"] else "nl"


@bp.post("/taal/<lang>")
def switch(lang: str):
    """Switch the interface language and go back to where the user was (a POST with CSRF: a
    GET, such as a cross-site image, changes nothing)."""
    response = redirect(safe_next(request.form.get("next")), code=303)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


babel = Babel()


def day(value: date | datetime | str | None) -> str:
    """A date in the reader's language, in its one format: "29 november 2026" in Dutch,
    "November 29, 2026" in English (Babel's long format). Also takes an ISO date string (the
    dashboard's timeline, a commitment's due day in its thread); another string (a meeting's
    name) comes back as it is; None or "" gives ""."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "long")


def moment(value: datetime | None) -> str:
    """A stored time (UTC; naive ones are UTC) as the reader's date in ``day``'s format and the
    time: "29 november 2026, 14:05", "November 29, 2026, 2:05 PM" (Babel's long date-time
    pattern)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # Kept by the instant in UTC: two instants of the hour a zone repeats when its clocks go
    # back compare equal as values of that zone (PostgreSQL hands back times in its session's
    # zone), and the second would read as the first.
    return _moment(value.astimezone(UTC), str(get_locale()), get_timezone())


@lru_cache(maxsize=8192)
def _moment(value: datetime, locale: str, zone) -> str:
    """``moment`` of an aware time in a language and the readers' time zone (a tzinfo),
    kept: lists show the same entries' times on every request ("Nieuw": 20 a page, 35 us
    each, a tenth of the page), and a stored time never changes. 8,192 entries of ~60 bytes."""
    return babel_dates.format_datetime(value, _moment_pattern(locale), tzinfo=zone,
                                       locale=locale)


@lru_cache(maxsize=16)
def _moment_pattern(locale: str) -> str:
    """``moment``'s pattern in a language: Babel's long date-time pattern with the long date
    and the short time put in (worked out once per language, not for every time a list
    shows: three locale look-ups each, a third of the time of a time on "Nieuw")."""
    pattern = str(get_datetime_format("long", locale=locale))
    pattern = pattern.replace("{1}", get_date_format("long", locale=locale).pattern)
    return pattern.replace("{0}", get_time_format("short", locale=locale).pattern)


def _translations():
    """The request's catalogue, looked up once per request (Flask-Babel looks it up for every
    string; a page has hundreds, which was a fifth of the reaction page's time)."""
    if not has_request_context():
        return get_translations()
    found = getattr(request, "_consult_translations", None)
    if found is None:
        found = request._consult_translations = get_translations()
    return found


def init_app(app) -> None:
    """Set up Flask-Babel with our locale selector and the language blueprint."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.register_blueprint(bp)
