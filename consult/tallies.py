"""The installation's figures per consultation: how many live reactions, and per sender how many
live points in which status (the status of the point's latest answer, "open" without one).

The home page, the stakeholder index and a municipality's page show these figures for every
consultation the reader may see. Counted afresh on every request they grew with the whole
installation (issue 15: 120,000 points behind a page that shows twenty numbers), so each
consultation's tally is kept (per process, and shared by the worker processes of the machine:
consult.revisions) and reused while the consultation's ``figures_revision`` is the same: every
write to its reactions, points and answers bumps that number (consult's central revision hook).
A missed tally is counted in SQL for the missing consultations only.
"""

from dataclasses import dataclass, field
from functools import cached_property

import sqlalchemy as sa
from sqlmodel import Session

from . import revisions
from .models import (
    Consultation,
    Point,
    Reaction,
    ReactionStatus,
    Response,
    ResponsePoint,
    ResponseStatus,
)

OPEN = "open"


@dataclass(frozen=True)
class Tally:
    """One consultation's live reactions, and its live points per sender and status."""

    reactions: int = 0
    senders: dict[int, dict[str, int]] = field(default_factory=dict)
    letter_senders: frozenset[int] = frozenset()  # who sent a live reaction (points or not)

    @cached_property
    def points(self) -> int:
        """Live points of all senders (summed once per kept tally: the home page asks twice
        per consultation, 215,000 additions a request at 120,000 points when summed anew)."""
        return sum(n for statuses in self.senders.values() for n in statuses.values())

    @cached_property
    def known_senders(self) -> frozenset[int]:
        """Who sent a live reaction or a live point here (access.known_stakeholders): worked
        out once per tally, which is kept per revision, not on every search (4 ms a request
        for the public at 120,000 points)."""
        return self.letter_senders | {sid for sid, statuses in self.senders.items() if statuses}

    @cached_property
    def open(self) -> int:
        """Live points without a released answer (summed once per kept tally)."""
        return sum(statuses.get(OPEN, 0) for statuses in self.senders.values())

    def of(self, senders, status: str | None = None) -> int:
        """Points of these sender ids (in ``status`` only, when given)."""
        return sum(
            n
            for sid in senders
            for s, n in self.senders.get(sid, {}).items()
            if status is None or s == status
        )


def latest_status():
    """Scalar subquery (correlated on Point): the status of the point's latest live, released
    answer (by the answer's position, then id: as the pages order them), or NULL."""
    return (
        sa.select(Response.status)
        .join(ResponsePoint, ResponsePoint.response_id == Response.id)
        .where(
            ResponsePoint.point_id == Point.id,
            Response.archived == sa.false(),
            Response.status != ResponseStatus.draft,
        )
        .order_by(Response.position.desc(), Response.id.desc())
        .limit(1)
        .correlate(Point)
        .scalar_subquery()
    )


def _live_reaction():
    return (Reaction.archived == sa.false()) & (Reaction.status == ReactionStatus.submitted)


def _count(session: Session, ids: list[int]) -> dict[int, Tally]:
    """Count the tallies of these consultations (two queries, limited to them)."""
    reactions: dict[int, int] = {}
    letters: dict[int, set[int]] = {cid: set() for cid in ids}
    for cid, sid, n in session.execute(
        sa.select(Reaction.consultation_id, Reaction.stakeholder_id, sa.func.count(Reaction.id))
        .where(Reaction.consultation_id.in_(ids), _live_reaction())
        .group_by(Reaction.consultation_id, Reaction.stakeholder_id)
    ):
        reactions[cid] = reactions.get(cid, 0) + n
        letters[cid].add(sid)
    status = sa.func.coalesce(latest_status(), OPEN).label("status")
    sender = sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id).label("sender")
    inner = (
        sa.select(Reaction.consultation_id.label("cid"), sender, status)
        .select_from(Point)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(Reaction.consultation_id.in_(ids), _live_reaction(),
               Point.archived == sa.false())
        .subquery()
    )
    senders: dict[int, dict[int, dict[str, int]]] = {cid: {} for cid in ids}
    for cid, sid, st, n in session.execute(
        sa.select(inner.c.cid, inner.c.sender, inner.c.status, sa.func.count())
        .group_by(inner.c.cid, inner.c.sender, inner.c.status)
    ):
        senders[cid].setdefault(sid, {})[str(st)] = n
    return {cid: Tally(reactions.get(cid, 0), senders[cid], frozenset(letters[cid]))
            for cid in ids}


def tallies(session: Session, consultations: list[Consultation]) -> dict[int, Tally]:
    """The tally of each consultation (by id), kept per figures revision on the revisions'
    "tallies" shelf (in this process and shared by the machine's worker processes); the
    missing ones counted in one go.

    The key holds the creation time too, so that a consultation id used again (a restore into
    the same process) never meets an old tally."""
    found: dict[int, Tally] = {}
    missing = []
    for c in consultations:
        hit = revisions.recall(_key(c), "tallies")
        if hit is revisions.MISSING:
            missing.append(c)
        else:
            found[c.id] = hit
    if missing:
        counted = _count(session, [c.id for c in missing])
        for c in missing:
            found[c.id] = counted[c.id]
            if not revisions.unsettled(session, c.id):  # else counted in a transaction
                revisions.keep(_key(c), counted[c.id], "tallies")  # that may roll back
    return found


def _key(c: Consultation) -> tuple:
    return ("tally", c.id, c.figures_revision, c.created_at)
