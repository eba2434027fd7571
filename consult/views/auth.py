"""Logging in and out, one-time links, and asking for a new password."""

import math

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import LoginManager, current_user, login_user, logout_user

from .. import accounts, errors, links, mail, throttle
from ..accounts import authenticate
from ..db import get_session
from ..models import User
from .inputs import safe_next

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"


@login_manager.user_loader
def load_user(key: str) -> User | None:
    """The user of this request's login session, unless it ended (logout, new password,
    archived account) or expired: one lookup by primary key. A session in use that is past
    half its lifetime is extended after the response is made (``_renew_session``)."""
    found = accounts.session_user(get_session(), key)
    if found is None:
        return None
    user, expires_at = found
    if accounts.renewal_due(expires_at, current_app.permanent_session_lifetime):
        g.renew_login_session = key
    return user


@bp.after_app_request
def _renew_session(response):
    """Extend the login session flagged by load_user, once the request's own work is done
    (committed or rolled back), in a transaction of its own."""
    key = g.pop("renew_login_session", None)
    if key is not None:
        accounts.renew_session(_engine(), key, current_app.permanent_session_lifetime)
    return response


def _log_out() -> None:
    """End this browser's login session in the database (if any), then in the cookie."""
    key = session.get("_user_id")
    if key:
        db = get_session()
        accounts.end_session(db, key)
        db.commit()
    logout_user()


@login_manager.unauthorized_handler
def unauthorized():
    """Send anonymous visitors to the login page, remembering where they were going."""
    if request.headers.get("HX-Request"):  # plain text: consult.js shows it as it is
        if errors.signed_out_since():
            return errors.signed_out()
        return _("Log in first."), 401, {"Content-Type": "text/plain; charset=utf-8"}
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _engine():
    return current_app.extensions["consult.engine"]


def _address() -> str:
    return request.remote_addr or "?"


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _log_in(db, user: User) -> None:
    """Start a login session in the database and put its key in the signed cookie."""
    key = accounts.start_session(db, user, current_app.permanent_session_lifetime)
    db.commit()
    session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME too
    login_user(user)
    session["_user_id"] = key  # what Flask-Login hands to load_user from now on


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    """The login form; a wrong e-mail or password gets one generic message. A throttled
    attempt is refused before its password is checked (consult/throttle.py)."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    if request.method == "GET":
        return render_template("auth/login.html", error=None, next=next_url)
    email = request.form.get("email", "")
    gate = throttle.start_login(_engine(), email, _address())
    if gate.refused:
        error = ngettext("Too many attempts. Wait %(num)s minute and try again.",
                         "Too many attempts. Wait %(num)s minutes and try again.",
                         _minutes(gate.wait_seconds))
        return render_template("auth/login.html", error=error, next=next_url), 429, {
            "Retry-After": str(gate.wait_seconds)}
    db = get_session()
    user = authenticate(db, email, request.form.get("password", ""))
    throttle.finish_login(_engine(), gate, user is not None)
    if user is None:
        error = _("E-mail address or password is not right.")
        return render_template("auth/login.html", error=error, next=next_url), 401
    _log_in(db, user)
    return redirect(next_url, code=303)


@bp.post("/uitloggen")
def logout():
    """Log out: the login session ends in the database, so a copy of the cookie is void."""
    _log_out()
    flash(_("You are logged out."))
    return redirect(url_for("consultations.index"), code=303)


@bp.route("/account/wachtwoord/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a password through a one-time link (an invitation or a reset)."""
    db = get_session()
    found = accounts.token_user(db, token)
    if found is None:
        return render_template("auth/password.html", invalid=True), 404
    error = None
    if request.method == "POST":
        try:
            user = accounts.redeem(
                db, token, request.form.get("password", ""), request.form.get("confirm", "")
            )
        except accounts.LinkUsed:  # someone else used it a moment ago
            db.rollback()
            return render_template("auth/password.html", invalid=True), 404
        except accounts.AccountError as err:
            db.rollback()
            error = str(err)
        else:
            db.commit()
            _log_out()
            flash(_("Your password is set. Log in with it."))
            return redirect(url_for("auth.login", email=user.email), code=303)
    status = 422 if error else 200
    return render_template("auth/password.html", user=found[1], error=error), status


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address is known.
    Links are mailed only when SMTP and the base URL are configured, and at most a few times
    an hour per e-mail address and per client address (consult/throttle.py)."""
    sent, error, status = False, None, 200
    if request.method == "POST":
        email = request.form.get("email", "")
        gate = throttle.start_reset(_engine(), email, _address()) if mail.sends_links() else None
        if gate is not None and gate.refused:
            error = ngettext(
                "A new link was asked for too often. Try again in %(num)s minute or ask your "
                "administrator.",
                "A new link was asked for too often. Try again in %(num)s minutes or ask your "
                "administrator.", _minutes(gate.wait_seconds))
            status = 429
        else:
            if gate is not None:
                _mail_reset_link(email)
            sent = True
    headers = {"Retry-After": str(gate.wait_seconds)} if status == 429 else {}
    return render_template("auth/forgot.html", sent=sent, error=error,
                           mail=mail.sends_links()), status, headers


def _mail_reset_link(email: str) -> None:
    """Mail a reset link to an active account with this address; nothing for others."""
    db = get_session()
    user = accounts.user_by_email(db, email)
    if user is None or not user.is_active:
        return
    raw = accounts.issue_token(db, user, "reset")
    db.commit()
    link = links.external_url("auth.set_password", token=raw)
    try:
        mail.send(user.email, _("Set a new password"), _(
            "Use this link within two hours to set a new password: %(link)s", link=link))
    except OSError:
        current_app.logger.exception("reset mail to %s failed", user.email)
