"""Language choice: Dutch by default, English on request (remembered in a cookie)."""

from flask import Blueprint, current_app, has_request_context, redirect, request
from flask_babel import Babel, get_translations

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
