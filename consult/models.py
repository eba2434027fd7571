"""All tables and the input models that validate what goes into them."""

import enum
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from markupsafe import Markup
from pydantic import field_validator, model_validator
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from .cleantext import clean_value

# Named constraints, so that Alembic's batch mode can alter SQLite tables.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """A stored time as UTC-aware (SQLite hands back naive datetimes)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class ConsultationStatus(enum.StrEnum):
    """The lifecycle of a consultation (consult/lifecycle): one step at a time, see its
    TRANSITIONS. Who may see it follows from the state (consult/access.py)."""

    concept = "concept"
    open = "open"
    closed = "closed"
    decided = "decided"
    published = "published"
    archived = "archived"


class StakeholderKind(enum.StrEnum):
    municipality = "municipality"
    executive = "executive"
    council = "council"
    council_faction = "council_faction"
    advisory_board = "advisory_board"
    working_group = "working_group"
    joint_group = "joint_group"
    care_provider = "care_provider"
    other = "other"


class Channel(enum.StrEnum):
    ambtelijke_uitvraag = "ambtelijke_uitvraag"
    collegebrief = "collegebrief"
    raadsbesluit = "raadsbesluit"
    advies = "advies"
    zienswijze = "zienswijze"
    gezamenlijke_reactie = "gezamenlijke_reactie"
    other = "other"


class DestinationKind(enum.StrEnum):
    document_section = "document_section"
    standing_body = "standing_body"
    decision = "decision"
    not_adopted = "not_adopted"
    noted = "noted"


class ResponseStatus(enum.StrEnum):
    draft = "draft"
    proposed = "proposed"
    adopted = "adopted"
    done = "done"
    not_adopted = "not_adopted"


class CommitmentStatus(enum.StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class MessageKind(enum.StrEnum):
    comment = "comment"
    question = "question"
    answer = "answer"
    internal_note = "internal_note"
    system = "system"


class Role(enum.StrEnum):
    admin = "admin"
    secretary = "secretary"
    councillor = "councillor"
    advisory_member = "advisory_member"
    viewer = "viewer"


def _enum_column(length: int = 32):
    """Enums are stored as short strings: portable and easy to extend by migration."""
    return Field(sa_type=sa.String(length), index=True)


class Versioned:
    """Optimistic locking for a table with a ``version`` column: every ORM UPDATE of the row
    carries ``WHERE version = <the version this session loaded>`` and raises StaleDataError
    when another transaction changed the row first, so no save can overwrite a change it never
    saw. The application bumps the version itself (``version_id_generator=False``): only a
    change of content makes a new version (answers keep a snapshot per version), archiving
    does not."""

    @declared_attr
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}


class CleanInput(SQLModel):
    """An input model whose text is cleaned of control characters before it is validated, so
    that "\x01" alone fails a required field instead of being stored (see cleantext)."""

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data):
        return clean_value(data) if isinstance(data, dict) else data


class RenderedHTML(sa.TypeDecorator):
    """HTML that consult/text.py made from a user's text (sanitised), stored beside the text.

    Read back as Markup, so pages show it as HTML without ``|safe``; only Markup (what
    ``render_markdown`` returns) can be written, so no other string ends up shown as HTML.
    Filled by consult/rendered.py."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and not isinstance(value, Markup):
            raise TypeError("only HTML from consult.text.render_markdown can be stored")
        return None if value is None else str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Markup(value)


def _rendered():
    """The HTML column beside a Markdown text (consult/rendered.py keeps it up to date)."""
    return Field(default=None, sa_type=RenderedHTML)


class Tracked(SQLModel):
    """Timestamps and the archived flag every table carries: nothing is hard-deleted."""

    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )
    archived: bool = Field(default=False, index=True)


# --- Consultation ---------------------------------------------------------------


class ConsultationBase(CleanInput):
    slug: str = Field(max_length=120, schema_extra={"pattern": r"^[a-z0-9][a-z0-9-]*$"})
    title: str = Field(min_length=1, max_length=300)
    document: str = Field(default="", max_length=500)
    document_url: str = Field(default="", max_length=500)
    organiser: str = Field(default="", max_length=300)
    opened_on: date | None = None
    closes_on: date | None = None
    status: ConsultationStatus = ConsultationStatus.concept
    description: str = Field(default="", max_length=100_000)
    decided_by: str = Field(default="", max_length=300)
    decided_on: date | None = None


class ConsultationCreate(ConsultationBase):
    @field_validator("closes_on")
    @classmethod
    def _closes_after_opening(cls, v, info):
        opened = info.data.get("opened_on")
        if v and opened and v < opened:
            raise ValueError("closes_on lies before opened_on")
        return v


class Consultation(Versioned, Tracked, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    title: str = Field(max_length=300)
    # The document under consultation: its name, and a link to it (http/https) or an uploaded
    # file (an Attachment with this consultation's id; the newest one counts, a link wins).
    document: str = Field(default="", max_length=500)
    document_url: str = Field(default="", max_length=500)
    organiser: str = Field(default="", max_length=300)
    opened_on: date | None = None
    closes_on: date | None = None
    status: str = _enum_column()
    description: str = Field(default="", sa_type=sa.Text)
    description_html: str | None = _rendered()
    decided_by: str = Field(default="", max_length=300)
    decided_on: date | None = None
    # Bumped by every change inside the consultation: open pages poll it to refresh.
    revision: int = Field(default=0)
    # Bumped with ``revision`` by every change except thread messages: the figures (counts,
    # progress, charts) cannot change without it, so they are kept per figures_revision and
    # survive the chatter (consult/revisions.py).
    figures_revision: int = Field(default=0)
    # Optimistic lock for the facts form and the lifecycle steps (models.Versioned).
    version: int = Field(default=1)
    # The answer letters' opening and closing, as its secretaries wrote them ("" = the default).
    letter_opening: str = Field(default="", sa_type=sa.Text)
    letter_closing: str = Field(default="", sa_type=sa.Text)

    @property
    def published(self) -> bool:
        """Readable without an account: the lifecycle's published state (derived from
        ``status``, never stored; ``Tracked.archived`` is kept in step with the archived state
        by consult.lifecycle because every record's archiving goes through it)."""
        return self.status == ConsultationStatus.published


class LetterTextsUpdate(CleanInput):
    letter_opening: str = Field(default="", max_length=5_000)
    letter_closing: str = Field(default="", max_length=5_000)


# --- Stakeholder -----------------------------------------------------------------


class StakeholderCreate(CleanInput):
    slug: str = Field(max_length=120, schema_extra={"pattern": r"^[a-z0-9][a-z0-9-]*$"})
    name: str = Field(min_length=1, max_length=300)
    kind: StakeholderKind
    parent_id: int | None = None
    email: str = Field(default="", max_length=320)


class Stakeholder(Versioned, Tracked, table=True):
    """An organisation that reacts: a municipality, its college, council or advisory board, a
    faction, a working group, a subregion. Kept in the registry (consult/registry/)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    name: str = Field(max_length=300)
    kind: str = _enum_column()
    parent_id: int | None = Field(default=None, foreign_key="stakeholder.id", index=True)
    # The organisation's contact address (invitations, reminders); "" when not known.
    email: str = Field(default="", max_length=320)
    # Set when this stakeholder was merged into another one (it is archived then).
    merged_into_id: int | None = Field(default=None, foreign_key="stakeholder.id", index=True)
    # Optimistic lock: edits in the registry name the version they started from.
    version: int = Field(default=1)


# --- Reaction and its points -----------------------------------------------------


class ReactionCreate(CleanInput):
    consultation_id: int
    stakeholder_id: int
    channel: Channel
    received_on: date | None = None
    title: str = Field(min_length=1, max_length=300)
    original_text: str = Field(default="", max_length=2_000_000)
    position: int = 0


class ReactionStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"


class Reaction(Versioned, Tracked, table=True):
    # A consultation's live reactions in table order: the channel, the answered table's
    # pages and the poll (by its first two columns) walk it.
    __table_args__ = (sa.Index("ix_reaction_table_order", "consultation_id", "status",
                               "archived", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index on archived: nearly every row is live (migration 0024).
    archived: bool = Field(default=False)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    stakeholder_id: int = Field(foreign_key="stakeholder.id", index=True)
    channel: str = _enum_column()
    received_on: date | None = None
    title: str = Field(max_length=300)
    original_text: str = Field(default="", sa_type=sa.Text)
    position: int = 0
    # Advisory boards draft in the portal; only submitted reactions exist for everyone else.
    status: str = Field(default=ReactionStatus.submitted, sa_type=sa.String(32), index=True)
    drafted_by_id: int | None = Field(default=None, foreign_key="user.id")
    # A draft keeps its points as the composer left them; they become points on submission.
    draft_points: list | None = Field(default=None, sa_type=sa.JSON)
    version: int = Field(default=1)


class PointCreate(CleanInput):
    reaction_id: int
    number: str = Field(min_length=1, max_length=20)
    position: int = 0
    heading: str | None = Field(default=None, max_length=300)
    stakeholder_id: int | None = None
    body: str = Field(min_length=1, max_length=200_000)


class Point(Versioned, Tracked, table=True):
    __table_args__ = (
        sa.UniqueConstraint("reaction_id", "number"),
        # A reaction's live points in order (channel progress, contributors): not the index
        # on ``archived`` alone, which would read every live point of the installation.
        sa.Index("ix_point_reaction_live", "reaction_id", "archived", "position"),
        # What changed since a channel page was read (its poll).
        sa.Index("ix_point_updated_at", "updated_at"),
        # A sender's live points in other senders' letters, answered from the index alone
        # (a stakeholder's page; migration 0038). Also every look-up by sender.
        sa.Index("ix_point_stakeholder_live", "stakeholder_id", "archived", "reaction_id",
                 "position", postgresql_include=["id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index on archived: nearly every row is live (migration 0024).
    archived: bool = Field(default=False)
    reaction_id: int = Field(foreign_key="reaction.id", index=True)
    number: str = Field(max_length=20)
    position: int = 0
    heading: str | None = Field(default=None, max_length=300)
    # Only set when the point's sender differs from the reaction's (joint letters).
    stakeholder_id: int | None = Field(default=None, foreign_key="stakeholder.id")
    body: str = Field(sa_type=sa.Text)
    body_html: str | None = _rendered()
    # Optimistic lock: a correction names the version it started from (consult.corrections).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Set when the point was merged into another one of its reaction (and archived).
    merged_into_id: int | None = Field(default=None, foreign_key="point.id", index=True)


# --- Destinations and responses --------------------------------------------------


class DestinationCreate(CleanInput):
    consultation_id: int
    parent_id: int | None = None
    slug: str = Field(max_length=120, schema_extra={"pattern": r"^[a-z0-9][a-z0-9.-]*$"})
    title: str = Field(min_length=1, max_length=300)
    kind: DestinationKind
    position: int = 0


class Destination(Tracked, table=True):
    __table_args__ = (sa.UniqueConstraint("consultation_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="destination.id", index=True)
    slug: str = Field(max_length=120)
    title: str = Field(max_length=300)
    kind: str = _enum_column()
    position: int = 0


class ResponseCreate(CleanInput):
    consultation_id: int
    reaction_id: int | None = None
    body: str = Field(min_length=1, max_length=200_000)
    status: ResponseStatus = ResponseStatus.draft
    decided_by: str = Field(default="", max_length=300)
    decided_on: date | None = None
    position: int = 0


class Response(Versioned, Tracked, table=True):
    __table_args__ = (
        # The live answers of one reaction (answers to a reaction as a whole, in the table).
        sa.Index("ix_response_reaction_live", "reaction_id", "archived"),
        # The live answers of one consultation (progress, destination shares).
        sa.Index("ix_response_consultation_live", "consultation_id", "archived", "status"),
        # The answers of one consultation written since a channel page was read (its poll).
        sa.Index("ix_response_consultation_updated", "consultation_id", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index on archived: nearly every row is live (migration 0024).
    archived: bool = Field(default=False)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    # The reaction whose table row this explanation stands in; points may span reactions.
    reaction_id: int | None = Field(default=None, foreign_key="reaction.id", index=True)
    body: str = Field(sa_type=sa.Text)
    body_html: str | None = _rendered()
    status: str = _enum_column()
    decided_by: str = Field(default="", max_length=300)
    decided_on: date | None = None
    position: int = 0
    # Optimistic lock: an edit names the version it started from.
    version: int = Field(default=1)


class ResponseVersion(SQLModel, table=True):
    """Every saved state of a response, so earlier wording stays viewable."""

    __table_args__ = (sa.UniqueConstraint("response_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    version: int
    body: str = Field(sa_type=sa.Text)
    body_html: str | None = _rendered()
    status: str = Field(sa_type=sa.String(32))
    decided_by: str = Field(default="", max_length=300)
    decided_on: date | None = None
    destinations: list = Field(default_factory=list, sa_type=sa.JSON)
    points: list = Field(default_factory=list, sa_type=sa.JSON)
    author_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class ResponsePoint(SQLModel, table=True):
    # Covering: a point's answers without reading the link rows (the primary key serves the
    # other direction, a response's points).
    __table_args__ = (sa.Index("ix_responsepoint_point_response", "point_id", "response_id"),)

    response_id: int = Field(foreign_key="response.id", primary_key=True)
    point_id: int = Field(foreign_key="point.id", primary_key=True, index=True)


class ResponseDestination(SQLModel, table=True):
    response_id: int = Field(foreign_key="response.id", primary_key=True)
    destination_id: int = Field(foreign_key="destination.id", primary_key=True, index=True)


class CommitmentCreate(CleanInput):
    response_id: int
    description: str = Field(min_length=1, max_length=10_000)
    owner: str = Field(min_length=1, max_length=300)
    due_on: date | None = None
    due_meeting: str = Field(default="", max_length=300)
    status: CommitmentStatus = CommitmentStatus.open


class Commitment(Tracked, table=True):
    """A promise made in an answer ("toezegging"): who does what by when (a date or the
    meeting it is due at); done with the evidence of where it was kept."""

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    description: str = Field(sa_type=sa.Text)
    owner: str = Field(default="", max_length=300)
    due_on: date | None = None
    due_meeting: str = Field(default="", max_length=300)
    status: str = _enum_column()
    evidence: str = Field(default="", max_length=1000)


# --- People, threads and the audit trail -----------------------------------------


class UserCreate(CleanInput):
    email: str = Field(min_length=3, max_length=320, schema_extra={"pattern": r"^[^@\s]+@[^@\s]+$"})
    name: str = Field(min_length=1, max_length=200)
    role: Role
    stakeholder_id: int | None = None


class User(UserMixin, Tracked, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(max_length=200)
    role: str = _enum_column()
    stakeholder_id: int | None = Field(default=None, foreign_key="stakeholder.id", index=True)
    password_hash: str | None = Field(default=None, max_length=300)
    # No longer read: sessions live in LoginSession since 0008 (kept so old backups restore).
    session_version: int = Field(default=1)
    inbox_seen_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # For the secretariat, points logged after this moment by someone else are news ("Nieuw")
    # even in threads never opened; None: from the account's creation (migration 0027).
    news_since: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # No thread entry up to this message id is news for the user: the id the message table
    # had reached when the account was made, moved on by "Mark all as read". The newest-first
    # read of "Nieuw" stops here instead of walking the whole table when nothing is new.
    news_floor: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Raised by every write of the user's thread marks (follows._marks_moved): with the
    # consultations' revisions it keys a kept page of "Nieuw" (news.kept_page).
    marks_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    @property
    def is_active(self) -> bool:
        """Archived accounts cannot log in."""
        return not self.archived


class Membership(SQLModel, table=True):
    """Who takes part in a consultation: secretaries write in it, others read and ask."""

    consultation_id: int = Field(foreign_key="consultation.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class Follow(SQLModel, table=True):
    """Someone following a stakeholder's points, a destination's points or one point, to be
    told what happens."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    stakeholder_id: int | None = Field(default=None, foreign_key="stakeholder.id", index=True)
    point_id: int | None = Field(default=None, foreign_key="point.id", index=True)
    destination_id: int | None = Field(default=None, foreign_key="destination.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class AccountToken(SQLModel, table=True):
    """A one-time link: an invitation or a password reset. Only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=128, unique=True)
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    used_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class LoginAttempt(SQLModel, table=True):
    """Logins being checked or failed, and password-reset requests ("login" / "reset"), per
    account and per address, for throttling across all workers (consult/throttle.py)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="login", max_length=10, sa_column_kwargs={"server_default": "login"})
    email: str = Field(max_length=320, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True)


class LoginSession(SQLModel, table=True):
    """A logged-in browser. Its signed session cookie holds a random key, this row the key's
    hash: logging out, a new password or archiving the account deletes the row, and a copy of
    the cookie is worth nothing from then on."""

    key_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class Attachment(SQLModel, table=True):
    """An uploaded original (letter as received), stored under a generated name; or the
    document under consultation (``consultation_id`` set, no reaction)."""

    id: int | None = Field(default=None, primary_key=True)
    reaction_id: int | None = Field(default=None, foreign_key="reaction.id", index=True)
    consultation_id: int | None = Field(default=None, foreign_key="consultation.id", index=True)
    filename: str = Field(max_length=255)
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=100)
    size: int
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class MessageCreate(CleanInput):
    point_id: int
    author_id: int | None = None
    kind: MessageKind = MessageKind.comment
    body: str = Field(min_length=1, max_length=200_000)
    public: bool = False


class Message(Tracked, table=True):
    __table_args__ = (
        # A thread's entries with what decides whether they are news (follows._unread_entries):
        # "Nieuw" counts the entries of a council's 1,569 points from the index alone instead
        # of reading 4,211 message rows (migration 0036); PostgreSQL's index carries the id,
        # which SQLite's holds anyway (0037).
        sa.Index("ix_message_point_news", "point_id", "archived", "kind", "author_id",
                 postgresql_include=["id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index on archived: nearly every row is live (migration 0024).
    archived: bool = Field(default=False)
    point_id: int = Field(foreign_key="point.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    kind: str = _enum_column()
    body: str = Field(default="", sa_type=sa.Text)
    body_html: str | None = _rendered()
    # System events: what happened ("logged", "answered", ...) and its details, rendered in the
    # reader's language; names are snapshotted so history reads as it was.
    event: str | None = Field(default=None, max_length=40)
    data: dict | None = Field(default=None, sa_type=sa.JSON)
    response_id: int | None = Field(default=None, foreign_key="response.id", index=True)
    # Shown to visitors without an account too (set by the secretariat); everything else in a
    # thread is for people with an account (see the public line in access.py).
    public: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40, index=True)
    entity_id: int = Field(index=True)
    before: dict | None = Field(default=None, sa_type=sa.JSON)
    after: dict | None = Field(default=None, sa_type=sa.JSON)


class SearchOutbox(SQLModel, table=True):
    """Search-index changes, written in the same transaction as the data they follow.

    The index is applied from here right after commit; a row stays pending until that
    worked, so a crash or a broken index loses nothing (replayed later). Applied rows are
    kept a day, so that a full rebuild can replay what changed while it ran.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=24)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True
    )
    done_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True), index=True)


class Landing(SQLModel, table=True):
    """A point marked done at one of its destinations, with where it landed ("Inkoopplan 2017
    v2, §4.3"). Undoing archives it; the thread keeps both events."""

    # At most one live landing per point and destination, also when two people mark the same
    # point done at the same moment (the second gets a conflict, not a duplicate).
    __table_args__ = (
        sa.Index("uq_landing_live", "point_id", "destination_id", unique=True,
                 sqlite_where=sa.text("archived = 0"), postgresql_where=sa.text("NOT archived")),
    )

    id: int | None = Field(default=None, primary_key=True)
    point_id: int = Field(foreign_key="point.id", index=True)
    destination_id: int = Field(foreign_key="destination.id", index=True)
    reference: str = Field(max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    archived: bool = Field(default=False)  # no index: nearly every row is live (0024)


class ThreadVisit(SQLModel, table=True):
    """The last thread entry a user has seen of a point: what is newer shows as unread."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    point_id: int = Field(foreign_key="point.id", primary_key=True, index=True)
    seen_message_id: int = Field(default=0)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class FormSubmission(SQLModel, table=True):
    """A create form that was handled: its one-time key (rendered into the form), who sent it,
    a digest of what was sent, and the id of what it created. Written in the same transaction
    as that row, so a repeat of the same form (double click, retry, reloaded tab) is answered
    with the original result instead of storing it twice."""

    key: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    fingerprint: str = Field(max_length=64)
    target_id: int | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True
    )


@sa.event.listens_for(User, "before_insert")
def _news_starts_now(_mapper, connection, user: User) -> None:
    """A new account's "Nieuw" starts empty: what was written before it existed is not news."""
    if not user.news_floor:
        user.news_floor = connection.execute(
            sa.select(sa.func.coalesce(sa.func.max(Message.id), 0))).scalar_one()
