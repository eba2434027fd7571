"""The invitations table: which stakeholders a consultation invited to react."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..models import utcnow


class Invitation(SQLModel, table=True):
    """A stakeholder invited to react to a consultation. Removing it archives the row (the
    audit trail keeps who did what); inviting it again brings the same row back. A reminder
    sets ``reminded_at`` and bumps ``reminders`` (which also guards against sending twice)."""

    __table_args__ = (sa.UniqueConstraint("consultation_id", "stakeholder_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    stakeholder_id: int = Field(foreign_key="stakeholder.id", index=True)
    invited_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    invited_by_id: int | None = Field(default=None, foreign_key="user.id")
    reminded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reminders: int = Field(default=0)
    archived: bool = Field(default=False, index=True)
