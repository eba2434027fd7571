"""Inviting stakeholders to react, removing an invitation, copying them from an earlier round,
and the overview of who has reacted. Operations only flush; the request commits. Every change
is in the audit trail (actions "invite" and "uninvite" on the invitation row)."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, func, select

from .. import audit
from ..models import (
    Consultation,
    ConsultationStatus,
    Point,
    Reaction,
    ReactionStatus,
    Stakeholder,
    StakeholderKind,
    User,
    utcnow,
)
from .models import Invitation

# Inviting a municipality invites these parts of it too: "whole municipalities with their
# college, council and advisory board at once" (issue 13, point 3).
PARTS = frozenset({StakeholderKind.executive, StakeholderKind.council,
                   StakeholderKind.advisory_board})

# The states of an invited stakeholder in the overview, outstanding ones first.
NOTHING, NO_COMMENTS, REACTED = "nothing", "no_comments", "reacted"
ORDER = {NOTHING: 0, NO_COMMENTS: 1, REACTED: 2}


class InvitationError(ValueError):
    """An invitation that cannot be made (a Dutch message); nothing was changed."""


def parts_of(session: Session, stakeholder: Stakeholder) -> list[Stakeholder]:
    """The live college, council and advisory board directly under a municipality (by name);
    [] for any other kind."""
    if stakeholder.kind != StakeholderKind.municipality:
        return []
    return list(session.exec(
        select(Stakeholder).where(Stakeholder.parent_id == stakeholder.id,
                                  Stakeholder.archived == sa.false(),
                                  Stakeholder.kind.in_([k.value for k in PARTS]))
        .order_by(Stakeholder.name)
    ))


def invitation_of(session: Session, consultation_id: int,
                  stakeholder_id: int) -> Invitation | None:
    """The invitation row (live or removed) of a stakeholder in a consultation, or None."""
    return session.exec(select(Invitation).where(
        Invitation.consultation_id == consultation_id,
        Invitation.stakeholder_id == stakeholder_id)).first()


def _check_consultation(consultation: Consultation) -> None:
    if consultation.status == ConsultationStatus.archived or consultation.archived:
        raise InvitationError(_("This consultation is archived: restore it first to change "
                                "who is invited."))


def invite(session: Session, actor: User | None, consultation: Consultation,
           stakeholder: Stakeholder, with_parts: bool = True) -> list[Invitation]:
    """Invite a stakeholder (a municipality with its college, council and advisory board when
    ``with_parts``). Returns the invitations made or brought back; stakeholders invited
    already are left as they are (so a repeat changes nothing). Raises InvitationError for an
    archived consultation or stakeholder."""
    _check_consultation(consultation)
    if stakeholder.archived:
        raise InvitationError(_("%(name)s is archived in the registry and cannot be invited.",
                                name=stakeholder.name))
    targets = [stakeholder, *(parts_of(session, stakeholder) if with_parts else [])]
    made = [_invite_one(session, actor, consultation.id, s.id) for s in targets]
    return [m for m in made if m is not None]


def _invite_one(session: Session, actor: User | None, consultation_id: int,
                stakeholder_id: int) -> Invitation | None:
    """Invite one stakeholder; None when it was invited already."""
    found = invitation_of(session, consultation_id, stakeholder_id)
    if found is not None and not found.archived:
        return None
    before = audit.snapshot(found) if found is not None else None
    invitation = found or Invitation(consultation_id=consultation_id,
                                     stakeholder_id=stakeholder_id)
    invitation.archived = False
    invitation.invited_at = utcnow()
    invitation.invited_by_id = getattr(actor, "id", None)
    invitation.reminded_at, invitation.reminders = None, 0
    session.add(invitation)
    session.flush()
    audit.record(session, actor, "invite", invitation, before)
    return invitation


def uninvite(session: Session, actor: User | None, consultation: Consultation,
             stakeholder: Stakeholder) -> Invitation | None:
    """Remove a stakeholder's invitation (the row is archived, the audit trail says who);
    None when it was not invited (a repeat of the same removal changes nothing)."""
    _check_consultation(consultation)
    found = invitation_of(session, consultation.id, stakeholder.id)
    if found is None or found.archived:
        return None
    audit.change(session, actor, "uninvite", found, archived=True)
    return found


def copy_invitations(session: Session, actor: User | None, source: Consultation,
                     target: Consultation) -> int:
    """Invite in ``target`` every stakeholder ``source`` invited (live invitations of live
    stakeholders; regions repeat the same round every year). Returns how many were invited."""
    ids = session.exec(
        select(Invitation.stakeholder_id)
        .join(Stakeholder, Stakeholder.id == Invitation.stakeholder_id)
        .where(Invitation.consultation_id == source.id, Invitation.archived == sa.false(),
               Stakeholder.archived == sa.false())
        .order_by(Invitation.stakeholder_id)
    ).all()
    made = [_invite_one(session, actor, target.id, sid) for sid in ids]
    return sum(1 for m in made if m is not None)


# --- who has reacted ----------------------------------------------------------------------


@dataclass
class InvitedRow:
    """One invited stakeholder: its state (NOTHING, NO_COMMENTS or REACTED), the reaction to
    link to (its first live one, or the joint letter with its points), how many reactions
    count for it, and the invitation (invited and reminded when)."""

    invitation: Invitation
    stakeholder: Stakeholder
    state: str = NOTHING
    reaction: Reaction | None = None
    reactions: int = 0

    @property
    def outstanding(self) -> bool:
        return self.state == NOTHING


@dataclass
class Overview:
    """Who was invited and who has reacted, outstanding ones first (then no comments, then
    reacted; by name within each), with the counts."""

    rows: list[InvitedRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """{"invited": n, "reacted": n, "no_comments": n, "nothing": n}."""
        counts = {"invited": len(self.rows), REACTED: 0, NO_COMMENTS: 0, NOTHING: 0}
        for row in self.rows:
            counts[row.state] += 1
        return counts

    @property
    def outstanding(self) -> list[InvitedRow]:
        return [row for row in self.rows if row.outstanding]


def overview(session: Session, consultation: Consultation) -> Overview:
    """The invited stakeholders of a consultation and whether they reacted. A live submitted
    reaction with live points counts for its stakeholder, and for every stakeholder that sent
    one of its points (joint letters); a live submitted reaction without live points is "no
    comments" (as Duin- en Bollenstreek's officials sent in 2016). Drafts do not count. Four
    queries, whatever the number of invitations."""
    invited = session.exec(
        select(Invitation, Stakeholder)
        .join(Stakeholder, Stakeholder.id == Invitation.stakeholder_id)
        .where(Invitation.consultation_id == consultation.id, Invitation.archived == sa.false())
    ).all()
    rows = {s.id: InvitedRow(inv, s) for inv, s in invited}
    if rows:
        _mark_reactions(session, consultation, rows)
    ordered = sorted(rows.values(),
                     key=lambda r: (ORDER[r.state], r.stakeholder.name.casefold()))
    return Overview(ordered)


def _mark_reactions(session: Session, consultation: Consultation,
                    rows: dict[int, InvitedRow]) -> None:
    """Only the reactions that concern an invited stakeholder are read (sent by one, or with
    a point one sent), not every reaction of the consultation."""
    from ..db import kept

    invited = (select(Invitation.stakeholder_id)
               .where(Invitation.consultation_id == consultation.id, kept(Invitation.archived)))
    joint = select(Point.reaction_id).where(Point.stakeholder_id.in_(invited), kept(Point.archived))
    live = (Reaction.consultation_id == consultation.id) & kept(Reaction.archived) \
        & (Reaction.status == ReactionStatus.submitted) \
        & (Reaction.stakeholder_id.in_(invited) | Reaction.id.in_(joint))
    reactions = session.exec(select(Reaction).where(live)
                             .order_by(Reaction.position, Reaction.id)).all()
    points = dict(session.exec(
        select(Point.reaction_id, func.count(Point.id)).join(Reaction)
        .where(live, kept(Point.archived)).group_by(Point.reaction_id)).all())
    senders = session.exec(
        select(Point.stakeholder_id, Point.reaction_id).join(Reaction)
        .where(live, kept(Point.archived), Point.stakeholder_id.in_(invited))
        .distinct()).all()
    by_id = {r.id: r for r in reactions}
    counted: dict[int, set[int]] = {}
    for reaction in reactions:
        _count(rows, counted, reaction.stakeholder_id, reaction, points.get(reaction.id, 0))
    for stakeholder_id, reaction_id in senders:
        _count(rows, counted, stakeholder_id, by_id[reaction_id], 1)


def _count(rows, counted, stakeholder_id: int, reaction: Reaction, points: int) -> None:
    row = rows.get(stakeholder_id)
    if row is None or reaction.id in counted.setdefault(stakeholder_id, set()):
        return
    counted[stakeholder_id].add(reaction.id)
    row.reactions += 1
    state = REACTED if points else NO_COMMENTS
    if row.reaction is None or ORDER[state] > ORDER[row.state]:
        row.reaction, row.state = reaction, state


def invitable(session: Session, consultation: Consultation) -> list[tuple[Stakeholder, int]]:
    """The registry's live stakeholders as (stakeholder, depth), each under its parent, that
    are not invited yet (for the invite form)."""
    from ..registry.operations import registry_tree

    invited = set(session.exec(select(Invitation.stakeholder_id).where(
        Invitation.consultation_id == consultation.id, Invitation.archived == sa.false())))
    return [(s, depth) for s, depth in registry_tree(session) if s.id not in invited]


def days_left(consultation: Consultation, today: date | None = None) -> int | None:
    """Days until the deadline (0 on the last day, negative after it); None without one."""
    from ..lifecycle.operations import days_left as lifecycle_days_left

    return lifecycle_days_left(consultation, today)
