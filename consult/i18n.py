"""Language choice: Dutch by default, English on request (remembered in a cookie)."""

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import Babel

bp = Blueprint("i18n", __name__)
COOKIE = "consult_lang"


def select_locale() -> str:
    """The cookie's language if it is one we speak, else Dutch."""
    lang = request.cookies.get(COOKIE)
    return lang if lang in current_app.config["LANGUAGES"] else "nl"


def safe_next(target: str | None) -> str:
    """Only local paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("consultations.index")


@bp.get("/taal/<lang>")
def switch(lang: str):
    """Switch the interface language and go back to where the user was."""
    response = redirect(safe_next(request.args.get("next")), code=303)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


babel = Babel()


def init_app(app) -> None:
    """Set up Flask-Babel with our locale selector and the language blueprint."""
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
