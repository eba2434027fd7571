"""What goes into the index, read straight from the database (the truth).

Five kinds of search document, each keyed "<letter><id>":
- ``p`` a point: its heading and text (its stakeholder is a facet, and a document of its own);
- ``r`` a response (explanation): its text;
- ``m`` a thread message written by a person (system events are not searchable text);
- ``s`` a stakeholder: its name;
- ``d`` a section of a destination's document, in its newest version (issue 18): its heading
  and text, readable by everyone who may see the consultation (the document view's rule).

Only live things are indexed: no drafts, nothing archived, nothing of an archived consultation.
Facet values are ids and codes; names are looked up when results are shown, so renaming a
stakeholder or destination needs no reindex of its points. A response answers every sender of
the points it covers (one answer for a theme's points of Gemeente A and B): its
``stakeholder`` and ``skind`` hold each of them, separated by spaces, the first being the one
it was filed under before (its reaction's, else its first point's); every other document has
one.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session

from ..documents.models import DocumentSection, DocumentVersion
from ..models import (
    Consultation,
    Destination,
    Message,
    MessageKind,
    Point,
    Reaction,
    ReactionStatus,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    Stakeholder,
)

KINDS = {"p": "point", "r": "response", "m": "message", "s": "stakeholder", "d": "section"}
OPEN = "open"
_BATCH = 5_000
_IDS = 900  # ids per IN (...), below SQLite's limit on bound variables


def key(kind: str, object_id: int) -> str:
    return f"{kind}{object_id}"


def _stamp(value) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day).timestamp())
    return 0


def _year(*values) -> str:
    for value in values:
        if value is not None:
            return str(value.year)
    return ""


def _live_points():
    """Points a search may show: live point, submitted live reaction, live consultation."""
    sender = sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)
    return (
        sa.select(
            Point.id,
            Point.heading,
            Point.body,
            Point.created_at,
            Reaction.id,
            Reaction.consultation_id,
            Reaction.channel,
            Reaction.received_on,
            Stakeholder.id,
            Stakeholder.name,
            Stakeholder.kind,
            sa.func.coalesce(Consultation.opened_on, Consultation.decided_on),
        )
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .join(Stakeholder, Stakeholder.id == sender)
        .where(
            Point.archived == sa.false(),
            Reaction.archived == sa.false(),
            Reaction.status == ReactionStatus.submitted,
            Consultation.archived == sa.false(),
        )
    )


class _Answers:
    """Status and destinations of points from their live, non-draft responses."""

    def __init__(self, session: Session, point_ids: Iterable[int] | None, part=None):
        live = (Response.archived == sa.false()) & (Response.status != ResponseStatus.draft)
        # (position, id, status) per point: the last in that order decides the status, as
        # on the follow-up pages (followup.FollowedPoint.status).
        self.responses: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        routes = sa.select(ResponseDestination.response_id, ResponseDestination.destination_id)
        if point_ids is None:
            links = sa.select(ResponsePoint.point_id, Response.position, Response.id,
                              Response.status).join(
                Response, Response.id == ResponsePoint.response_id
            ).where(live)
            if part is not None:
                links = links.where(_part(ResponsePoint.point_id, part))
            for point_id, position, response_id, status in session.execute(links):
                self.responses[point_id].append((position, response_id, status))
        else:
            # A page of results: look up by the link table's point index, then the responses
            # by primary key (one join would let SQLite scan every live response).
            pairs = session.execute(
                sa.select(ResponsePoint.point_id, ResponsePoint.response_id).where(
                    ResponsePoint.point_id.in_(list(point_ids))
                )
            ).all()
            response_ids = sorted({r for _p, r in pairs})
            status = {
                rid: (position, st) for rid, position, st in session.execute(
                    sa.select(Response.id, Response.position, Response.status).where(
                        Response.id.in_(response_ids), live
                    )
                )
            } if response_ids else {}
            for point_id, response_id in pairs:
                if response_id in status:
                    position, st = status[response_id]
                    self.responses[point_id].append((position, response_id, st))
            routes = routes.where(ResponseDestination.response_id.in_(sorted(status)))
        self.routes: dict[int, list[int]] = defaultdict(list)
        for response_id, destination_id in session.execute(routes):
            self.routes[response_id].append(destination_id)

    def of(self, point_id: int) -> tuple[str, list[int]]:
        answers = sorted(self.responses.get(point_id, ()))
        if not answers:
            return OPEN, []
        destinations = sorted({d for _pos, rid, _s in answers for d in self.routes.get(rid, ())})
        return answers[-1][2], destinations


def _point_doc(row, status: str, destinations: list[int]) -> dict:
    (pid, heading, body, created, _rid, cid, channel, received, sid, sname, skind, held) = row
    ids = " ".join(map(str, destinations))
    return {
        "key": key("p", pid),
        "kind": "point",
        "consultation": str(cid),
        "stakeholder": str(sid),
        "skind": skind,
        "channel": channel,
        "status": status,
        "year": _year(received, held, created),
        "destinations": ids,
        "when": _stamp(received or held or created),
        "body": f"{heading or ''}\n{body}",
    }


def _part(column, part):
    """Rows of one part of a parallel rebuild: ids spread over the parts by remainder."""
    number, parts = part
    return (column % parts) == number


def _limited(query, column, ids: list[int] | None, part):
    """``query`` limited to the rows whose ``column`` is one of ``ids`` (None: all) and of
    the rebuild's ``part`` (None: all; see _part)."""
    if ids is not None:
        query = query.where(column.in_(ids))
    if part is not None:
        query = query.where(_part(column, part))
    return query


def point_documents(session: Session, ids: list[int] | None = None, part=None) -> Iterator[dict]:
    """Index documents for the given points (all live points when ids is None)."""
    query = _live_points().order_by(Point.id)
    query = _limited(query, Point.id, ids, part)
    answers = _Answers(session, ids, part)
    for row in session.execute(query.execution_options(yield_per=_BATCH)):
        yield _point_doc(row, *answers.of(row[0]))


def _answers_something_live():
    """The response answers a live point of a live, submitted reaction, or stands in the row of
    such a reaction (an answer to a reaction as a whole): an answer to archived points only is
    as hidden as they are."""
    live_reaction = (Reaction.archived == sa.false()) & (
        Reaction.status == ReactionStatus.submitted
    )
    return sa.exists(
        sa.select(ResponsePoint.point_id)
        .join(Point, Point.id == ResponsePoint.point_id)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(ResponsePoint.response_id == Response.id, Point.archived == sa.false(),
               live_reaction)
    ) | sa.exists(
        sa.select(Reaction.id).where(Reaction.id == Response.reaction_id, live_reaction)
    )


_LIVE_RESPONSE = (
    Response.archived == sa.false(),
    Response.status != ResponseStatus.draft,
    Consultation.archived == sa.false(),
    _answers_something_live(),
)
_WRITTEN_MESSAGE = (
    Message.archived == sa.false(),
    Message.kind != MessageKind.system,
    Message.body != "",
)


def response_documents(
    session: Session, ids: list[int] | None = None, part=None
) -> Iterator[dict]:
    """Index documents for live, non-draft responses."""
    query = (
        sa.select(
            Response.id,
            Response.consultation_id,
            Response.status,
            Response.body,
            Response.decided_on,
            Response.created_at,
            Response.reaction_id,
        )
        .join(Consultation, Consultation.id == Response.consultation_id)
        .where(*_LIVE_RESPONSE)
        .order_by(Response.id)
    )
    query = _limited(query, Response.id, ids, part)
    rows = session.execute(query).all()
    routes: dict[int, list[int]] = defaultdict(list)
    route_query = sa.select(ResponseDestination.response_id, ResponseDestination.destination_id)
    route_query = _limited(route_query, ResponseDestination.response_id, ids, part)
    for response_id, destination_id in session.execute(route_query):
        routes[response_id].append(destination_id)
    senders = _senders(session, rows)
    kinds = dict(session.execute(sa.select(Stakeholder.id, Stakeholder.kind)).all())
    for rid, cid, status, body, decided, created, _reaction_id in rows:
        sids, channel = senders.get(rid, ([], ""))
        ids_ = " ".join(map(str, sorted(routes.get(rid, ()))))
        yield {
            "key": key("r", rid),
            "kind": "response",
            "consultation": str(cid),
            "stakeholder": " ".join(map(str, sids)),
            "skind": " ".join(dict.fromkeys(kinds[sid] for sid in sids if kinds.get(sid))),
            "channel": channel or "",
            "status": status,
            "year": _year(decided, created),
            "destinations": ids_,
            "when": _stamp(decided or created),
            "body": body,
        }


def _senders(session: Session, rows) -> dict[int, tuple[list[int], str]]:
    """Who each response (rows of response_documents) answers, as ([stakeholder id, ...],
    channel): first the one it was always filed under (its reaction's stakeholder, else its
    first covered point's sender), then the sender of each other live point it covers
    (a point's own stakeholder, else its reaction's), each once. The channel is the first
    covered point's reaction's."""
    by_reaction = dict(session.execute(
        sa.select(Reaction.id, Reaction.stakeholder_id).where(
            Reaction.id.in_({r[6] for r in rows if r[6]}))).all()) if rows else {}
    covered: dict[int, list[tuple[int, int, str, bool]]] = defaultdict(list)
    live = (Point.archived == sa.false()) & (Reaction.archived == sa.false()) & (
        Reaction.status == ReactionStatus.submitted)
    response_ids = [r[0] for r in rows]
    for start in range(0, len(response_ids), _IDS):
        for rid, pid, sid, channel, is_live in session.execute(
            sa.select(ResponsePoint.response_id, Point.id,
                      sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id),
                      Reaction.channel, live)
            .join(Point, Point.id == ResponsePoint.point_id)
            .join(Reaction, Reaction.id == Point.reaction_id)
            .where(ResponsePoint.response_id.in_(response_ids[start:start + _IDS]))
            .order_by(ResponsePoint.response_id, Point.reaction_id, Point.position, Point.id)
        ):
            covered[rid].append((pid, sid, channel, bool(is_live)))
    out = {}
    for rid, *_rest, reaction_id in rows:
        points = covered.get(rid, [])
        first = min(points, default=None)  # the lowest point id, as it always was
        primary = by_reaction.get(reaction_id) or (first[1] if first else None)
        ids = [primary] if primary else []
        ids += [sid for _pid, sid, _channel, is_live in points if is_live]
        out[rid] = (list(dict.fromkeys(ids)), first[2] if first else "")
    return out


def _readers(kind: str, public: bool) -> str:
    """Who may find a message (the "internal" code): the secretariat for an internal note,
    everyone for a public message, else people with an account (access.py's public line)."""
    if kind == MessageKind.internal_note:
        return "1"
    return "" if public else "members"


def message_documents(
    session: Session, ids: list[int] | None = None, part=None
) -> Iterator[dict]:
    """Index documents for messages people wrote, on live points."""
    points = _live_points().subquery()
    query = (
        sa.select(Message.id, Message.kind, Message.public, Message.body, Message.created_at,
                  points)
        .join(points, points.c.id == Message.point_id)
        .where(*_WRITTEN_MESSAGE)
        .order_by(Message.id)
    )
    query = _limited(query, Message.id, ids, part)
    rows = session.execute(query.execution_options(yield_per=_BATCH)).all()
    answers = _Answers(session, {r[5] for r in rows} if ids is not None else None)
    for mid, kind, public, body, created, *point_row in rows:
        status, destinations = answers.of(point_row[0])
        doc = _point_doc(point_row, status, destinations)
        doc.update(
            key=key("m", mid),
            kind="message",
            internal=_readers(kind, public),
            year=str(created.year),
            when=_stamp(created),
            body=body,
        )
        yield doc


def stakeholder_documents(
    session: Session, ids: list[int] | None = None, part=None
) -> Iterator[dict]:
    query = sa.select(Stakeholder.id, Stakeholder.name, Stakeholder.kind).where(
        Stakeholder.archived == sa.false()
    )
    query = _limited(query, Stakeholder.id, ids, part)
    for sid, name, kind in session.execute(query.order_by(Stakeholder.id)):
        yield {
            "key": key("s", sid),
            "kind": "stakeholder",
            "stakeholder": str(sid),
            "skind": kind,
            "body": name,
        }


def _current_versions(session: Session, destination_ids=None) -> dict[int, int]:
    """destination id -> the id of its document's newest version (by date, then added: as
    documents.operations.versions_of; a removed version is no version), of live destinations
    of live consultations."""
    query = (sa.select(DocumentVersion.destination_id, DocumentVersion.id)
             .join(Destination, Destination.id == DocumentVersion.destination_id)
             .join(Consultation, Consultation.id == Destination.consultation_id)
             .where(Consultation.archived == sa.false(), Destination.archived == sa.false(),
                    DocumentVersion.removed == sa.false())
             .order_by(DocumentVersion.dated, DocumentVersion.id))
    if destination_ids is not None:
        query = query.where(DocumentVersion.destination_id.in_(list(destination_ids)))
    return dict(session.execute(query).all())  # the last (newest) of each wins


def section_documents(
    session: Session, ids: list[int] | None = None, part=None
) -> Iterator[dict]:
    """Index documents for the sections of each document's newest version (an older version's
    sections are no documents: their key leaves the index when a new version comes)."""
    query = (
        sa.select(DocumentSection.id, DocumentSection.version_id, DocumentVersion.destination_id,
                  Destination.consultation_id, DocumentVersion.dated,
                  sa.func.substr(DocumentVersion.text, DocumentSection.start + 1,
                                 DocumentSection.end - DocumentSection.start))
        .join(DocumentVersion, DocumentVersion.id == DocumentSection.version_id)
        .join(Destination, Destination.id == DocumentVersion.destination_id)
        .order_by(DocumentSection.id)
    )
    query = _limited(query, DocumentSection.id, ids, part)
    rows = session.execute(query).all()
    current = _current_versions(session, {r[2] for r in rows})
    for sid, version_id, destination_id, cid, dated, text in rows:
        if current.get(destination_id) != version_id:
            continue
        yield {
            "key": key("d", sid),
            "kind": "section",
            "consultation": str(cid),
            "destinations": str(destination_id),
            "year": str(dated.year),
            "when": _stamp(dated),
            "body": text,
        }


BUILDERS = {
    "p": point_documents,
    "r": response_documents,
    "m": message_documents,
    "s": stakeholder_documents,
    "d": section_documents,
}


def all_documents(session: Session, part: tuple[int, int] | None = None) -> Iterator[dict]:
    """Every document the index should hold; ``part=(i, n)``: the i-th of n shares."""
    for build in BUILDERS.values():
        yield from build(session, part=part)


def count_sources(session: Session) -> dict[str, int]:
    """How many documents the database says the index should hold, per kind (counted by the
    database, with the builders' own conditions)."""
    points = _live_points().subquery()

    def count(query) -> int:
        return session.execute(sa.select(sa.func.count()).select_from(query.subquery())
                               ).scalar_one()

    return {
        "point": count(sa.select(points.c.id)),
        "response": count(sa.select(Response.id).join(
            Consultation, Consultation.id == Response.consultation_id).where(*_LIVE_RESPONSE)),
        "message": count(sa.select(Message.id).join(points, points.c.id == Message.point_id)
                         .where(*_WRITTEN_MESSAGE)),
        "stakeholder": count(sa.select(Stakeholder.id).where(Stakeholder.archived == sa.false())),
        "section": count(sa.select(DocumentSection.id).where(
            DocumentSection.version_id.in_(list(_current_versions(session).values())))),
    }


def documents_for(session: Session, keys: Iterable[str]) -> tuple[list[dict], list[str]]:
    """Fresh documents for these keys, and the keys that should no longer be in the index."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for k in keys:
        wanted[k[0]].append(int(k[1:]))
    found: list[dict] = []
    for letter, ids in wanted.items():
        found.extend(BUILDERS[letter](session, sorted(set(ids))))
    present = {d["key"] for d in found}
    gone = sorted({k for k in keys} - present)
    return found, gone
