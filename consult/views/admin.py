"""Account management for the admin: create users, hand out one-time links, memberships."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .. import access, accounts, audit, links, mail
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


def _page(handed=None, error=None, status=200):
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
        handed=handed or {},
        error=error,
    ), status


def _hand_out(user: User, purpose: str) -> dict:
    """Issue a one-time link and commit; mail it when SMTP and the base URL are configured,
    else return it for the admin to hand on. The page says which:
    {"mailed_to": address} or {"link": url, "why": "no_mail" | "no_base_url" | "mail_failed"}."""
    session = get_session()
    raw = accounts.issue_token(session, user, purpose)
    session.commit()
    url = links.handed_url("auth.set_password", token=raw)
    if links.base_url() is None:
        return {"link": url, "why": "no_base_url"}
    if not mail.configured():
        return {"link": url, "why": "no_mail"}
    try:
        mail.send(user.email, _("Your account for consult"), _(
            "Use this link to set your password: %(link)s", link=url))
    except OSError:
        current_app.logger.exception("mail with a one-time link to %s failed", user.email)
        return {"link": url, "why": "mail_failed"}
    return {"mailed_to": user.email}


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
        session.flush()
        handed = _hand_out(user, "invite")
    except ValidationError:
        session.rollback()
        return _page(error=_("Fill in a valid e-mail address, a name and a role."), status=422)
    except IntegrityError:
        session.rollback()
        return _page(error=_("There is already an account with this e-mail address."),
                     status=422)
    return _page(handed=handed)


@bp.post("/gebruikers/<int:user_id>/<any(link, lidmaatschap, archiveren, herstellen):action>")
def change(user_id: int, action: str):
    """A new one-time link, changed memberships, or archive / restore an account."""
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    before = audit.snapshot(user)
    if action == "link":
        return _page(handed=_hand_out(user, "invite" if not user.password_hash else "reset"))
    if action == "lidmaatschap":
        _memberships(session, user)
        audit.record(session, current_user, "change", user, before).after["consultations"] = [
            *form_ids("consultation_ids")
        ]
    elif user.id == current_user.id:
        return _page(error=_("You cannot archive your own account."), status=422)
    else:
        user.archived = action == "archiveren"
        accounts.end_sessions(session, user)  # log the account out everywhere
        accounts.end_links(session, user)
        session.add(user)
        session.flush()
        audit.record(session, current_user, "archive" if user.archived else "restore", user,
                     before)
    session.commit()
    return redirect(url_for(".users"), code=303)
