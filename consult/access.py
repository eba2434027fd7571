"""Who may see and do what. Every view asks these questions; nothing else decides access.

Rules:
- anonymous visitors read published consultations only;
- members of a consultation (any role) read it; the admin reads everything;
- secretaries process (log, answer, route, archive) the consultations they are members of;
- councillors and advisory-board members ask questions in threads of consultations they read;
- internal notes are for those who process the consultation;
- a draft reaction exists only for the advisory-board members of its stakeholder.
"""

from flask import g
from sqlmodel import select

from .models import Consultation, Membership, MessageKind, Reaction, ReactionStatus, Role


def role(user) -> str | None:
    """The user's role, or None for anonymous visitors."""
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def memberships(user) -> set[int]:
    """The ids of the consultations the user is a member of (cached for the request)."""
    if role(user) is None:
        return set()
    cache = g.setdefault("consult_memberships", {})
    if user.id not in cache:
        from .db import get_session

        cache[user.id] = set(
            get_session().exec(
                select(Membership.consultation_id).where(Membership.user_id == user.id)
            )
        )
    return cache[user.id]


def can_view(user, consultation: Consultation) -> bool:
    """Read the consultation's pages."""
    if consultation.archived:
        return role(user) == Role.admin
    return (
        consultation.published
        or role(user) == Role.admin
        or consultation.id in memberships(user)
    )


def readable_consultations(user) -> list[Consultation]:
    """The consultations this user may read, by title."""
    from .db import get_session

    found = get_session().exec(select(Consultation).order_by(Consultation.title))
    return [c for c in found if can_view(user, c)]


def can_process(user, consultation: Consultation | None = None) -> bool:
    """Log reactions, answer and route points, manage destinations, archive and restore."""
    r = role(user)
    if r == Role.admin:
        return True
    if r != Role.secretary:
        return False
    return consultation is None or consultation.id in memberships(user)


def can_see_internal(user, consultation: Consultation) -> bool:
    """Internal notes are for the secretariat of this consultation."""
    return can_process(user, consultation)


def message_kinds(user, consultation: Consultation) -> list[str]:
    """The kinds of thread message this user may post here, the default first."""
    if can_process(user, consultation):
        return [MessageKind.comment, MessageKind.answer, MessageKind.internal_note]
    if role(user) in (Role.councillor, Role.advisory_member) and can_view(user, consultation):
        return [MessageKind.question, MessageKind.comment]
    return []


def can_view_reaction(user, reaction: Reaction, consultation: Consultation) -> bool:
    """A submitted reaction is as visible as its consultation; a draft only to its board."""
    if reaction.archived and not can_process(user, consultation):
        return False
    if reaction.status == ReactionStatus.draft:
        return is_board_member(user, reaction.stakeholder_id)
    return can_view(user, consultation)


def is_board_member(user, stakeholder_id: int | None) -> bool:
    """An advisory-board member acting for this stakeholder."""
    return (
        role(user) == Role.advisory_member
        and stakeholder_id is not None
        and getattr(user, "stakeholder_id", None) == stakeholder_id
    )


def can_draft(user, consultation: Consultation) -> bool:
    """Advisory-board members draft and submit their board's reactions."""
    return (
        role(user) == Role.advisory_member
        and getattr(user, "stakeholder_id", None) is not None
        and can_view(user, consultation)
        and consultation.status != "closed"
    )


def is_admin(user) -> bool:
    """Manage accounts."""
    return role(user) == Role.admin
