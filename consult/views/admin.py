"""Account management for the admin: create users, hand out one-time links, memberships."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .. import access, accounts, audit, mail
from ..db import get_session
from ..models import Consultation, Membership, Role, Stakeholder, User
from .inputs import form_id, form_ids

bp = Blueprint("admin", __name__, url_prefix="/beheer")


@bp.before_request
@login_required
def _admins_only():
    """Every page here is for the admin."""
    if not access.is_admin(current_user):
        abort(403)


def _page(link=None, error=None, status=200):
    session = get_session()
    users = session.exec(select(User).order_by(User.archived, User.name)).all()
    members: dict[int, set[int]] = {}
    for m in session.exec(select(Membership)):
        members.setdefault(m.user_id, set()).add(m.consultation_id)
    return render_template(
        "admin/users.html",
        users=users,
        members=members,
        consultations=session.exec(select(Consultation).order_by(Consultation.title)).all(),
        stakeholders=session.exec(select(Stakeholder).order_by(Stakeholder.name)).all(),
        roles=[r.value for r in Role],
        link=link,
        error=error,
    ), status


def _link(user: User, purpose: str) -> str | None:
    """Create a one-time link; mail it when SMTP is set up, else return it to show the admin."""
    raw = accounts.issue_token(get_session(), user, purpose)
    url = url_for("auth.set_password", token=raw, _external=True)
    if mail.configured():
        mail.send(user.email, _("Your account for consult"), _(
            "Use this link to set your password: %(link)s", link=url))
        return None
    return url


@bp.get("/gebruikers")
def users():
    """All accounts, with their role, board and consultations."""
    return _page()


def _memberships(session, user: User) -> None:
    """Set the user's consultations to the ticked ones."""
    wanted = set(form_ids("consultation_ids"))
    current = {
        m.consultation_id: m
        for m in session.exec(select(Membership).where(Membership.user_id == user.id))
    }
    for cid in wanted - current.keys():
        if session.get(Consultation, cid) is not None:
            session.add(Membership(consultation_id=cid, user_id=user.id))
    for cid in current.keys() - wanted:
        session.delete(current[cid])  # a link row; the audit trail records the change


@bp.post("/gebruikers")
def create():
    """Create an account and hand out its invitation link."""
    session = get_session()
    stakeholder_id = form_id("stakeholder_id")
    if stakeholder_id is not None and session.get(Stakeholder, stakeholder_id) is None:
        stakeholder_id = None
    try:
        user = accounts.create_user(
            session,
            actor=current_user,
            email=request.form.get("email", "").strip(),
            name=" ".join(request.form.get("name", "").split()),
            role=request.form.get("role", ""),
            stakeholder_id=stakeholder_id if stakeholder_id else None,
        )
        _memberships(session, user)
        link = _link(user, "invite")
        session.commit()
    except ValidationError:
        session.rollback()
        return _page(error=_("Fill in a valid e-mail address, a name and a role."), status=422)
    except IntegrityError:
        session.rollback()
        return _page(error=_("There is already an account with this e-mail address."),
                     status=422)
    return _page(link=link)


@bp.post("/gebruikers/<int:user_id>/<any(link, lidmaatschap, archiveren, herstellen):action>")
def change(user_id: int, action: str):
    """A new one-time link, changed memberships, or archive / restore an account."""
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    link = None
    before = audit.snapshot(user)
    if action == "link":
        link = _link(user, "invite" if not user.password_hash else "reset")
    elif action == "lidmaatschap":
        _memberships(session, user)
        audit.record(session, current_user, "change", user, before).after["consultations"] = [
            *form_ids("consultation_ids")
        ]
    elif user.id == current_user.id:
        return _page(error=_("You cannot archive your own account."), status=422)
    else:
        user.archived = action == "archiveren"
        user.session_version += 1  # log the account out everywhere
        session.add(user)
        session.flush()
        audit.record(session, current_user, "archive" if user.archived else "restore", user,
                     before)
    session.commit()
    if link:
        return _page(link=link)
    return redirect(url_for(".users"), code=303)
