"""Telling advisory boards by mail what happened to their points (only when SMTP is set up).

Called after the request's commit, so a mail never announces something that was rolled back.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, or_, select

from . import links, mail
from .models import Point, Reaction, Role, User


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
