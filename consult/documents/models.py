"""The tables of the documents package: a destination's document in versions, each version's
sections, and the section a landing names."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..models import Versioned, utcnow


class DocumentVersion(Versioned, SQLModel, table=True):
    """One version of the document a destination stands for ("Inkoopplan 2017"): its label
    ("concept", "definitief"), its date, its text as read, and the original upload when there
    was one (`stored_name` in the file store, consult/files.py; "" for pasted text). A
    removed version is kept (`removed`) so that its removal can be undone; `version` counts
    changes of label and date (a form that showed an older one is stale)."""

    id: int | None = Field(default=None, primary_key=True)
    destination_id: int = Field(foreign_key="destination.id", index=True)
    label: str = Field(max_length=100)
    dated: date
    text: str = Field(sa_type=sa.Text)
    filename: str = Field(default="", max_length=255)
    stored_name: str = Field(default="", max_length=64)
    content_type: str = Field(default="", max_length=100)
    size: int = 0
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    removed: bool = False
    version: int = 1


class DocumentSection(SQLModel, table=True):
    """A section of one version: number ("4.3", None), title, level (1 = chapter), where it
    lies in the version's text, and its anchor: the same in every version where the section
    still exists, so that points landed in it stay with it."""

    __table_args__ = (sa.UniqueConstraint("version_id", "anchor"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="documentversion.id", index=True)
    anchor: str = Field(max_length=80)
    position: int
    number: str | None = Field(default=None, max_length=40)
    title: str = Field(max_length=300)
    level: int = 1
    start: int
    end: int


class SectionLanding(SQLModel, table=True):
    """The section of the destination's document a landing names (by anchor, so it holds for
    every version where the section exists), and the sentence quoted from it ("" if none)."""

    landing_id: int = Field(foreign_key="landing.id", primary_key=True)
    destination_id: int = Field(foreign_key="destination.id", index=True)
    anchor: str = Field(max_length=80)
    quote: str = Field(default="", max_length=1000)
