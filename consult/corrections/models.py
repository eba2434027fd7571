"""The table of the corrections package: every saved wording of a point."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..models import utcnow


class PointVersion(SQLModel, table=True):
    """One saved state of a point, so that earlier wording stays viewable (as answers keep
    theirs in ResponseVersion). ``state`` is the point's own fields as they were (number,
    heading, body, sender, reaction ...), kept generic so that a column added to Point later is
    kept too; ``action`` says what made this version ("logged", "corrected", "moved",
    "merged", "split")."""

    __table_args__ = (sa.UniqueConstraint("point_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    point_id: int = Field(foreign_key="point.id", index=True)
    version: int
    action: str = Field(max_length=20)
    state: dict = Field(default_factory=dict, sa_type=sa.JSON)
    author_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
