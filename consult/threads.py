"""A point's thread: everything that happened to it and everything said about it, in order."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from . import access, audit
from .intake import bump_revision
from .models import (
    Consultation,
    Message,
    MessageCreate,
    MessageKind,
    Point,
    Response,
    User,
)

MAX_MESSAGE_CHARS = 20_000


class ThreadError(ValueError):
    """A message that cannot be posted as it is."""


@dataclass
class Entry:
    message: Message
    author: User | None
    response: Response | None


def post_message(
    session: Session, actor: User, consultation: Consultation, point: Point, kind: str, body: str
) -> Message:
    """Post a message in a point's thread, if the actor may post that kind."""
    body = body.strip()
    if kind not in access.message_kinds(actor, consultation):
        raise ThreadError(_("You cannot post this kind of message here."))
    if not body:
        raise ThreadError(_("Write a message first."))
    if len(body) > MAX_MESSAGE_CHARS:
        raise ThreadError(
            _("The message is too long (%(n)s characters; at most %(max)s).",
              n=len(body), max=MAX_MESSAGE_CHARS)
        )
    message = Message.model_validate(
        MessageCreate.model_validate(
            {"point_id": point.id, "author_id": actor.id, "kind": kind, "body": body}
        )
    )
    session.add(message)
    bump_revision(session, consultation.id)
    session.flush()
    audit.record(session, actor, "create", message)
    return message


def _visible(query, consultation: Consultation, point: Point, viewer, after_id: int):
    """Restrict a message query to the point's live messages after an id that the viewer may see."""
    query = query.where(
        Message.point_id == point.id, Message.archived == False, Message.id > after_id  # noqa: E712
    )
    if not access.can_see_internal(viewer, consultation):
        query = query.where(Message.kind != MessageKind.internal_note)
    return query


def has_entries_after(session: Session, consultation, point: Point, viewer, after_id: int) -> bool:
    """Whether the viewer has anything new in this thread (one indexed query)."""
    query = _visible(select(Message.id), consultation, point, viewer, after_id)
    return session.exec(query.limit(1)).first() is not None


def entries(
    session: Session, consultation: Consultation, point: Point, viewer, after_id: int = 0
) -> list[Entry]:
    """The thread's entries the viewer may see, oldest first, optionally only those after an id."""
    messages = session.exec(
        _visible(select(Message), consultation, point, viewer, after_id).order_by(Message.id)
    ).all()
    author_ids = {m.author_id for m in messages if m.author_id}
    response_ids = {m.response_id for m in messages if m.response_id}
    authors = (
        {u.id: u for u in session.exec(select(User).where(User.id.in_(author_ids)))}
        if author_ids else {}
    )
    responses = (
        {r.id: r for r in session.exec(select(Response).where(Response.id.in_(response_ids)))}
        if response_ids else {}
    )
    return [Entry(m, authors.get(m.author_id), responses.get(m.response_id)) for m in messages]
