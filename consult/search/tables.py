"""The tables of the PostgreSQL search backend (pgsearch.py) and of index ownership.

``search_document`` holds the same documents documents.py builds for Whoosh, one row each,
with the terms consult's own analysis (analysis.index_terms) produced as a ``tsvector`` (GIN
index): PostgreSQL never analyses text itself here. On SQLite the table exists (the schema is
one for both engines) and stays empty.

``search_state`` holds small facts about the search index that every machine must see: the
analysis the PostgreSQL documents were built with, and which machine owns a Whoosh index
(service.claim_owner).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from ..models import utcnow

# A tsvector on PostgreSQL; plain text elsewhere (never filled there).
TERMS_TYPE = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
# A text[] on PostgreSQL (GIN-indexed: ``@>`` finds a value); JSON elsewhere (never filled).
VALUES_TYPE = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


class SearchDocument(SQLModel, table=True):
    """One search document (documents.py), its facet values as text, its terms as tsvector."""

    __tablename__ = "search_document"
    __table_args__ = (
        sa.Index("ix_search_document_terms", "terms", postgresql_using="gin"),
        sa.Index("ix_search_document_kind_ident", "kind", "ident"),
        sa.Index("ix_search_document_stakeholders", "stakeholders", postgresql_using="gin"),
    )

    key: str = Field(primary_key=True, max_length=24)
    kind: str = Field(max_length=20)
    ident: int  # the id in the key ("p12" -> 12): a rebuild walks ids in ranges
    consultation: str = Field(default="", max_length=20)
    stakeholder: str = Field(default="", max_length=20)
    skind: str = Field(default="", max_length=40)
    channel: str = Field(default="", max_length=40)
    status: str = Field(default="", max_length=40)
    year: str = Field(default="", max_length=8)
    internal: str = Field(default="", max_length=10)
    destinations: str = Field(default="")  # destination ids separated by spaces
    # Every stakeholder (id) and stakeholder kind of the document: an answer to the points of
    # several senders has several (documents.py); ``stakeholder``/``skind`` hold the first.
    stakeholders: list = Field(default_factory=list, sa_type=VALUES_TYPE)
    skinds: list = Field(default_factory=list, sa_type=VALUES_TYPE)
    stamp: int = Field(default=0, sa_type=sa.BigInteger, index=True)
    terms: str | None = Field(default=None, sa_type=TERMS_TYPE)


class SearchState(SQLModel, table=True):
    """A named fact about the search index ("pg_analysis", "whoosh_owner")."""

    __tablename__ = "search_state"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
