"""The tables of the themes package: a consultation's themes, their points and suggestions."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..models import Tracked, utcnow


class Theme(Tracked, table=True):
    """A subject of one consultation ("Overgang 18-/18+"), holding points of any reactions.
    ``position`` orders the board (ascending); a deleted theme is archived, its point links
    kept (so it can be restored whole); every reader skips the links of an archived theme."""

    __table_args__ = (sa.Index("ix_theme_consultation_live", "consultation_id", "archived",
                               "position"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    position: int = 0


class ThemePoint(SQLModel, table=True):
    """A point sits in a theme (a point may sit in several themes)."""

    theme_id: int = Field(foreign_key="theme.id", primary_key=True)
    point_id: int = Field(foreign_key="point.id", primary_key=True, index=True)
    added_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class ThemeSuggestion(SQLModel, table=True):
    """A theme the computer suggested (consult/themes/suggest.py), kept until the secretary
    accepts it (it becomes a Theme), drops it or asks for new suggestions. ``point_ids`` is the
    list of Point ids in board order; ``label`` its name (the most telling shared words, or
    what the secretary renamed it to)."""

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    label: str = Field(max_length=200)
    position: int = 0
    point_ids: list = Field(default_factory=list, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
