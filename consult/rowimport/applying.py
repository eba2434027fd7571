"""Creating what a checked plan says: stakeholders, destinations, reactions, points, answers."""

from sqlmodel import Session, select

from ..intake import DraftPoint, create_stakeholder, log_reaction, next_position
from ..models import (
    AuditEvent,
    Consultation,
    Destination,
    DestinationKind,
    Message,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    ResponseVersion,
    Stakeholder,
)
from ..processing import answer, create_destination, destination_paths
from ..slugs import unique_slug
from .planning import OPEN_STATUSES, PATH_SEPARATOR, Group, Plan, _Codes, code_of

# What one reaction of an import leaves in the session; let go once flushed, so that the
# session's identity map stays small (every flush and ORM update scans it: a 10,000-point
# import took 262 s with everything kept, most of it there).
_DONE_WITH = (AuditEvent, Message, Point, Reaction, Response, ResponseDestination,
              ResponsePoint, ResponseVersion)


def apply(session: Session, actor, consultation: Consultation, checked: Plan) -> int:
    """Create what the plan says (flushes; the caller commits). Returns the number of points.
    Raises ValueError for a plan with problems."""
    if not checked.ok:
        raise ValueError("plan has problems")
    codes = _Codes.load()
    stakeholders = _stakeholders(session, actor, checked)
    _destinations(session, actor, consultation, checked.new_destinations)
    paths = {p.lower(): i for i, p in destination_paths(session, consultation.id).items()}
    # Answers are numbered here, not one query each (that query scans all of them: quadratic).
    positions = iter(range(next_position(session, Response.position,
                                         Response.consultation_id == consultation.id), 2**31))
    count = 0
    for group in checked.groups:
        count += _reaction(session, actor, consultation, group, stakeholders, paths, codes,
                           positions)
        session.flush()
        for obj in [o for o in session.identity_map.values() if isinstance(o, _DONE_WITH)]:
            session.expunge(obj)
    return count


def _stakeholders(session: Session, actor, checked: Plan) -> dict[str, Stakeholder]:
    """Every name of the plan (lower case) -> its stakeholder; new ones created, parents first."""
    found = {key: s for key, s in checked.matches.items() if s is not None}

    def make(key: str) -> Stakeholder:
        if key in found:
            return found[key]
        parent_name = checked.parents.get(key)
        parent = make(parent_name.lower()) if parent_name else None
        name = checked.names[key]
        found[key] = create_stakeholder(
            session, actor, slug=unique_slug(session, Stakeholder, name), name=name,
            kind=checked.kinds.get(key) or "other", parent_id=parent.id if parent else None)
        return found[key]

    for key in checked.matches:
        make(key)
    return found


def _destinations(session: Session, actor, consultation: Consultation, paths: list[str]) -> None:
    """The table's destinations in a consultation that had none, parents first."""
    made: dict[str, Destination] = {}
    for path in paths:
        parent_path, _sep, title = path.rpartition(f" {PATH_SEPARATOR} ")
        parent = made.get(parent_path) if parent_path else None
        made[path] = create_destination(
            session, actor, consultation_id=consultation.id,
            slug=unique_slug(session, Destination, title, consultation_id=consultation.id),
            title=title, kind=DestinationKind.document_section,
            parent_id=parent.id if parent else None)


def _reaction(session, actor, consultation, group: Group, stakeholders, paths, codes,
              positions) -> int:
    """One reaction with its points and answers; returns the number of points."""
    owner = stakeholders[group.stakeholder.lower()]
    drafts = []
    for row in group.points:
        sender = stakeholders[row.values["stakeholder"].lower()]
        drafts.append(DraftPoint(row.values["number"], row.values["text"],
                                 row.values.get("heading") or None,
                                 sender.id if sender.id != owner.id else None))
    reaction = log_reaction(session, actor, consultation, owner, drafts,
                            channel=group.channel, title=group.reaction_title)
    points = {p.number: p for p in session.exec(
        select(Point).where(Point.reaction_id == reaction.id))}
    by_answer: dict[tuple, list] = {}
    for row in group.rows:
        if row.values.get("answer"):
            is_point = bool(row.values.get("number") or row.values.get("text"))
            by_answer.setdefault((is_point, row.values["answer"]), []).append(row)
    for (is_point, body), rows in by_answer.items():
        wanted = {paths[" › ".join(p.strip() for p in path.split(PATH_SEPARATOR)).lower()]
                  for r in rows for path in (r.values.get("destinations") or "").split(";")
                  if path.strip()}
        status = rows[0].values.get("status") or ""
        code = (code_of(status, codes.statuses)
                if status and status.lower() not in OPEN_STATUSES else None)
        answer(session, actor, consultation,
               [points[r.values["number"]] for r in rows] if is_point else [],
               [session.get(Destination, d) for d in sorted(wanted)], body,
               code or ResponseStatus.adopted, reaction_id=reaction.id,
               position=next(positions))
    return len(drafts)
