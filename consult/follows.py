"""Following a stakeholder's points, a destination's points or one point (what happens to them
then shows in the inbox), and what a user has seen of each thread (the rest is unread)."""

import sqlalchemy as sa
from sqlmodel import Session, select

from .models import Follow, Message, MessageKind, ThreadVisit, User, utcnow

_TARGETS = ("point_id", "stakeholder_id", "destination_id")


def _query(user: User, **target):
    conditions = [Follow.user_id == user.id]
    for name in _TARGETS:
        column = getattr(Follow, name)
        value = target.get(name)
        conditions.append(column == value if value is not None else column.is_(None))
    return select(Follow).where(*conditions)


def follows(session: Session, user: User, point_id=None, stakeholder_id=None,
            destination_id=None) -> bool:
    """Whether the user follows this point, stakeholder or destination."""
    target = {"point_id": point_id, "stakeholder_id": stakeholder_id,
              "destination_id": destination_id}
    return session.exec(_query(user, **target)).first() is not None


def toggle(session: Session, user: User, point_id=None, stakeholder_id=None,
           destination_id=None) -> bool:
    """Follow, or stop following; returns whether the user now follows."""
    target = {"point_id": point_id, "stakeholder_id": stakeholder_id,
              "destination_id": destination_id}
    found = session.exec(_query(user, **target)).first()
    if found:
        session.delete(found)  # a preference, not domain data
        session.flush()
        return False
    session.add(Follow(user_id=user.id, **target))
    session.flush()
    return True


# --- read and unread ----------------------------------------------------------------------


def seen(session: Session, user: User, point_id: int, message_id: int) -> None:
    """The user has seen the point's thread up to this entry."""
    visit = session.get(ThreadVisit, (user.id, point_id))
    if visit is None:
        session.add(ThreadVisit(user_id=user.id, point_id=point_id, seen_message_id=message_id))
    elif message_id > visit.seen_message_id:
        visit.seen_message_id = message_id
        visit.seen_at = utcnow()
        session.add(visit)
    session.flush()


def unread(session: Session, user: User, point_ids: list[int],
           internal_for: set[int] | None = None) -> dict[int, int]:
    """Per point: how many thread entries the user has not seen (points with none left out).

    A thread the user never opened counts everything people wrote in it; internal notes only
    count for points in ``internal_for`` (the secretariat's)."""
    if not point_ids:
        return {}
    visits = dict(session.exec(
        select(ThreadVisit.point_id, ThreadVisit.seen_message_id).where(
            ThreadVisit.user_id == user.id, ThreadVisit.point_id.in_(point_ids))
    ).all())
    rows = session.exec(
        select(Message.point_id, Message.id, Message.kind).where(
            Message.point_id.in_(point_ids), Message.archived == sa.false(),
            Message.author_id.is_distinct_from(user.id),
        )
    ).all()
    counts: dict[int, int] = {}
    for point_id, message_id, kind in rows:
        if kind == MessageKind.internal_note and point_id not in (internal_for or set()):
            continue
        if point_id not in visits and kind == MessageKind.system:
            continue  # a thread never opened: the people's messages, not the log lines
        if message_id > visits.get(point_id, 0):
            counts[point_id] = counts.get(point_id, 0) + 1
    return counts
