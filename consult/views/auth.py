"""Logging in and out."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user

from ..accounts import authenticate
from ..db import get_session
from ..i18n import safe_next
from ..models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user for this request, unless archived or the password changed since."""
    uid, _sep, version = user_id.partition(":")
    user = get_session().get(User, int(uid)) if uid.isdigit() else None
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
        user = authenticate(
            get_session(), request.form.get("email", ""), request.form.get("password", "")
        )
        if user is not None:
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            login_user(user)
            return redirect(next_url, code=303)
        error = _("E-mail address or password is not right.")
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, next=next_url), status


@bp.post("/uitloggen")
def logout():
    """Log out and go to the start page."""
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("consultations.index"), code=303)
