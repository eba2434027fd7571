"""Changing many answers at once, as processing.revise changes one: each changed answer gets
its next version (a ResponseVersion snapshot), its audit event and the thread events of its
points, in a few queries per thousand answers instead of a dozen per answer.

Only flushes; the caller commits.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from .. import audit
from ..errors import same_moment
from ..intake import bump_revision, next_position
from ..models import (
    Consultation,
    Destination,
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
from ..processing import destination_paths
from ..text import render_markdown

CHUNK = 900  # ids per IN (...), well below SQLite's limit on bound variables


class AnswersChanged(ValueError):
    """Someone else saved one of the answers at the same moment: nothing was changed."""

    def __str__(self) -> str:
        return same_moment()


def chunks(ids, size: int = CHUNK):
    """``ids`` (any iterable) as lists of at most ``size``."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def latest_answers(session: Session, point_ids) -> dict[int, Response]:
    """Each point's latest live released answer (by position, then id, as the pages order
    them): {point_id: Response}; the one the pages show, never a draft, which is the
    secretariat's own until released (the attack: setting the status of all "vastgesteld"
    points released a hidden draft to the public page). Points without one are left out."""
    latest: dict[int, Response] = {}
    for chunk in chunks(point_ids):
        for point_id, response in session.execute(
            sa.select(ResponsePoint.point_id, Response)
            .join(Response, Response.id == ResponsePoint.response_id)
            .where(ResponsePoint.point_id.in_(chunk), Response.archived == sa.false(),
                   Response.status != "draft")
            .order_by(Response.position, Response.id)
        ):
            latest[point_id] = response  # the last in that order wins
    return latest


def routes(session: Session, response_ids) -> dict[int, set[int]]:
    """The destination ids of each answer: {response_id: {destination_id, ...}}."""
    found: dict[int, set[int]] = {i: set() for i in response_ids}
    for chunk in chunks(found):
        for rid, did in session.execute(
            sa.select(ResponseDestination.response_id, ResponseDestination.destination_id)
            .where(ResponseDestination.response_id.in_(chunk))
        ):
            found[rid].add(did)
    return found


def covered(session: Session, response_ids) -> dict[int, list[Point]]:
    """The points each answer covers, in table order: {response_id: [Point, ...]}."""
    found: dict[int, list[Point]] = defaultdict(list)
    for chunk in chunks(response_ids):
        for rid, point in session.execute(
            sa.select(ResponsePoint.response_id, Point)
            .join(Point, Point.id == ResponsePoint.point_id)
            .where(ResponsePoint.response_id.in_(chunk))
            .order_by(Point.reaction_id, Point.position, Point.id)
        ):
            found[rid].append(point)
    return found


def change_answers(session: Session, actor: User | None, consultation_id: int,
                   wanted: dict[int, tuple[Response, str, set[int]]]) -> dict[int, dict]:
    """Give each answer (``wanted``: {response_id: (response, status, destination ids)}) its
    new status and destinations. Returns, per changed answer, {"before": (status, [ids]),
    "points": [Point, ...]}. Raises AnswersChanged when another save came first."""
    ids = list(wanted)
    before_routes = routes(session, ids)
    paths = destination_paths(session, consultation_id)
    befores = {}
    for rid, (response, status, _destinations) in wanted.items():
        befores[rid] = {**audit.snapshot(response),
                        "destinations": [paths[d] for d in sorted(before_routes[rid])]}
        response.status = status
        response.version += 1
        response.updated_at = utcnow()
        session.add(response)
    try:
        # UPDATE ... WHERE version = <as read> for each (models.Versioned): a save that came
        # in between makes the whole bulk action fail instead of overwriting it.
        session.flush()
    except StaleDataError:
        raise AnswersChanged() from None
    _relink(session, wanted, before_routes)
    points = covered(session, ids)
    done = {}
    for rid, (response, status, destinations) in wanted.items():
        names = [paths[d] for d in sorted(destinations) if d in paths]
        session.add(ResponseVersion(
            response_id=rid, version=response.version, body=response.body,
            status=response.status, decided_by=response.decided_by,
            decided_on=response.decided_on, destinations=names,
            points=[p.number for p in points[rid]], author_id=actor.id if actor else None))
        audit.record(session, actor, "change", response, befores[rid]).after["destinations"] = (
            names)
        old_status = befores[rid]["status"]
        _events(session, actor, response, points[rid], "answer_changed",
                {"destinations": names, "status": status, "version": response.version})
        if old_status != status:
            _events(session, actor, response, points[rid], "status_changed",
                    {"from": old_status, "to": status})
        done[rid] = {"before": (old_status, sorted(before_routes[rid])), "points": points[rid]}
    bump_revision(session, consultation_id)
    session.flush()
    return done


def _relink(session: Session, wanted, before_routes) -> None:
    """Replace each answer's destination links by the wanted ones (link rows, not domain
    data: the answer's versions keep the history)."""
    gone: dict[int, list[int]] = defaultdict(list)
    for rid, (_r, _s, new) in wanted.items():
        for did in before_routes[rid] - new:
            gone[did].append(rid)
    for did, rids in gone.items():  # one DELETE per destination (and chunk), not per link
        for chunk in chunks(rids):
            session.execute(sa.delete(ResponseDestination).where(
                ResponseDestination.destination_id == did,
                ResponseDestination.response_id.in_(chunk)))
    session.add_all(ResponseDestination(response_id=rid, destination_id=d)
                    for rid, (_r, _s, new) in wanted.items() for d in new - before_routes[rid])


def _events(session: Session, actor, response: Response, points, event: str, data: dict) -> None:
    """Tell each covered point's thread what happened to its answer."""
    now = utcnow()
    insert_rows(session, Message, [
        {"point_id": p.id, "author_id": actor.id if actor else None, "created_at": now,
         "updated_at": now, "archived": False, "kind": MessageKind.system.value, "body": "",
         "body_html": _EMPTY_HTML, "event": event, "data": data, "response_id": response.id,
         "public": False} for p in points])


_EMPTY_HTML = render_markdown("")


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """Insert plain rows (thread events, audit events, link rows) in one statement per
    thousand: thousands of ORM objects cost more than the writing. Only for rows that no
    session hook needs to see (system messages are not searched; links are re-read with their
    answer, which is written through the ORM)."""
    for chunk in chunks(rows, 1000):
        session.execute(sa.insert(model), chunk)


def create_answers(session: Session, actor: User | None, consultation: Consultation,
                   groups: list[tuple[int, list[Point], str]],
                   destinations: list[Destination], status: str,
                   decided: list[tuple[str, object]] | None = None) -> list[Response]:
    """One new answer per group (reaction id, its points, the explanation), each routed to
    ``destinations`` with ``status``: the rows processing.answer writes for one (answer,
    links, version 1, audit event, "answered" in each point's thread), for all groups in a
    few statements. ``decided``: per group (decided by, decided on: a date or None), when the
    answers copy a decision. Raises pydantic.ValidationError for an explanation that is too
    long."""
    position = next_position(session, Response.position,
                             Response.consultation_id == consultation.id)
    decided = decided or [("", None)] * len(groups)
    responses = [Response.model_validate(ResponseCreate.model_validate({
        "consultation_id": consultation.id, "reaction_id": reaction_id, "body": body,
        "status": status, "position": position + i, "decided_by": by, "decided_on": on}))
        for i, ((reaction_id, _points, body), (by, on)) in enumerate(
            zip(groups, decided, strict=True))]
    session.add_all(responses)
    session.flush()
    paths = destination_paths(session, consultation.id)
    names = [paths[d.id] for d in destinations]
    author = actor.id if actor else None
    insert_rows(session, ResponsePoint, [
        {"response_id": r.id, "point_id": p.id}
        for r, (_rid, points, _body) in zip(responses, groups, strict=True) for p in points])
    insert_rows(session, ResponseDestination, [
        {"response_id": r.id, "destination_id": d.id} for r in responses for d in destinations])
    for response, (_reaction_id, points, _body) in zip(responses, groups, strict=True):
        session.add(ResponseVersion(
            response_id=response.id, version=1, body=response.body, status=response.status,
            decided_by=response.decided_by, decided_on=response.decided_on,
            destinations=names, points=[p.number for p in points], author_id=author))
        audit.record(session, actor, "create", response)
        _events(session, actor, response, points, "answered",
                {"destinations": names, "status": response.status, "version": 1})
    bump_revision(session, consultation.id)
    session.flush()
    return responses
