"""Logging in and out."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user

from .. import accounts, mail
from ..accounts import authenticate
from ..db import get_session
from ..models import User
from .inputs import safe_next, to_id

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user for this request, unless archived or the password changed since."""
    uid, _sep, version = user_id.partition(":")
    user_id_number = to_id(uid)
    user = get_session().get(User, user_id_number) if user_id_number else None
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Send anonymous visitors to the login page, remembering where they were going."""
    if request.headers.get("HX-Request"):
        return _("Log in first."), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    """The login form; a wrong e-mail or password gets one generic message."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    error = None
    if request.method == "POST":
        db = get_session()
        email = request.form.get("email", "")
        address = request.remote_addr or "?"
        if accounts.login_blocked(db, email, address):
            error = _("Too many attempts. Wait a quarter of an hour and try again.")
            return render_template("auth/login.html", error=error, next=next_url), 429
        user = authenticate(db, email, request.form.get("password", ""))
        if user is not None:
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            login_user(user)
            return redirect(next_url, code=303)
        accounts.record_failure(db, email, address)
        db.commit()
        error = _("E-mail address or password is not right.")
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, next=next_url), status


@bp.post("/uitloggen")
def logout():
    """Log out and go to the start page."""
    logout_user()
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
        except accounts.AccountError as err:
            db.rollback()
            error = str(err)
        else:
            db.commit()
            logout_user()
            flash(_("Your password is set. Log in with it."))
            return redirect(url_for("auth.login", email=user.email), code=303)
    status = 422 if error else 200
    return render_template("auth/password.html", user=found[1], error=error), status


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    sent = False
    if request.method == "POST":
        db = get_session()
        user = accounts.user_by_email(db, request.form.get("email", ""))
        if user is not None and user.is_active and mail.configured():
            raw = accounts.issue_token(db, user, "reset")
            db.commit()
            link = url_for("auth.set_password", token=raw, _external=True)
            mail.send(user.email, _("Set a new password"), _(
                "Use this link within two hours to set a new password: %(link)s", link=link))
        sent = True
    return render_template("auth/forgot.html", sent=sent, mail=mail.configured())
