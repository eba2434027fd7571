"""Who may see and do what. Every view asks these questions; nothing else decides access.

Rules:
- what a consultation shows depends on its state (consult/lifecycle): a concept, an open, a
  closed and a decided consultation are read by its members and the admin; a published one by
  everyone; an archived one by the admin only;
- anonymous visitors read published consultations only;
- members of a consultation (any role) read it; the admin reads everything;
- secretaries and the admin create consultations (and become members of what they create);
  the secretaries who are members, and the admin, take its lifecycle steps;
- secretaries process (log, answer, route, archive) the consultations they are members of;
  reactions are logged while the consultation is open, closed (late ones), decided or
  published — not in a concept nor an archived one;
- councillors and advisory-board members ask questions in threads of consultations they read;
- advisory-board members draft and submit advice only while the consultation is open;
- internal notes are for those who process the consultation;
- invitations (who was invited, who has reacted) are read by everyone with an account who may
  read the consultation; the secretariat of the consultation and the admin invite, remove and
  remind (consult/invitations);
- a draft reaction exists only for the advisory-board members of its stakeholder.

The public line: what a visitor without an account sees of a published consultation.
- organisations (stakeholders) that reacted, their points, the released (non-draft) answers,
  destinations, landings, commitments, the answered table, the dashboard's figures, the
  document under consultation (the published draft itself, not a letter) and the lifecycle's
  history without names;
- never: draft answers or draft wordings of an answer, internal notes, names of people (who wrote,
  who answered, who changed what), the thread conversation (only messages explicitly marked
  public, and the point's events — logged, answered, landed, commitments — each shown with the
  writer's role, not their name), the letters as received (originals and
  their full text: they carry names and addresses), anything archived, anything of a consultation
  that is not published (not even the name of a stakeholder that only reacted there), the archive,
  history and management pages, the invitations (who was invited, who has not reacted).
- what one may not see answers 404 (as if it did not exist), never 403; a read-only user who
  tries to change something gets 403.
People with an account (every account is made by an admin for a named person of a municipality,
council or board) read the conversation and names in the consultations they may read; drafts and
internal notes stay with the secretariat.
"""

from flask import g
from sqlmodel import select

from .models import (
    Consultation,
    ConsultationStatus,
    Membership,
    MessageKind,
    Reaction,
    ReactionStatus,
    Role,
)


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
    """Read the consultation's pages: by its state (consult.lifecycle)."""
    if consultation.status == ConsultationStatus.archived:
        return role(user) == Role.admin
    return (
        consultation.status == ConsultationStatus.published
        or role(user) == Role.admin
        or consultation.id in memberships(user)
    )


def can_create_consultation(user) -> bool:
    """Start a new consultation: the secretariat and the admin."""
    return role(user) in (Role.admin, Role.secretary)


def can_change_state(user, consultation: Consultation) -> bool:
    """Take a lifecycle step, edit the facts: secretaries who are members, and the admin."""
    return can_process(user, consultation)


# Where reactions can be logged: not before the round opened, not once it is archived.
LOGGING_STATES = frozenset({"open", "closed", "decided", "published"})


def can_log(user, consultation: Consultation) -> bool:
    """Log a reaction (a late one too, once closed)."""
    return can_process(user, consultation) and consultation.status in LOGGING_STATES


def readable_consultations(user) -> list[Consultation]:
    """The consultations this user may read, by title."""
    from .db import get_session

    found = get_session().exec(select(Consultation).order_by(Consultation.title))
    return [c for c in found if can_view(user, c)]


def is_public(user) -> bool:
    """A visitor without an account: sees only what the public line above allows."""
    return role(user) is None


def can_see_people(user) -> bool:
    """Names of people (writers, answerers, editors) and the thread conversation."""
    return not is_public(user)


def can_see_drafts(user, consultation: Consultation) -> bool:
    """Draft answers and draft wordings are the secretariat's work in progress."""
    return can_process(user, consultation)


def can_see_originals(user, consultation: Consultation) -> bool:
    """Letters as received (uploaded originals, the pasted text): they name people."""
    return not is_public(user) and can_view(user, consultation)


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
        and consultation.status == ConsultationStatus.open
    )


def known_stakeholders(user, readable: list[Consultation] | None = None
                       ) -> frozenset[int] | None:
    """The ids of the stakeholders this user may know of; None means all of them.

    The secretariat and admins keep the registry, so they know every stakeholder. Anyone else
    knows the stakeholders that sent a live point or a live reaction in a consultation they may
    read, and the organisations above those (a municipality above its council). A stakeholder
    that only reacted in an unpublished consultation does not exist for the public. One query,
    cached for the request. ``readable``: the consultations the user may read, when the
    caller has them already (they are read otherwise).
    """
    if can_process(user):
        return None
    cache = g.setdefault("consult_known_stakeholders", {})
    key = getattr(user, "id", None) if role(user) else None
    if key not in cache:
        cache[key] = _known_stakeholders(user, readable)
    return cache[key]


def _known_stakeholders(user, readable: list[Consultation] | None) -> frozenset[int]:
    """From the readable consultations' tallies (kept per revision, consult.tallies): who
    sent a live point or reaction there, and everything above them. The registry is read as
    (id, parent) only; asking per stakeholder grew with the reactions of consultations the
    user cannot read (issue 15)."""
    from .db import get_session
    from .models import Stakeholder
    from .tallies import tallies

    session = get_session()
    readable = readable_consultations(user) if readable is None else readable
    if not readable:
        return frozenset()
    senders: set[int] = set()
    for tally in tallies(session, readable).values():
        senders |= tally.known_senders
    parents = dict(session.exec(select(Stakeholder.id, Stakeholder.parent_id)).all())
    known = set()
    for sid in senders:
        while sid is not None and sid not in known:
            known.add(sid)
            sid = parents.get(sid)
    return frozenset(known)


def can_see_invitations(user, consultation: Consultation) -> bool:
    """Who was invited and who has reacted: people with an account who read the consultation
    (organisations only, no people's names); never the public, not even once published."""
    return not is_public(user) and can_view(user, consultation)


def is_admin(user) -> bool:
    """Manage accounts."""
    return role(user) == Role.admin


def can_keep_registry(user) -> bool:
    """Create, change, archive and merge stakeholders (the registry): the secretariat and
    admins. Everyone else reads the follow-up pages of the stakeholders they may know of."""
    return can_process(user)
