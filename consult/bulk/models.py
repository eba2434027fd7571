"""The tables of the bulk package: answer templates, status labels and bulk actions."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..models import CleanInput, Tracked, utcnow


class AnswerTemplateCreate(CleanInput):
    consultation_id: int
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)


class AnswerTemplate(Tracked, table=True):
    """A consultation's reusable answer text ("Dit punt wordt meegenomen in {bestemming}."),
    its placeholders filled for the points it answers (consult/bulk/answertemplates.py)."""

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_type=sa.Text)


class StatusLabel(SQLModel, table=True):
    """A consultation's own word for one of the five answer states (ResponseStatus): shown
    instead of the standard word on that consultation's pages; counting stays by state."""

    consultation_id: int = Field(foreign_key="consultation.id", primary_key=True)
    status: str = Field(max_length=32, primary_key=True)
    label: str = Field(max_length=60)


class BulkAction(SQLModel, table=True):
    """One bulk action on a selection of points, with what it takes to undo it as a whole:
    ``data`` = {"changed": [[response_id, version_after, status_before, [destination_id, ...]],
    ...], "created": [response_id, ...], "themes": [[theme_id, [point_id, ...]], ...],
    "points": [point_id, ...]}."""

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=20)
    data: dict = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    undone_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
