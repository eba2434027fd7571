"""Who may do what. Every view asks these questions; nothing else decides access."""

from .models import MessageKind, Role

PROCESSORS = {Role.admin, Role.secretary}


def _role(user) -> str | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def can_process(user) -> bool:
    """Log reactions, answer and route points, manage destinations."""
    return _role(user) in PROCESSORS


def can_see_internal(user) -> bool:
    """Internal notes are for the secretariat only."""
    return _role(user) in PROCESSORS


def message_kinds(user) -> list[str]:
    """The kinds of thread message this user may post, the default first."""
    role = _role(user)
    if role in PROCESSORS:
        return [MessageKind.comment, MessageKind.answer, MessageKind.internal_note]
    if role in (Role.councillor, Role.advisory_member):
        return [MessageKind.question, MessageKind.comment]
    return []
