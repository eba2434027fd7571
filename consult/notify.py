"""Telling people by mail (only when SMTP is set up): advisory boards what happened to their
points, the secretariat what arrived (a board's advice, a question in a thread).

Called after the request's commit, so a mail never announces something that was rolled back.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, or_, select

from . import links, mail
from .models import Consultation, Membership, Point, Reaction, Role, User


def board_members(session: Session, point_ids: list[int], actor: User | None) -> list[User]:
    """Active advisory-board members whose board sent (one of) these points."""
    if not point_ids:
        return []
    stakeholders = select(Reaction.stakeholder_id).join(
        Point, Point.reaction_id == Reaction.id
    ).where(Point.id.in_(point_ids))
    senders = select(Point.stakeholder_id).where(
        Point.id.in_(point_ids), Point.stakeholder_id.is_not(None)
    )
    users = session.exec(
        select(User).where(
            User.role == Role.advisory_member,
            User.archived == False,  # noqa: E712
            or_(User.stakeholder_id.in_(stakeholders), User.stakeholder_id.in_(senders)),
        )
    ).all()
    return [u for u in users if actor is None or u.id != actor.id]


def points_changed(session: Session, actor: User | None, point_ids: list[int], what: str) -> int:
    """Mail the boards concerned; returns how many mails went out (0 without SMTP)."""
    if not mail.configured():
        return 0
    sent = 0
    inbox = links.external_url("portal.inbox")  # None without CONSULT_BASE_URL: no link
    body = (_("%(what)s\n\nSee your inbox: %(link)s", what=what, link=inbox) if inbox
            else _("%(what)s\n\nSee your inbox in consult.", what=what))
    for user in board_members(session, point_ids, actor):
        try:
            mail.send(user.email, _("News on your points in consult"), body)
            sent += 1
        except OSError:
            current_app.logger.exception("mail to %s failed", user.email)
    return sent


def answer_told(session: Session, actor: User | None, response, point_ids: list[int],
                what: str) -> int:
    """Mail the boards concerned about an answer to their points (points_changed), but never
    about a draft: it is the secretariat's own until released (the attack: a draft answer's
    text, "INTERN CONCEPT ...", went out by mail). Returns the mails sent."""
    if response.status == "draft":
        return 0
    return points_changed(session, actor, point_ids, what)


def secretariat(session: Session, consultation: Consultation, actor: User | None) -> list[User]:
    """The secretaries of this consultation (its members with the secretary role), active,
    except the one who acted."""
    users = session.exec(
        select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.consultation_id == consultation.id, User.role == Role.secretary,
            User.archived == False)  # noqa: E712
    ).all()
    return [u for u in users if actor is None or u.id != actor.id]


def secretariat_told(session: Session, consultation: Consultation, actor: User | None,
                     what: str, endpoint: str, **values) -> int:
    """Mail the consultation's secretariat that something arrived (``what``, one line or a
    few), with a link to ``endpoint`` when the base URL is known; returns the mails sent."""
    if not mail.configured():
        return 0
    link = links.external_url(endpoint, **values)
    body = (_("%(what)s\n\nSee it in consult: %(link)s", what=what, link=link) if link
            else _("%(what)s\n\nSee it in consult.", what=what))
    sent = 0
    for user in secretariat(session, consultation, actor):
        try:
            mail.send(user.email, _("New in %(title)s", title=consultation.title), body)
            sent += 1
        except OSError:
            current_app.logger.exception("mail to %s failed", user.email)
    return sent
