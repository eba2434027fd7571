"""Following a stakeholder's points or one point: what happens to them then shows in the inbox."""

from sqlmodel import Session, select

from .models import Follow, User


def _query(user: User, point_id: int | None, stakeholder_id: int | None):
    return select(Follow).where(
        Follow.user_id == user.id,
        Follow.point_id == point_id if point_id is not None else Follow.point_id.is_(None),
        Follow.stakeholder_id == stakeholder_id
        if stakeholder_id is not None
        else Follow.stakeholder_id.is_(None),
    )


def follows(session: Session, user: User, point_id=None, stakeholder_id=None) -> bool:
    """Whether the user follows this point or this stakeholder."""
    return session.exec(_query(user, point_id, stakeholder_id)).first() is not None


def toggle(session: Session, user: User, point_id=None, stakeholder_id=None) -> bool:
    """Follow, or stop following; returns whether the user now follows."""
    found = session.exec(_query(user, point_id, stakeholder_id)).first()
    if found:
        session.delete(found)  # a preference, not domain data
        session.flush()
        return False
    session.add(Follow(user_id=user.id, point_id=point_id, stakeholder_id=stakeholder_id))
    session.flush()
    return True
