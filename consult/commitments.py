"""Commitments (toezeggingen): promises made in an answer, followed until they are kept.

Operations only flush; the request commits. Every change is told in the threads of the points
the answer covers, so a councillor following a point sees the promise and when it was kept.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from .cleantext import clean_text
from .models import (
    Commitment,
    CommitmentCreate,
    CommitmentStatus,
    Message,
    MessageKind,
    Point,
    Reaction,
    Response,
    ResponsePoint,
    Stakeholder,
    User,
    utcnow,
)


class CommitmentError(ValueError):
    """Bad input for a commitment; the message is for the user (in Dutch)."""


class CommitmentConflict(CommitmentError):
    """The commitment changed after the form was shown (or at the same moment)."""


def _covered(session: Session, response: Response) -> list[int]:
    return list(session.exec(
        select(ResponsePoint.point_id).where(ResponsePoint.response_id == response.id)
    ))


def _tell(session: Session, actor: User | None, response: Response, event: str, data) -> None:
    for point_id in _covered(session, response):
        session.add(Message(point_id=point_id, author_id=actor.id if actor else None,
                            kind=MessageKind.system, event=event, data=data,
                            response_id=response.id))


def create(session: Session, actor: User | None, response: Response, description: str,
           owner: str, due_on: date | None, due_meeting: str) -> Commitment:
    """Record a promise made in this answer."""
    description, owner, due_meeting = (" ".join(v.split()) for v in (description, owner,
                                                                      due_meeting))
    if not description:
        raise CommitmentError("Beschrijf wat er is toegezegd.")
    if not owner:
        raise CommitmentError("Vul in wie de toezegging nakomt.")
    if due_on is None and not due_meeting:
        raise CommitmentError("Geef een datum of de vergadering waarin het klaar moet zijn.")
    checked = CommitmentCreate.model_validate({
        "response_id": response.id, "description": description[:10_000], "owner": owner[:300],
        "due_on": due_on, "due_meeting": due_meeting[:300],
    })
    commitment = Commitment.model_validate(checked.model_dump())
    session.add(commitment)
    session.flush()
    _tell(session, actor, response, "commitment_made",
          {"description": commitment.description, "owner": commitment.owner,
           "due": due_on.isoformat() if due_on else commitment.due_meeting})
    return commitment


def set_status(session: Session, actor: User | None, commitment: Commitment, status: str,
               evidence: str, seen: tuple[str, str] | None = None) -> None:
    """Keep (with the evidence of where), cancel or reopen a commitment. ``seen`` is the
    (status, evidence) the form showed; raises CommitmentConflict when it changed since."""
    # Written by a conditional UPDATE (no ORM flush to clean it): clean here (cleantext).
    evidence = " ".join(clean_text(evidence).split())[:1000]
    if status not in {s.value for s in CommitmentStatus}:
        raise CommitmentError("Onbekende status.")
    if status == CommitmentStatus.done and not evidence:
        raise CommitmentError("Geef aan waar de toezegging is nagekomen (document, besluit, "
                              "vergadering of link).")
    if status == commitment.status and evidence == commitment.evidence:
        return
    was_status, was_evidence = seen or (commitment.status, commitment.evidence)
    # One conditional UPDATE: only if the commitment is still as the form showed it, so that
    # of two people keeping it at the same moment the second is told, not overwritten.
    changed = session.execute(
        sa.update(Commitment)
        .where(Commitment.id == commitment.id, Commitment.status == was_status,
               Commitment.evidence == was_evidence)
        .values(status=status, updated_at=utcnow(),
                evidence=evidence if status == CommitmentStatus.done else Commitment.evidence)
        .returning(Commitment.id)
    ).first()
    session.refresh(commitment)
    if changed is None:
        raise CommitmentConflict(_(
            "Someone else changed this commitment in the meantime; see its status now. "
            "Not saved: “%(evidence)s”.", evidence=evidence or status))
    response = session.get(Response, commitment.response_id)
    _tell(session, actor, response, f"commitment_{status}",
          {"description": commitment.description, "evidence": commitment.evidence})


@dataclass
class Row:
    commitment: Commitment
    response: Response
    first_point: Point | None
    stakeholder: Stakeholder | None

    @property
    def overdue(self) -> bool:
        c = self.commitment
        return (c.status == CommitmentStatus.open and c.due_on is not None
                and c.due_on < date.today())


@dataclass
class OpenCommitments:
    """What a dashboard shows of a consultation's open commitments: how many, how many of
    them overdue, and the first ``shown`` in the order of ``overview`` (soonest due first,
    so the overdue ones lead; then those without a date)."""

    count: int
    overdue: int
    first: list[Commitment]

    @staticmethod
    def is_overdue(commitment: Commitment) -> bool:
        return commitment.due_on is not None and commitment.due_on < date.today()


def open_commitments(session: Session, consultation_id: int, shown: int = 10) -> OpenCommitments:
    """The consultation's open commitments as a dashboard shows them (OpenCommitments): their
    ids and due dates (two columns, counted here), then the ``shown`` first as objects;
    instead of every commitment with its answer, point, reaction and sender (``overview``:
    14 ms a request at 270 commitments, most of the dashboard's time)."""
    today = date.today()
    due = session.execute(
        sa.select(Commitment.id, Commitment.due_on)
        .join(Response, Response.id == Commitment.response_id)
        .where(Response.consultation_id == consultation_id, Commitment.archived == sa.false(),
               Commitment.status == CommitmentStatus.open)
        .order_by(Commitment.due_on.is_(None), Commitment.due_on, Commitment.id)
    ).all()
    first_ids = [commitment_id for commitment_id, _due in due[:shown]]
    objects = {c.id: c for c in session.exec(
        select(Commitment).where(Commitment.id.in_(first_ids)))} if first_ids else {}
    return OpenCommitments(len(due), sum(1 for _id, on in due if on is not None and on < today),
                           [objects[i] for i in first_ids])


def overview(session: Session, consultation_id: int) -> list[Row]:
    """Every commitment of a consultation: open ones first (overdue first), then the rest."""
    found = session.exec(
        select(Commitment, Response)
        .join(Response, Response.id == Commitment.response_id)
        .where(Response.consultation_id == consultation_id, Commitment.archived == False)  # noqa: E712
    ).all()
    response_ids = sorted({response.id for _c, response in found})
    first_point: dict[int, int] = {}
    if response_ids:
        for response_id, point_id in session.execute(
            sa.select(ResponsePoint.response_id, sa.func.min(ResponsePoint.point_id))
            .where(ResponsePoint.response_id.in_(response_ids))
            .group_by(ResponsePoint.response_id)
        ):
            first_point[response_id] = point_id
    wanted = sorted(set(first_point.values()))
    points = {p.id: p for p in session.exec(
        select(Point).where(Point.id.in_(wanted)))} if wanted else {}
    reaction_ids = {p.reaction_id for p in points.values()} | {
        r.reaction_id for _c, r in found if r.reaction_id}
    reactions = {r.id: r for r in session.exec(
        select(Reaction).where(Reaction.id.in_(sorted(reaction_ids))))} if reaction_ids else {}
    stakeholders = {s.id: s for s in session.exec(select(Stakeholder).where(Stakeholder.id.in_(
        sorted({p.stakeholder_id for p in points.values() if p.stakeholder_id}
               | {r.stakeholder_id for r in reactions.values()}))))} if reactions else {}
    rows = []
    for commitment, response in found:
        point = points.get(first_point.get(response.id))
        reaction = reactions.get(point.reaction_id if point else response.reaction_id)
        stakeholder = None
        if point and point.stakeholder_id:
            stakeholder = stakeholders.get(point.stakeholder_id)
        elif reaction:
            stakeholder = stakeholders.get(reaction.stakeholder_id)
        rows.append(Row(commitment, response, point, stakeholder))
    order = {CommitmentStatus.open: 0, CommitmentStatus.done: 1, CommitmentStatus.cancelled: 2}
    rows.sort(key=lambda r: (order.get(r.commitment.status, 3), not r.overdue,
                             r.commitment.due_on or date.max, r.commitment.id))
    return rows
