"""Error pages in the user's language: full pages for browsers, short text for htmx."""

import logging

from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from .files import Missing
from .submissions import Resubmitted

log = logging.getLogger("consult.errors")


def _messages():
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Not allowed"), _("You may not see or change this.")),
        404: (_("Not found"), _("This page does not exist (any more).")),
        405: (_("Not allowed"), _("This action is not possible here.")),
        409: (_("Changed in the meantime"),
              _("This was changed in the meantime; nothing was saved. Reload the page.")),
        413: (
            _("Too large"),
            _("The file or text is too large (at most 10 MB). Nothing was saved."),
        ),
        500: (
            _("Something went wrong"),
            _("Something went wrong on our side; nothing was changed."),
        ),
    }


# The 4xx codes htmx swaps into the page (templates/base.html, responseHandling): a form
# answered in place. A bare message for one of those goes to the toast instead.
_SWAPPED = (409, 413, 422)


def _render(code: int, title: str | None = None, message: str | None = None):
    session = g.get("db")
    if session is not None:
        session.rollback()  # a failed transaction must not break the error page itself
    messages = _messages()
    default_title, default_message = messages.get(code, messages[500])
    title, message = title or default_title, message or default_message
    if request.headers.get("HX-Request"):
        if code in (401, 403, 404) and signed_out_since():
            return signed_out()
        if code in _SWAPPED:  # as plain text it would replace the form (and what was typed)
            return _toast(message), code, {"HX-Retarget": "#toast", "HX-Reswap": "outerHTML"}
        return message, code, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("error.html", code=code, title=title, message=message), code


def signed_out_since() -> bool:
    """Whether this htmx request comes from a page shown to someone signed in (base.html
    sends X-Consult-Signed-In) who is not signed in any more: logged out in another tab, or
    the session ended. Their 403 or 404 is really "log in again"."""
    return (bool(request.headers.get("X-Consult-Signed-In"))
            and not getattr(current_user, "is_authenticated", False))


def signed_out():
    """The answer to such a request: 401 with a sentence that says what happened and that
    what was typed is still on the page (htmx does not swap a 401)."""
    return (_("You are logged out (perhaps in another window). Log in again in a new tab; "
              "what you typed here is still on this page."), 401,
            {"Content-Type": "text/plain; charset=utf-8"})


def _toast(message: str) -> str:
    return f'<div id="toast" class="toast" role="alert">{escape(message)}</div>'


def _aborted(err, code: int):
    """An ``abort(code)``: the view's own sentence when it gave one (``abort(409, _("..."))``),
    else the code's general one."""
    own = getattr(err, "description", None)
    default = getattr(type(err), "description", None)
    return _render(code, message=own if own and own != default and code < 500 else None)


def _database_unavailable(err):
    """The database is down, restarting or locked too long: a 503 in the user's language, one
    log line, and a page that asks nothing of the database (not even who is logged in)."""
    detail = str(getattr(err, "orig", None) or err).strip().splitlines() or [type(err).__name__]
    log.warning("database unavailable: %s %s: %s", request.method, request.path, detail[0])
    session = g.pop("db", None)
    if session is not None:
        try:
            session.close()
        except Exception:  # noqa: BLE001 - the connection is gone; the pool discards it
            pass
    g._login_user = current_app.login_manager.anonymous_user()
    return _render(503, _("Not available"),
                   _("The database cannot be reached right now. Try again in a moment."))


def same_moment() -> str:
    """What a user is told when someone else's save at the same moment made theirs fail."""
    return _("Someone else saved a change here at the same moment, so nothing was saved. "
             "Your text is still here: save again.")


def _lost_race(err):
    """A write that lost a race no view expected (a unique key taken, a row changed under it):
    409, never 500. An htmx request keeps its page (and the text typed in it): the message
    goes to the toast; a plain form gets the error page (the browser's Back keeps the form)."""
    log.warning("conflict: %s %s: %s", request.method, request.path, type(err).__name__)
    return _conflict(same_moment())


def _conflict(message: str):
    """409 with the message: in the toast for htmx (the page and its text stay), else a page."""
    session = g.get("db")
    if session is not None:
        session.rollback()
    if request.headers.get("HX-Request"):
        return _toast(message), 409, {"HX-Retarget": "#toast", "HX-Reswap": "outerHTML"}
    return _render(409, _("Saved at the same moment"), message)


def _missing_file(err):
    """A row names a stored file that is not there (a folder not mounted on this machine, a
    file removed by hand): 404 with a sentence that says so, and a log line for the admin."""
    log.warning("stored file missing: %s %s: %s", request.method, request.path, err)
    return _render(404, _("File not found"),
                   _("This file is not in the file storage (any more). Ask the administrator "
                     "to restore it from a backup."))


def init_app(app) -> None:
    """Register the handlers."""
    for code in (400, 403, 404, 405, 409, 413, 500):
        app.register_error_handler(code, lambda err, code=code: _aborted(err, code))
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(IntegrityError, _lost_race)
    app.register_error_handler(StaleDataError, _lost_race)
    app.register_error_handler(Missing, _missing_file)
    app.register_error_handler(Resubmitted, lambda err: _conflict(str(err)))
    app.register_error_handler(
        CSRFError,
        lambda err: _render(
            400, _("Form expired"),
            _("The form has expired or is not valid. Reload the page; nothing was saved."),
        ),
    )
