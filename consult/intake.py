"""Logging what comes in: consultations, stakeholders, reactions and their numbered points.

Operations validate through the Create models and only flush; the caller commits.
"""

from sqlmodel import Session, select

from .models import (
    Consultation,
    ConsultationCreate,
    Point,
    PointCreate,
    Reaction,
    ReactionCreate,
    Stakeholder,
    StakeholderCreate,
)


def create_consultation(session: Session, **fields) -> Consultation:
    """Validate and add a consultation."""
    data = ConsultationCreate.model_validate(fields)
    consultation = Consultation.model_validate(data)
    session.add(consultation)
    session.flush()
    return consultation


def create_stakeholder(session: Session, **fields) -> Stakeholder:
    """Validate and add a stakeholder."""
    stakeholder = Stakeholder.model_validate(StakeholderCreate.model_validate(fields))
    session.add(stakeholder)
    session.flush()
    return stakeholder


def stakeholder_by_slug(session: Session, slug: str) -> Stakeholder | None:
    """The stakeholder with this slug, if any."""
    return session.exec(select(Stakeholder).where(Stakeholder.slug == slug)).first()


def create_reaction(session: Session, points: list[dict] = (), **fields) -> Reaction:
    """Validate and add a reaction with its numbered points, in the given order."""
    reaction = Reaction.model_validate(ReactionCreate.model_validate(fields))
    session.add(reaction)
    session.flush()
    for position, point in enumerate(points, start=1):
        add_point(session, reaction, position=position, **point)
    return reaction


def add_point(session: Session, reaction: Reaction, **fields) -> Point:
    """Validate and add one numbered point to a reaction."""
    point = Point.model_validate(PointCreate.model_validate({"reaction_id": reaction.id, **fields}))
    session.add(point)
    session.flush()
    return point
