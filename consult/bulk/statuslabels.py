"""A consultation's own words for the five answer states ("meegenomen" for adopted): shown
wherever that consultation's pages show the state word (labels.state), while every count,
filter and chart keeps going by the base state.

Operations only flush; the caller commits.
"""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ..cleantext import clean_value
from ..intake import bump_revision
from ..labels import STATES
from ..models import AuditEvent, Consultation, ResponseStatus, User
from .models import StatusLabel

BASE_STATES = tuple(s.value for s in ResponseStatus)
MAX_CHARS = 60


class LabelError(ValueError):
    """Labels that cannot be saved; the message says why (Dutch)."""


def labels_of(session: Session, consultation_id: int) -> dict[str, str]:
    """{base state: own word} of the consultation (states without one are left out)."""
    return dict(session.execute(
        sa.select(StatusLabel.status, StatusLabel.label)
        .where(StatusLabel.consultation_id == consultation_id)).all())


def labels_by_slug(session: Session, slug: str) -> dict[str, str]:
    """As labels_of, for the consultation with this slug ({} when there is none)."""
    return dict(session.execute(
        sa.select(StatusLabel.status, StatusLabel.label)
        .join(Consultation, Consultation.id == StatusLabel.consultation_id)
        .where(Consultation.slug == slug)).all())


def set_labels(session: Session, actor: User | None, consultation: Consultation,
               words: dict[str, str]) -> dict[str, str]:
    """Save the consultation's own words ({base state: word}; "" goes back to the standard
    word). Raises LabelError for an unknown state, a word over 60 characters or one word
    used for two states. Returns the labels now in force."""
    cleaned = {}
    for status, word in words.items():
        if status not in BASE_STATES:
            raise LabelError(_("Unknown status “%(status)s”.", status=status))
        word = " ".join(str(clean_value(word or "")).split())
        if len(word) > MAX_CHARS:
            raise LabelError(_("A status name has at most %(n)s characters.", n=MAX_CHARS))
        cleaned[status] = word
    # the words as they will read, a state's own word or its standard one, and "open" for
    # unanswered points: "Voorgesteld" for adopted beside the standard "voorgesteld", or
    # "Open" for adopted, left two states one word (the attack)
    shown = {status: cleaned.get(status) or str(STATES[("answer", status)][0])
             for status in BASE_STATES}
    used = [w.casefold() for w in [*shown.values(), str(STATES[("point", "open")][0])]]
    if len(used) != len(set(used)):
        raise LabelError(_("Give each status its own name: two statuses with the same name "
                           "cannot be told apart."))
    before = labels_of(session, consultation.id)
    rows = {r.status: r for r in session.exec(
        select(StatusLabel).where(StatusLabel.consultation_id == consultation.id))}
    for status, word in cleaned.items():
        row = rows.get(status)
        if word and row is None:
            session.add(StatusLabel(consultation_id=consultation.id, status=status, label=word))
        elif word:
            row.label = word
            session.add(row)
        elif row is not None:
            session.delete(row)  # a setting, not domain data: the audit event keeps it
    session.flush()
    after = labels_of(session, consultation.id)
    if after != before:
        session.add(AuditEvent(user_id=actor.id if actor else None, action="status_labels",
                               entity="consultation", entity_id=consultation.id,
                               before=before, after=after))
        bump_revision(session, consultation.id)
        session.flush()
    return after
