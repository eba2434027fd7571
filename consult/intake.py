"""Logging what comes in: consultations, stakeholders, reactions and their numbered points.

Operations validate through the Create models and only flush; the caller commits.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from . import audit, revisions
from .models import (
    Consultation,
    ConsultationCreate,
    Message,
    MessageKind,
    Point,
    PointCreate,
    Reaction,
    ReactionCreate,
    Stakeholder,
    StakeholderCreate,
    User,
)


class IntakeError(ValueError):
    """Input that cannot be logged as it is; the message says why, in the user's language."""


# The most points one reaction holds. Real letters have up to about 80; without a limit a
# pasted megabyte of "- x" lines became 333,000 points and a 268 MB preview.
MAX_POINTS = 2_000


def check_points(count: int) -> str | None:
    """A Dutch message when a reaction would have more than ``MAX_POINTS`` points."""
    if count <= MAX_POINTS:
        return None
    return _(
        "This text has more points than one reaction can hold (at most %(max)s). Nothing was "
        "saved and your text is still here: split the letter into parts.",
        max=f"{MAX_POINTS:,}".replace(",", "."),
    )


def next_position(session: Session, column, *where) -> int:
    """One past the highest position in use (1 for the first)."""
    last = session.exec(select(column).where(*where).order_by(column.desc())).first()
    return (last or 0) + 1


def bump_revision(session: Session, consultation_id: int) -> None:
    """Mark the consultation as changed so that open pages refresh (once per transaction;
    see consult.revisions, which does it for every write through the ORM)."""
    revisions.bump(session, [consultation_id])


def create_consultation(session: Session, **fields) -> Consultation:
    """Validate and add a consultation."""
    data = ConsultationCreate.model_validate(fields)
    consultation = Consultation.model_validate(data)
    session.add(consultation)
    session.flush()
    return consultation


def create_stakeholder(session: Session, actor: User | None = None, **fields) -> Stakeholder:
    """Validate and add a stakeholder."""
    stakeholder = Stakeholder.model_validate(StakeholderCreate.model_validate(fields))
    session.add(stakeholder)
    session.flush()
    audit.record(session, actor, "create", stakeholder)
    return stakeholder


@dataclass
class DraftPoint:
    """A point as the secretary left it in the preview."""

    number: str
    text: str
    heading: str | None = None
    stakeholder_id: int | None = None


def fill_numbers(points: list[DraftPoint]) -> list[DraftPoint]:
    """Give unnumbered points a number that keeps the letter's order; refuse duplicates.

    Written numbers stay as they are. An unnumbered point gets the whole number after the
    point before it when that number is free and lies below the next written one ("1", "", "3"
    -> "2"; all unnumbered -> "1", "2", ...); otherwise the number before it with a letter
    ("1", "", "2" -> "1a"), or "0" before the first point. So the numbers read in the order of
    the letter, and a range such as "1 t/m 5" takes the points in between.
    """
    seen: set[str] = set()
    for p in points:
        p.number = p.number.strip().rstrip(".)")
        if p.number:
            if p.number in seen:
                raise IntakeError(_("Point number %(number)s appears twice.", number=p.number))
            seen.add(p.number)
    following: list[int | None] = []  # the next written whole number after each point
    upcoming: int | None = None
    for p in reversed(points):
        following.append(upcoming)
        upcoming = _whole(p.number) if p.number else upcoming
    following.reverse()
    previous = ""
    for p, nxt in zip(points, following, strict=True):
        if not p.number:
            p.number = _number_after(previous, nxt, seen)
            seen.add(p.number)
        previous = p.number
    return points


def _whole(number: str) -> int | None:
    """The whole number a point number starts with: "3" -> 3, "3.2" -> 3, "3a" -> 3, "a" -> None."""
    digits = ""
    for c in number:
        if not c.isdecimal():  # "3²": 3 ("²" is a digit to isdigit(), not to int())
            break
        digits += c
    return int(digits) if digits else None


def _number_after(previous: str, upcoming: int | None, taken: set[str]) -> str:
    """A free number after previous and before the next written whole number (see fill_numbers)."""
    base = _whole(previous) if previous else 0
    if base is not None:
        candidate = base + 1
        if str(candidate) not in taken and (upcoming is None or candidate < upcoming):
            return str(candidate)
    stem = (previous or "0").rstrip("abcdefghijklmnopqrstuvwxyz") or previous
    if stem not in taken:
        return stem
    if stem[:1].isdigit():
        for suffix in "abcdefghijklmnopqrstuvwxyz":
            if stem + suffix not in taken:
                return stem + suffix
    counter = 1
    while f"{stem}.{counter}" in taken:
        counter += 1
    return f"{stem}.{counter}"


def log_reaction(
    session: Session,
    actor: User | None,
    consultation: Consultation,
    stakeholder: Stakeholder,
    points: Iterable[DraftPoint],
    **fields,
) -> Reaction:
    """Log a reaction with its numbered points; each point's thread starts with "logged".

    Raises IntakeError for duplicate numbers or more than ``MAX_POINTS`` points."""
    points = [p for p in points if p.text.strip()]
    error = check_points(len(points))
    if error:
        raise IntakeError(error)
    points = fill_numbers(points)
    position = next_position(
        session, Reaction.position, Reaction.consultation_id == consultation.id
    )
    reaction = Reaction.model_validate(
        ReactionCreate.model_validate(
            {
                "position": position,
                **fields,
                "consultation_id": consultation.id,
                "stakeholder_id": stakeholder.id,
            }
        )
    )
    session.add(reaction)
    session.flush()
    add_points(session, actor, reaction, stakeholder, points)
    bump_revision(session, consultation.id)
    session.flush()
    audit.record(session, actor, "create", reaction)
    return reaction


def add_points(
    session: Session,
    actor: User | None,
    reaction: Reaction,
    stakeholder: Stakeholder,
    points: list[DraftPoint],
) -> None:
    """Add the numbered points to a reaction; each thread starts with "logged"."""
    for index, draft in enumerate(points, start=1):
        point = add_point(
            session,
            reaction,
            number=draft.number,
            heading=(draft.heading or "").strip() or None,
            body=draft.text.strip(),
            stakeholder_id=draft.stakeholder_id,
            position=index,
        )
        session.add(
            Message(
                point_id=point.id,
                author_id=actor.id if actor else None,
                kind=MessageKind.system,
                event="logged",
                data={
                    "stakeholder": stakeholder.name,
                    "channel": reaction.channel,
                    "reaction": reaction.title,
                },
            )
        )


def add_point(session: Session, reaction: Reaction, **fields) -> Point:
    """Validate and add one numbered point to a reaction."""
    point = Point.model_validate(PointCreate.model_validate({"reaction_id": reaction.id, **fields}))
    session.add(point)
    session.flush()
    return point
