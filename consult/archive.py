"""A whole consultation as JSON, to archive it or move it to another instance.

Nothing in the file is a database id: stakeholders and destinations go by their slugs,
reactions by their place in the consultation, points by their place in the reaction, answers
by their place in the list. So exporting, importing into an empty database and exporting again
gives the same file (a test does exactly that). Message authors go by e-mail address; an author
the other instance does not know becomes an archived account without a password there.
Uploaded originals are not included (their text is: the reaction's original text), nor are
the destinations' documents: a landing names its document section for the reader, and an
import keeps only the landing's text. Themes, answer templates and status names:
consult/archive_parts.py.
"""

import json
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from .archive_parts import PartError, check_parts, export_parts, landing_sections, load_parts
from .cleantext import clean_value
from .lifecycle.operations import legacy_state
from .models import (
    Commitment,
    Consultation,
    Destination,
    Landing,
    Message,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseVersion,
    Stakeholder,
    User,
    aware,
)
from .processing import destinations_of

FORMAT = "consult-archive"
VERSION = 1


class ArchiveError(ValueError):
    """The file cannot be imported; the message is for the user (in Dutch)."""


def _when(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return aware(value).astimezone(UTC).isoformat()
    return value.isoformat()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- export -------------------------------------------------------------------------------


def export(session: Session, consultation: Consultation) -> dict:
    reactions = session.exec(
        select(Reaction).where(Reaction.consultation_id == consultation.id,
                               Reaction.status == "submitted")
        .order_by(Reaction.position, Reaction.id)
    ).all()
    stakeholders = {s.id: s for s in session.exec(select(Stakeholder))}
    users = {u.id: u for u in session.exec(select(User))}
    # In tree order: a parent before its children.
    destinations = [d for d, _depth in destinations_of(session, consultation.id, archived=True)]
    dest_slug = {d.id: d.slug for d in destinations}
    point_ref: dict[int, list[int]] = {}
    out_reactions = []
    used: set[int] = set()
    for r_index, reaction in enumerate(reactions):
        used.add(reaction.stakeholder_id)
        points = session.exec(
            select(Point).where(Point.reaction_id == reaction.id)
            .order_by(Point.position, Point.id)
        ).all()
        out_points = []
        for p_index, point in enumerate(points):
            point_ref[point.id] = [r_index, p_index]
            if point.stakeholder_id:
                used.add(point.stakeholder_id)
            out_points.append({
                "number": point.number, "position": point.position, "heading": point.heading,
                "body": point.body, "archived": point.archived,
                "sender": stakeholders[point.stakeholder_id].slug if point.stakeholder_id
                else None,
                "created_at": _when(point.created_at),
                "messages": [],
                "landings": [],
            })
        out_reactions.append({
            "stakeholder": stakeholders[reaction.stakeholder_id].slug,
            "channel": reaction.channel, "received_on": _when(reaction.received_on),
            "title": reaction.title, "original_text": reaction.original_text,
            "position": reaction.position, "archived": reaction.archived,
            "created_at": _when(reaction.created_at), "points": out_points,
        })
    responses = session.exec(
        select(Response).where(Response.consultation_id == consultation.id)
        .order_by(Response.position, Response.id)
    ).all()
    response_index = {r.id: i for i, r in enumerate(responses)}
    reaction_index = {r.id: i for i, r in enumerate(reactions)}
    out_responses = []
    for response in responses:
        covered = session.exec(
            select(ResponsePoint.point_id).where(ResponsePoint.response_id == response.id)
        ).all()
        routed = session.exec(
            select(ResponseDestination.destination_id)
            .where(ResponseDestination.response_id == response.id)
        ).all()
        versions = session.exec(
            select(ResponseVersion).where(ResponseVersion.response_id == response.id)
            .order_by(ResponseVersion.version)
        ).all()
        promises = session.exec(
            select(Commitment).where(Commitment.response_id == response.id)
            .order_by(Commitment.id)
        ).all()
        out_responses.append({
            "reaction": reaction_index.get(response.reaction_id),
            "points": sorted(point_ref[p] for p in covered if p in point_ref),
            "destinations": sorted(dest_slug[d] for d in routed),
            "body": response.body, "status": response.status,
            "decided_by": response.decided_by, "decided_on": _when(response.decided_on),
            "position": response.position, "archived": response.archived,
            "version": response.version, "created_at": _when(response.created_at),
            "versions": [{
                "version": v.version, "body": v.body, "status": v.status,
                "decided_by": v.decided_by, "decided_on": _when(v.decided_on),
                "destinations": v.destinations, "points": v.points,
                "author": users[v.author_id].email if v.author_id else None,
                "created_at": _when(v.created_at),
            } for v in versions],
            "commitments": [{
                "description": c.description, "owner": c.owner, "due_on": _when(c.due_on),
                "due_meeting": c.due_meeting, "status": c.status, "evidence": c.evidence,
                "archived": c.archived, "created_at": _when(c.created_at),
            } for c in promises],
        })
    authors: dict[str, User] = {}
    for message in session.exec(
        select(Message).where(Message.point_id.in_(list(point_ref))).order_by(Message.id)
    ):
        author = users.get(message.author_id)
        if author is not None:
            authors[author.email] = author
        r, p = point_ref[message.point_id]
        out_reactions[r]["points"][p]["messages"].append({
            "kind": message.kind, "body": message.body, "event": message.event,
            "data": message.data, "archived": message.archived,
            "response": response_index.get(message.response_id),
            "author": author.email if author else None,
            "created_at": _when(message.created_at),
        })
    landings = session.exec(
        select(Landing).where(Landing.point_id.in_(list(point_ref))).order_by(Landing.id)
    ).all()
    sections = landing_sections(session, [landing.id for landing in landings])
    for landing in landings:
        r, p = point_ref[landing.point_id]
        out_reactions[r]["points"][p]["landings"].append({
            "destination": dest_slug[landing.destination_id], "reference": landing.reference,
            "archived": landing.archived, "created_at": _when(landing.created_at),
            "section": sections.get(landing.id),
        })
    for v in (v for r in responses for v in session.exec(
            select(ResponseVersion).where(ResponseVersion.response_id == r.id))):
        if v.author_id in users:
            authors[users[v.author_id].email] = users[v.author_id]
    # The stakeholders used, with their parents, parents first.
    todo = list(used)
    while todo:
        parent = stakeholders[todo.pop()].parent_id
        if parent and parent not in used:
            used.add(parent)
            todo.append(parent)

    def depth(s: Stakeholder) -> int:
        n = 0
        while s.parent_id:
            s, n = stakeholders[s.parent_id], n + 1
        return n

    chosen = sorted((stakeholders[i] for i in used), key=lambda s: (depth(s), s.slug))
    c = consultation
    return {
        "format": FORMAT,
        "version": VERSION,
        "consultation": {
            "slug": c.slug, "title": c.title, "document": c.document, "organiser": c.organiser,
            "opened_on": _when(c.opened_on), "closes_on": _when(c.closes_on),
            "status": c.status, "description": c.description, "decided_by": c.decided_by,
            "decided_on": _when(c.decided_on), "published": c.published,
            "created_at": _when(c.created_at),
            "letter_opening": c.letter_opening, "letter_closing": c.letter_closing,
        },
        "stakeholders": [{
            "slug": s.slug, "name": s.name, "kind": s.kind,
            "parent": stakeholders[s.parent_id].slug if s.parent_id else None,
        } for s in chosen],
        "destinations": [{
            "slug": d.slug, "title": d.title, "kind": d.kind, "position": d.position,
            "archived": d.archived,
            "parent": dest_slug[d.parent_id] if d.parent_id else None,
        } for d in destinations],
        "authors": [{"email": a.email, "name": a.name, "role": a.role}
                    for a in sorted(authors.values(), key=lambda a: a.email)],
        "reactions": out_reactions,
        "responses": out_responses,
        **export_parts(session, consultation, point_ref),
    }


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


# --- import -------------------------------------------------------------------------------


def load(session: Session, data: dict) -> Consultation:
    """Create the consultation of an archive in this database (flushes; the caller commits)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveError("Dit is geen consult-archief (JSON uit flask consult export).")
    if data.get("version") != VERSION:
        raise ArchiveError(f"Archiefversie {data.get('version')} wordt niet ondersteund.")
    c = data["consultation"]
    if session.exec(select(Consultation).where(Consultation.slug == c["slug"])).first():
        raise ArchiveError(f"Er is al een consultatie {c['slug']}.")
    _check(data)
    try:
        return _load(session, data)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ArchiveError(f"Het archief is onvolledig of beschadigd ({exc}).") from exc


def load_into(session: Session, data: dict, consultation: Consultation) -> dict[str, str]:
    """Load an archive's reactions, points, answers, destinations and threads into an existing
    consultation that has no reactions yet (its own title, dates and status stay). A
    stakeholder of the archive is the one with its slug here, else the one its name stands for
    (consult.imports.match_stakeholder), else a new one. Flushes; the caller commits. Returns
    each archived stakeholder's name -> the name it was matched to ("" for a new one)."""
    from .imports import stakeholder_matcher

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveError("Dit is geen consult-archief (JSON uit flask consult export).")
    if data.get("version") != VERSION:
        raise ArchiveError(f"Archiefversie {data.get('version')} wordt niet ondersteund.")
    if session.exec(select(Reaction.id).where(Reaction.consultation_id == consultation.id)
                    ).first() is not None:
        raise ArchiveError("Deze consultatie heeft al reacties: een archief wordt alleen in een "
                           "lege consultatie ingelezen.")
    _check(data)
    matched: dict[str, str] = {}
    match = stakeholder_matcher(session)

    def by_name(s: dict):
        found = match(s["name"])
        matched[s["name"]] = found.name if found else ""
        return found

    try:
        _fill(session, data, consultation, by_name)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ArchiveError(f"Het archief is onvolledig of beschadigd ({exc}).") from exc
    return matched


def _check(data: dict) -> None:
    """What can be checked before anything is written (the themes' points, the templates'
    and status names' texts): ArchiveError with the reason in Dutch."""
    try:
        check_parts(data, [len(r["points"]) for r in data["reactions"]])
    except PartError as exc:
        raise ArchiveError(f"Het archief is niet ingelezen: {exc}") from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise ArchiveError(f"Het archief is onvolledig of beschadigd ({exc}).") from exc


def _load(session: Session, data: dict) -> Consultation:
    c = data["consultation"]
    # Archives from before the lifecycle carry the old statuses ("answered", "processing").
    state = legacy_state(c["status"], c["published"])
    consultation = Consultation(
        slug=c["slug"], title=c["title"], document=c["document"], organiser=c["organiser"],
        opened_on=_day(c["opened_on"]), closes_on=_day(c["closes_on"]), status=state,
        description=c["description"], decided_by=c["decided_by"],
        decided_on=_day(c["decided_on"]), archived=state == "archived",
        created_at=_moment(c["created_at"]),
        # Archives from before the letters' texts were stored have none: the defaults.
        letter_opening=c.get("letter_opening", ""), letter_closing=c.get("letter_closing", ""),
    )
    session.add(consultation)
    _fill(session, data, consultation)
    return consultation


def _fill(session: Session, data: dict, consultation: Consultation, by_name=None) -> None:
    """Everything of an archive but the consultation itself, into `consultation`."""
    from .slugs import unique_slug

    by_slug = {s.slug: s for s in session.exec(select(Stakeholder))}
    for s in data["stakeholders"]:
        if s["slug"] not in by_slug:
            found = by_name(s) if by_name else None
            if found is not None:
                by_slug[s["slug"]] = found
                continue
            parent = by_slug[s["parent"]] if s["parent"] else None
            slug = s["slug"] if by_name is None else unique_slug(session, Stakeholder, s["name"])
            stakeholder = Stakeholder(slug=slug, name=s["name"], kind=s["kind"],
                                      parent_id=parent.id if parent else None)
            session.add(stakeholder)
            session.flush()
            by_slug[s["slug"]] = stakeholder
    users = {u.email: u for u in session.exec(select(User))}
    for a in data["authors"]:
        if a["email"] not in users:
            user = User(email=a["email"], name=a["name"], role=a["role"], archived=True)
            session.add(user)
            session.flush()
            users[a["email"]] = user
    session.flush()
    destinations: dict[str, Destination] = {
        d.slug: d for d in session.exec(
            select(Destination).where(Destination.consultation_id == consultation.id))}
    for d in data["destinations"]:
        if d["slug"] in destinations:  # the consultation has it already (the same slug)
            continue
        destination = Destination(
            consultation_id=consultation.id, slug=d["slug"], title=d["title"], kind=d["kind"],
            position=d["position"], archived=d["archived"],
            parent_id=destinations[d["parent"]].id if d["parent"] else None,
        )
        session.add(destination)
        session.flush()
        destinations[d["slug"]] = destination
    points: list[list[Point]] = []
    reactions: list[Reaction] = []
    for r in data["reactions"]:
        reaction = Reaction(
            consultation_id=consultation.id, stakeholder_id=by_slug[r["stakeholder"]].id,
            channel=r["channel"], received_on=_day(r["received_on"]), title=r["title"],
            original_text=r["original_text"], position=r["position"], archived=r["archived"],
            created_at=_moment(r["created_at"]),
        )
        session.add(reaction)
        session.flush()
        reactions.append(reaction)
        mine = []
        for p in r["points"]:
            point = Point(
                reaction_id=reaction.id, number=p["number"], position=p["position"],
                heading=p["heading"], body=p["body"], archived=p["archived"],
                stakeholder_id=by_slug[p["sender"]].id if p["sender"] else None,
                created_at=_moment(p["created_at"]),
            )
            session.add(point)
            mine.append(point)
        session.flush()
        points.append(mine)
    responses: list[Response] = []
    for x in data["responses"]:
        response = Response(
            consultation_id=consultation.id,
            reaction_id=reactions[x["reaction"]].id if x["reaction"] is not None else None,
            body=x["body"], status=x["status"], decided_by=x["decided_by"],
            decided_on=_day(x["decided_on"]), position=x["position"], archived=x["archived"],
            version=x["version"], created_at=_moment(x["created_at"]),
        )
        session.add(response)
        session.flush()
        responses.append(response)
        session.add_all(ResponsePoint(response_id=response.id, point_id=points[r][p].id)
                        for r, p in x["points"])
        session.add_all(ResponseDestination(response_id=response.id,
                                            destination_id=destinations[d].id)
                        for d in x["destinations"])
        for v in x["versions"]:
            session.add(ResponseVersion(
                response_id=response.id, version=v["version"], body=v["body"],
                status=v["status"], decided_by=v["decided_by"],
                decided_on=_day(v["decided_on"]), destinations=v["destinations"],
                points=v["points"], created_at=_moment(v["created_at"]),
                author_id=users[v["author"]].id if v["author"] else None,
            ))
        for k in x["commitments"]:
            session.add(Commitment(
                response_id=response.id, description=k["description"], owner=k["owner"],
                due_on=_day(k["due_on"]), due_meeting=k["due_meeting"], status=k["status"],
                evidence=k["evidence"], archived=k["archived"],
                created_at=_moment(k["created_at"]),
            ))
    session.flush()
    for r_index, r in enumerate(data["reactions"]):
        for p_index, p in enumerate(r["points"]):
            point = points[r_index][p_index]
            for m in p["messages"]:
                session.add(Message(
                    point_id=point.id, kind=m["kind"], body=m["body"], event=m["event"],
                    data=m["data"], archived=m["archived"],
                    response_id=responses[m["response"]].id if m["response"] is not None
                    else None,
                    author_id=users[m["author"]].id if m["author"] else None,
                    created_at=_moment(m["created_at"]),
                ))
            for lg in p["landings"]:
                session.add(Landing(
                    point_id=point.id, destination_id=destinations[lg["destination"]].id,
                    reference=lg["reference"], archived=lg["archived"],
                    created_at=_moment(lg["created_at"]),
                ))
    load_parts(session, data, consultation, points)


def read(text: str) -> dict:
    try:
        # Control characters (escaped in JSON) would break every export of the consultation.
        return clean_value(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ArchiveError(f"Geen geldige JSON (regel {exc.lineno}, kolom {exc.colno}).") from exc


__all__ = ["ArchiveError", "dumps", "export", "load", "load_into", "read"]
