"""The advisory-board portal: drafts that become reactions on submission, and the inbox.

Operations only flush; the caller commits.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, or_, select

from . import audit, follows
from .composer import check_length
from .intake import (
    DraftPoint,
    IntakeError,
    add_points,
    bump_revision,
    check_points,
    fill_numbers,
    next_position,
)
from .models import (
    Channel,
    Consultation,
    Message,
    MessageKind,
    Point,
    Reaction,
    ReactionCreate,
    ReactionStatus,
    Stakeholder,
    User,
    aware,
    utcnow,
)


class DraftConflict(IntakeError):
    """The draft changed (or was submitted) since the editor opened it."""


def _conflict() -> DraftConflict:
    return DraftConflict(
        _("This draft was changed or submitted in the meantime. Your text is kept below; "
          "reload the draft to see the current version.")
    )


def _write(session: Session) -> None:
    """Flush a change of the draft: UPDATE ... WHERE version = <the version the editor
    started from> (models.Versioned). Of two saves at the same moment the second waits for
    the first, then finds no such row: a conflict, never a silent overwrite."""
    try:
        session.flush()
    except StaleDataError:
        raise _conflict() from None


def _points_json(points: list[DraftPoint]) -> list[dict]:
    return [
        {"number": p.number.strip(), "heading": p.heading, "text": p.text}
        for p in points
        if p.text.strip()
    ]


def draft_points(reaction: Reaction) -> list[DraftPoint]:
    """The draft's points as the composer left them."""
    return [
        DraftPoint(number=p.get("number", ""), text=p.get("text", ""), heading=p.get("heading"))
        for p in reaction.draft_points or []
    ]


def save_draft(
    session: Session,
    actor: User,
    consultation: Consultation,
    title: str,
    text: str,
    points: list[DraftPoint],
    reaction: Reaction | None = None,
    expected_version: int | None = None,
) -> Reaction:
    """Create or update the board's draft; a stale save is refused, never merged silently."""
    error = check_length(text) or check_points(len(points))
    if error:
        raise IntakeError(error)
    title = " ".join(title.split()) or _("Advice")
    if reaction is None:
        reaction = Reaction.model_validate(
            ReactionCreate.model_validate(
                {
                    "consultation_id": consultation.id,
                    "stakeholder_id": actor.stakeholder_id,
                    "channel": Channel.advies,
                    "title": title,
                    "original_text": text,
                }
            )
        )
        reaction.status = ReactionStatus.draft
        reaction.drafted_by_id = actor.id
        reaction.draft_points = _points_json(points)
        session.add(reaction)
        session.flush()
        audit.record(session, actor, "create", reaction)
        return reaction
    if reaction.status != ReactionStatus.draft or reaction.version != expected_version:
        raise _conflict()
    before = audit.snapshot(reaction)
    ReactionCreate.model_validate(
        {"consultation_id": consultation.id, "stakeholder_id": reaction.stakeholder_id,
         "channel": reaction.channel, "title": title, "original_text": text}
    )
    reaction.title = title
    reaction.original_text = text
    reaction.draft_points = _points_json(points)
    reaction.version += 1
    reaction.updated_at = utcnow()
    session.add(reaction)
    _write(session)
    audit.record(session, actor, "change", reaction, before)
    return reaction


def submit(session: Session, actor: User, reaction: Reaction, expected_version: int) -> Reaction:
    """Submit the draft: it becomes a locked reaction with numbered points for the secretariat."""
    if reaction.status != ReactionStatus.draft or reaction.version != expected_version:
        raise _conflict()
    points = fill_numbers(draft_points(reaction))
    if not points:
        raise IntakeError(_("There are no points to save: paste the letter first."))
    before = audit.snapshot(reaction)
    reaction.status = ReactionStatus.submitted
    reaction.received_on = date.today()
    reaction.version += 1
    reaction.updated_at = utcnow()
    session.add(reaction)
    _write(session)  # first: a second submit at the same moment stops here, adds no points
    reaction.position = next_position(
        session, Reaction.position, Reaction.consultation_id == reaction.consultation_id
    )
    session.flush()
    add_points(session, actor, reaction, session.get(Stakeholder, reaction.stakeholder_id), points)
    bump_revision(session, reaction.consultation_id)
    session.flush()
    audit.record(session, actor, "submit", reaction, before)
    return reaction


def submitted_points(session: Session, reaction: Reaction) -> list[Point]:
    """The live points of a submitted reaction in their order: what the secretariat received."""
    return list(session.exec(
        select(Point).where(Point.reaction_id == reaction.id, Point.archived == False)  # noqa: E712
        .order_by(Point.position, Point.id)))


def board_reactions(
    session: Session, user: User, consultation_ids: set[int]
) -> list[tuple[Reaction, Consultation]]:
    """The board's drafts and submitted reactions in the given consultations, newest first."""
    if user.stakeholder_id is None or not consultation_ids:
        return []
    return list(
        session.exec(
            select(Reaction, Consultation)
            .join(Consultation, Consultation.id == Reaction.consultation_id)
            .where(Reaction.stakeholder_id == user.stakeholder_id, Reaction.archived == False)  # noqa: E712
            .where(Reaction.consultation_id.in_(consultation_ids))
            .order_by(Reaction.updated_at.desc())
        )
    )


@dataclass
class InboxItem:
    message: Message
    point: Point
    reaction: Reaction
    consultation: Consultation
    author: User | None
    new: bool


INBOX_PAGE = 50  # entries the inbox lists at once; the next ones load on scrolling


def inbox(
    session: Session, user: User, consultation_ids: set[int], before: int | None = None,
    seen: datetime | None = None, limit: int | None = None,
) -> tuple[list[InboxItem], bool]:
    """One page of what happened to the points this user cares about, in the consultations
    they may read (the board's own points, followed points and the points of followed
    stakeholders), newest first, and whether more follow. Internal notes never appear here.

    ``before``: entries older than that entry id (the next page; keyset paging, so a page
    costs the same however deep). ``seen``: the moment before which entries count as read;
    the first page's reader's ``inbox_seen_at``, carried to the next pages, because showing
    the first page moves it (and the inbox listed only its newest 50 before, so everything
    older was marked read without ever being shown)."""
    if not consultation_ids:
        return [], False
    limit = limit or INBOX_PAGE
    query = (
        follows.entries_in_context()
        .where(Message.point_id.in_(follows.interesting_points(user, sorted(consultation_ids))))
        .where(
            Message.kind != MessageKind.internal_note,
            Message.archived == False,  # noqa: E712
            Point.archived == False,  # noqa: E712
            Reaction.archived == False,  # noqa: E712
            Reaction.status == ReactionStatus.submitted,
            Reaction.consultation_id.in_(consultation_ids),
            or_(Message.author_id.is_(None), Message.author_id != user.id),
            or_(Message.event.is_(None), Message.event != "logged"),
        )
    )
    if before is not None:
        query = query.where(Message.id < before)
    rows = session.exec(query.order_by(Message.id.desc()).limit(limit + 1)).all()
    seen = aware(seen) if seen is not None else None
    return [
        InboxItem(m, p, r, c, u, seen is None or aware(m.created_at) > seen)
        for m, p, r, c, u in rows[:limit]
    ], len(rows) > limit
