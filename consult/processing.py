"""Answering points: destinations, and responses that route points to them, with versions.

Operations validate through the Create models and only flush; the caller commits.
"""

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from . import audit
from .intake import bump_revision, next_position
from .models import (
    Consultation,
    Destination,
    DestinationCreate,
    Message,
    MessageKind,
    Point,
    Response,
    ResponseCreate,
    ResponseDestination,
    ResponsePoint,
    ResponseVersion,
    User,
    utcnow,
)

PATH_SEPARATOR = " › "


class ProcessingError(ValueError):
    """A change that cannot be made as asked; the message says why."""


class ConflictError(ProcessingError):
    """Someone else saved the response after the editor opened it (or at the same moment)."""

    def __init__(self, current: Response):
        super().__init__()
        self.current = current

    def __str__(self) -> str:
        # Read when shown: the caller rolls back and refreshes ``current`` first, so the
        # message names the version that is saved now.
        return _("Someone else changed this answer in the meantime (now version %(v)s). "
                 "Your text is kept below; compare and save again.", v=self.current.version)


# --- destinations ----------------------------------------------------------------


def destinations_of(session: Session, consultation_id: int, archived: bool = False):
    """The consultation's destinations in tree order (parents before children)."""
    rows = session.exec(
        select(Destination)
        .where(Destination.consultation_id == consultation_id)
        .order_by(Destination.position, Destination.id)
    ).all()
    if not archived:
        rows = [d for d in rows if not d.archived]
    by_parent: dict[int | None, list[Destination]] = {}
    for d in rows:
        by_parent.setdefault(d.parent_id, []).append(d)
    ordered: list[tuple[Destination, int]] = []

    def walk(parent_id, depth):
        for d in by_parent.get(parent_id, []):
            ordered.append((d, depth))
            walk(d.id, depth + 1)

    walk(None, 0)
    return ordered


def destination_path(destination: Destination, by_id: dict[int, Destination]) -> str:
    """"Inkoopplan 2017 › Financiële paragraaf"."""
    parent = by_id.get(destination.parent_id) if destination.parent_id else None
    return (destination_path(parent, by_id) + PATH_SEPARATOR if parent else "") + destination.title


def create_destination(session: Session, actor: User | None = None, **fields) -> Destination:
    """Validate and add a destination (a node in the consultation's tree), last among siblings."""
    if "position" not in fields:
        siblings = session.exec(
            select(Destination.position).where(
                Destination.consultation_id == fields["consultation_id"],
                Destination.parent_id == fields.get("parent_id"),
            )
        ).all()
        fields["position"] = max(siblings, default=0) + 1
    destination = Destination.model_validate(DestinationCreate.model_validate(fields))
    session.add(destination)
    session.flush()
    audit.record(session, actor, "create", destination)
    return destination


def rename_destination(
    session: Session, destination: Destination, title: str, actor: User | None = None
) -> None:
    """Give a destination a new title (history keeps the old name)."""
    title = " ".join(title.split())
    if not title or len(title) > 300:
        raise ProcessingError(_("A destination needs a name of at most 300 characters."))
    before = audit.snapshot(destination)
    destination.title = title
    session.add(destination)
    bump_revision(session, destination.consultation_id)
    session.flush()
    audit.record(session, actor, "change", destination, before)


def move_destination(session: Session, destination: Destination, step: int) -> None:
    """Swap a destination with its previous (-1) or next (+1) sibling."""
    siblings = session.exec(
        select(Destination)
        .where(
            Destination.consultation_id == destination.consultation_id,
            Destination.parent_id == destination.parent_id,
            Destination.archived == False,  # noqa: E712
        )
        .order_by(Destination.position, Destination.id)
    ).all()
    i = [d.id for d in siblings].index(destination.id)
    j = i + step
    if 0 <= j < len(siblings):
        siblings[i], siblings[j] = siblings[j], siblings[i]
        for position, d in enumerate(siblings, start=1):
            d.position = position
            session.add(d)
        bump_revision(session, destination.consultation_id)
        session.flush()


def set_destination_archived(
    session: Session, destination: Destination, archived: bool, actor: User | None = None
) -> None:
    """Archive (hide from new answers) or restore a destination; links stay intact."""
    set_archived(session, actor, destination, destination.consultation_id, archived)


# --- responses -------------------------------------------------------------------


def _snapshot(session: Session, response: Response, author: User | None) -> ResponseVersion:
    """Store the response's current state as a version."""
    paths = destination_paths(session, response.consultation_id)
    destination_ids = session.exec(
        select(ResponseDestination.destination_id).where(
            ResponseDestination.response_id == response.id
        )
    ).all()
    numbers = session.exec(
        select(Point.number)
        .join(ResponsePoint, ResponsePoint.point_id == Point.id)
        .where(ResponsePoint.response_id == response.id)
        .order_by(Point.reaction_id, Point.position)
    ).all()
    version = ResponseVersion(
        response_id=response.id,
        version=response.version,
        body=response.body,
        status=response.status,
        decided_by=response.decided_by,
        decided_on=response.decided_on,
        destinations=[paths[d] for d in destination_ids if d in paths],
        points=list(numbers),
        author_id=author.id if author else None,
    )
    session.add(version)
    return version


def _snapshot_paths(session: Session, response: Response) -> list[str]:
    """The response's destination paths as they are now."""
    paths = destination_paths(session, response.consultation_id)
    ids = session.exec(
        select(ResponseDestination.destination_id).where(
            ResponseDestination.response_id == response.id
        )
    ).all()
    return [paths[i] for i in ids if i in paths]


def destination_paths(session: Session, consultation_id: int) -> dict[int, str]:
    """Every destination's full path, e.g. "Inkoopplan 2017 › Financiële paragraaf"."""
    return destination_paths_of(session, [consultation_id])[consultation_id]


def destination_paths_of(session: Session, consultation_ids) -> dict[int, dict[int, str]]:
    """``destination_paths`` of several consultations in one query: {consultation id: {
    destination id: path}} (an empty dict for a consultation without destinations)."""
    ids = sorted(set(consultation_ids))
    by_id = {
        d.id: d
        for d in session.exec(select(Destination).where(Destination.consultation_id.in_(ids)))
    } if ids else {}
    out: dict[int, dict[int, str]] = {cid: {} for cid in ids}
    for i, d in by_id.items():
        out[d.consultation_id][i] = destination_path(d, by_id)
    return out


def _event(session, point_ids, actor, response, event, data) -> None:
    """Tell every covered point's thread what happened."""
    for point_id in point_ids:
        session.add(
            Message(
                point_id=point_id,
                author_id=actor.id if actor else None,
                kind=MessageKind.system,
                event=event,
                data=data,
                response_id=response.id,
            )
        )


def answer(
    session: Session,
    actor: User | None,
    consultation: Consultation,
    points: Iterable[Point],
    destinations: Iterable[Destination],
    body: str,
    status: str,
    decided_by: str = "",
    decided_on: date | None = None,
    reaction_id: int | None = None,
    position: int | None = None,
) -> Response:
    """Answer points with one explanation routed to destinations; threads record it."""
    points = list(points)
    destinations = list(destinations)
    if position is None:
        position = next_position(
            session, Response.position, Response.consultation_id == consultation.id
        )
    response = Response.model_validate(
        ResponseCreate.model_validate(
            {
                "consultation_id": consultation.id,
                "reaction_id": reaction_id,
                "body": body,
                "status": status,
                "decided_by": decided_by,
                "decided_on": decided_on,
                "position": position,
            }
        )
    )
    session.add(response)
    session.flush()
    session.add_all(ResponsePoint(response_id=response.id, point_id=p.id) for p in points)
    session.add_all(
        ResponseDestination(response_id=response.id, destination_id=d.id) for d in destinations
    )
    session.flush()
    version = _snapshot(session, response, actor)
    audit.record(session, actor, "create", response)
    _event(
        session,
        [p.id for p in points],
        actor,
        response,
        "answered",
        {"destinations": version.destinations, "status": response.status, "version": 1},
    )
    bump_revision(session, consultation.id)
    session.flush()
    return response


def revise(
    session: Session,
    actor: User | None,
    response: Response,
    expected_version: int,
    body: str,
    status: str,
    destinations: Iterable[Destination],
    decided_by: str = "",
    decided_on: date | None = None,
) -> Response:
    """Change an answer; the previous wording stays as a version. Raises ConflictError."""
    if response.version != expected_version:
        raise ConflictError(response)
    checked = ResponseCreate.model_validate(
        {
            "consultation_id": response.consultation_id,
            "body": body,
            "status": status,
            "decided_by": decided_by,
            "decided_on": decided_on,
        }
    )
    old_status = response.status
    before = {**audit.snapshot(response), "destinations": _snapshot_paths(session, response)}
    old_destinations = set(
        session.exec(
            select(ResponseDestination.destination_id).where(
                ResponseDestination.response_id == response.id
            )
        ).all()
    )
    new_destinations = {d.id for d in destinations}
    if (
        checked.body == response.body
        and checked.status == old_status
        and new_destinations == old_destinations
        and checked.decided_by == response.decided_by
        and checked.decided_on == response.decided_on
    ):
        return response  # nothing changed: no new version, no events
    response.body = checked.body
    response.status = checked.status
    response.decided_by = checked.decided_by
    response.decided_on = checked.decided_on
    response.version += 1
    response.updated_at = utcnow()
    session.add(response)
    try:
        # UPDATE ... WHERE version = <the version checked above> (models.Versioned), before
        # anything else is written: of two editors saving at the same moment, the second
        # waits for the first, then finds no such row and gets the conflict.
        session.flush()
    except StaleDataError:
        raise ConflictError(response) from None
    for destination_id in old_destinations - new_destinations:
        link = session.get(ResponseDestination, (response.id, destination_id))
        session.delete(link)  # a link row, not domain data: the version keeps the history
    session.add_all(
        ResponseDestination(response_id=response.id, destination_id=d)
        for d in new_destinations - old_destinations
    )
    session.flush()
    version = _snapshot(session, response, actor)
    audit.record(session, actor, "change", response, before).after["destinations"] = list(
        version.destinations
    )
    point_ids = session.exec(
        select(ResponsePoint.point_id).where(ResponsePoint.response_id == response.id)
    ).all()
    _event(
        session,
        point_ids,
        actor,
        response,
        "answer_changed",
        {"destinations": version.destinations, "status": response.status,
         "version": response.version},
    )
    if old_status != response.status:
        _event(session, point_ids, actor, response, "status_changed",
               {"from": old_status, "to": response.status})
    bump_revision(session, response.consultation_id)
    session.flush()
    return response


# --- archive and restore -----------------------------------------------------------


def set_archived(
    session: Session, actor: User | None, obj, consultation_id: int, archived: bool
) -> None:
    """Archive (hide) or restore a reaction, point or response; nothing is ever deleted."""
    if obj.archived == archived:
        return
    before = audit.snapshot(obj)
    obj.archived = archived
    obj.updated_at = utcnow()
    session.add(obj)
    session.flush()
    audit.record(session, actor, "archive" if archived else "restore", obj, before)
    bump_revision(session, consultation_id)
    session.flush()
