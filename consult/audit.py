"""The audit trail: who did what when, with the state before and after."""

from datetime import date, datetime

from sqlmodel import Session, SQLModel, select

from .models import AuditEvent, User
from .rendered import HTML_COLUMNS

_SECRET = {"password_hash", "token_hash"}


def snapshot(obj: SQLModel) -> dict:
    """The row's fields as JSON-safe values (secrets and stored HTML, derived from the text
    beside it, left out)."""
    data = {}
    for key, value in obj.model_dump().items():
        if key in _SECRET or (obj.__tablename__, key) in HTML_COLUMNS:
            continue
        data[key] = value.isoformat() if isinstance(value, date | datetime) else value
    return data


def record(
    session: Session, actor: User | None, action: str, obj: SQLModel, before: dict | None = None
) -> AuditEvent:
    """Add an audit event for a created, changed, archived or restored row."""
    event = AuditEvent(
        user_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
        action=action,
        entity=obj.__tablename__,
        entity_id=obj.id,
        before=before,
        after=snapshot(obj),
    )
    session.add(event)
    return event


def change(session: Session, actor: User | None, action: str, obj: SQLModel,
           noted: dict | None = None, **values) -> AuditEvent:
    """Set ``values`` (column name -> new value) on ``obj``, flush, and record ``action`` with
    the row's state before and after. ``noted`` adds to the "before" what the row alone does
    not hold (a theme's point ids). Only flushes; the request commits."""
    before = snapshot(obj) | (noted or {})
    for key, value in values.items():
        setattr(obj, key, value)
    session.add(obj)
    session.flush()
    return record(session, actor, action, obj, before)


def history(session: Session, entity: str, entity_id: int) -> list[tuple[AuditEvent, User | None]]:
    """The audit events of one row, oldest first, with their actors."""
    return list(
        session.exec(
            select(AuditEvent, User)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        )
    )
