"""A point's thread: everything that happened to it and everything said about it, in order."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from . import access, audit
from .models import (
    Consultation,
    Message,
    MessageCreate,
    MessageKind,
    Point,
    Response,
    ResponseStatus,
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
    session: Session, actor: User, consultation: Consultation, point: Point, kind: str, body: str,
    public: bool = False,
) -> Message:
    """Post a message in a point's thread, if the actor may post that kind. ``public`` (the
    secretariat only, not for internal notes) shows it to visitors without an account too."""
    body = body.strip()
    if kind not in access.message_kinds(actor, consultation):
        raise ThreadError(_("You cannot post this kind of message here."))
    internal = kind == MessageKind.internal_note
    if public and (internal or not access.can_process(actor, consultation)):
        raise ThreadError(_("Only the secretariat can make a message public, and never an "
                            "internal note."))
    if not body:
        raise ThreadError(_("Write a message first."))
    if len(body) > MAX_MESSAGE_CHARS:
        raise ThreadError(
            _("The message is too long (%(n)s characters; at most %(max)s).",
              n=len(body), max=MAX_MESSAGE_CHARS)
        )
    message = Message.model_validate(
        MessageCreate.model_validate(
            {"point_id": point.id, "author_id": actor.id, "kind": kind, "body": body,
             "public": public}
        )
    )
    session.add(message)
    session.flush()  # raises the revision, not the figures revision (consult.revisions)
    audit.record(session, actor, "create", message)
    return message


def _visible(query, consultation: Consultation, point: Point, viewer, after_id: int):
    """Restrict a message query to the point's live messages after an id that the viewer may see."""
    query = query.where(
        Message.point_id == point.id, Message.archived == False, Message.id > after_id  # noqa: E712
    )
    if not access.can_see_people(viewer):
        # The public reads the point's story (events, told without names) and only the
        # messages the secretariat made public (see access.py).
        return query.where((Message.public == True) | (Message.kind == MessageKind.system))  # noqa: E712
    if not access.can_see_internal(viewer, consultation):
        query = query.where(Message.kind != MessageKind.internal_note)
    return query


def has_entries_after(session: Session, consultation, point: Point, viewer, after_id: int) -> bool:
    """Whether the viewer has anything new in this thread (one indexed query)."""
    query = _visible(select(Message.id), consultation, point, viewer, after_id)
    return session.exec(query.limit(1)).first() is not None


def last_entry_id(session: Session, consultation, point: Point, viewer) -> int:
    """The id of the newest entry of the thread the viewer may see (0 when none)."""
    query = _visible(select(Message.id), consultation, point, viewer, 0)
    return session.exec(query.order_by(Message.id.desc()).limit(1)).first() or 0


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
    found = [Entry(m, authors.get(m.author_id), responses.get(m.response_id)) for m in messages]
    if access.can_see_drafts(viewer, consultation):
        return found
    return [e for e in found if not _about_a_draft(e)]


def _about_a_draft(entry: Entry) -> bool:
    """An event that tells of a draft answer (the answer is still a draft, or the event was
    written while it was one): the secretariat's work in progress (access.py)."""
    if entry.message.kind != MessageKind.system or entry.response is None:
        return False
    return (entry.response.status == ResponseStatus.draft
            or (entry.message.data or {}).get("status") == ResponseStatus.draft)
