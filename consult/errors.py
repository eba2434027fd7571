"""Error pages in the user's language: full pages for browsers, short text for htmx."""

from flask import g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def _messages():
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Not allowed"), _("You may not see or change this.")),
        404: (_("Not found"), _("This page does not exist (any more).")),
        405: (_("Not allowed"), _("This action is not possible here.")),
        413: (
            _("Too large"),
            _("The file or text is too large (at most 10 MB). Nothing was saved."),
        ),
        500: (
            _("Something went wrong"),
            _("Something went wrong on our side; nothing was changed."),
        ),
    }


def _render(code: int, title: str | None = None, message: str | None = None):
    session = g.get("db")
    if session is not None:
        session.rollback()  # a failed transaction must not break the error page itself
    default_title, default_message = _messages().get(code, _messages()[500])
    title, message = title or default_title, message or default_message
    if request.headers.get("HX-Request"):
        return message, code, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("error.html", code=code, title=title, message=message), code


def init_app(app) -> None:
    """Register the handlers."""
    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, lambda err, code=code: _render(code))
    app.register_error_handler(
        CSRFError,
        lambda err: _render(
            400, _("Form expired"),
            _("The form has expired or is not valid. Reload the page; nothing was saved."),
        ),
    )
