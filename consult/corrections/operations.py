"""Correcting saved points: number, heading, text and sender; moving a point to another
reaction; merging two points; splitting one. Nothing is deleted: the earlier wording stays as
a version, a merged point is archived with a pointer to the one it went into.

Every operation checks the version the secretary started from (``versions.expect``), writes the
point(s) as a new version first (``versions.save``: a second save of the same version finds no
row and gets the conflict), records the audit trail, tells the point's thread (a system event),
and bumps the consultation's revision so that open pages refresh. The search index follows
through the outbox (consult.search.outbox sees the written points, answer links and messages).
Operations only flush; the request commits.
"""

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import audit
from ..intake import DraftPoint, IntakeError, add_point, bump_revision, fill_numbers
from ..models import (
    Follow,
    Landing,
    Message,
    MessageKind,
    Point,
    PointCreate,
    Reaction,
    ReactionStatus,
    Response,
    ResponsePoint,
    Stakeholder,
    User,
)
from .versions import CorrectionError, NumberTaken, before, expect, keep, save

MAX_BODY = 200_000
# Control characters (other than tab and line breaks) break every Word and Excel export.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- checking what was typed -----------------------------------------------------------------


def clean_number(value: str) -> str:
    """A point number as the composer keeps it: "3." and "3)" are "3"; spaces collapsed."""
    return " ".join(_CONTROL.sub("", value or "").split()).rstrip(".)").strip()


def checked_fields(number: str, heading: str | None, body: str) -> dict:
    """Number, heading and text as they will be saved, checked as the composer checks them.
    Raises CorrectionError with a message for the secretary."""
    number = clean_number(number)
    heading = " ".join(_CONTROL.sub("", heading or "").split()) or None
    body = _CONTROL.sub("", body or "").strip()
    if not number or len(number) > 20:
        raise CorrectionError(_("Give the point a number of at most 20 characters."))
    if heading is not None and len(heading) > 300:
        raise CorrectionError(_("A heading is at most 300 characters."))
    if not body or len(body) > MAX_BODY:
        raise CorrectionError(_("A point needs text (at most 200,000 characters)."))
    PointCreate.model_validate({"reaction_id": 0, "number": number, "heading": heading,
                                "body": body})  # the model's own limits, as on intake
    return {"number": number, "heading": heading, "body": body}


def _excerpt(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size].rstrip() + "…"


def number_free(session: Session, reaction_id: int, number: str, but: int | None = None,
                proposal: str | None = None) -> None:
    """Refuse a number that another point of the reaction has (archived points keep theirs)."""
    other = session.exec(
        select(Point).where(Point.reaction_id == reaction_id, Point.number == number,
                            Point.id != (but or 0))
    ).first()
    if other is None:
        return
    if other.archived:
        message = _("Number %(n)s is used by an archived point of this reaction (“%(text)s”). "
                    "Choose another number.", n=number, text=_excerpt(other.body))
    else:
        message = _("Number %(n)s is already used in this reaction: “%(text)s”. "
                    "Choose another number.", n=number, text=_excerpt(other.body))
    if proposal:
        message += " " + _("Proposed: %(proposal)s; it is filled in below, save to use it.",
                           proposal=proposal)
    raise NumberTaken(message, proposal)


def next_free_number(session: Session, reaction_id: int) -> str:
    """One past the highest whole number the reaction's points start with ("13" after 12)."""
    numbers = session.exec(select(Point.number).where(Point.reaction_id == reaction_id)).all()
    wholes = [int(m.group()) for n in numbers if (m := re.match(r"[0-9]{1,9}", n))]
    return str(max(wholes, default=0) + 1)


def split_number(session: Session, point: Point) -> str:
    """The number a part split off a point gets: the next whole number when it is free and
    keeps the order, else the point's number with a letter ("3a" between 3 and 4), as the
    composer numbers an unnumbered point (intake.fill_numbers)."""
    drafts = []
    for p in _points_of(session, point.reaction_id):
        drafts.append(DraftPoint(p.number, "x"))
        if p.id == point.id:
            drafts.append(DraftPoint("", "x"))
    new = next(i for i, p in enumerate(drafts) if not p.number)
    try:
        return fill_numbers(drafts)[new].number
    except IntakeError:  # numbers that only differ by a final "." or ")" (old imports)
        return next_free_number(session, point.reaction_id)


def _points_of(session: Session, reaction_id: int) -> list[Point]:
    """All points of a reaction (archived ones too: they keep their numbers), in order."""
    return list(session.exec(
        select(Point).where(Point.reaction_id == reaction_id).order_by(Point.position, Point.id)
    ))


def _sender(session: Session, point: Point, reaction: Reaction, sender_id: int | None):
    """The point's own sender as chosen: None when it is the reaction's own sender."""
    if not sender_id or sender_id == reaction.stakeholder_id:
        return None
    if sender_id == point.stakeholder_id:
        return sender_id  # unchanged, even if it was archived since
    found = session.get(Stakeholder, sender_id)
    if found is None or found.archived:
        raise CorrectionError(_("Choose the sender from the list."))
    return found.id


def _tell(session: Session, actor: User | None, point_id: int, event: str, data: dict) -> None:
    """A system event in the point's thread."""
    session.add(Message(point_id=point_id, author_id=actor.id if actor else None,
                        kind=MessageKind.system, event=event, data=data))


def _name(session: Session, stakeholder_id: int | None) -> str:
    found = session.get(Stakeholder, stakeholder_id) if stakeholder_id else None
    return found.name if found else ""


def reaction_label(session: Session, reaction: Reaction) -> str:
    """"Leiden — Collegebrief": how a reaction is named in events and choices."""
    return f"{_name(session, reaction.stakeholder_id)} — {reaction.title}"


# --- edit ------------------------------------------------------------------------------------


def correct(session: Session, actor: User | None, point: Point, expected_version: int, *,
            number: str, heading: str | None, body: str, sender_id: int | None) -> list[str]:
    """Correct a point's number, heading, text and own sender (inside a joint letter); the
    earlier wording stays as a version. Returns the names of the fields that changed (none:
    nothing is written). Raises PointConflict, NumberTaken or CorrectionError."""
    expect(point, expected_version)
    reaction = session.get(Reaction, point.reaction_id)
    fields = checked_fields(number, heading, body)
    fields["stakeholder_id"] = _sender(session, point, reaction, sender_id)
    changed = [name for name, value in fields.items() if getattr(point, name) != value]
    if not changed:
        return []
    if "number" in changed:
        number_free(session, reaction.id, fields["number"], but=point.id)
    data = {"fields": changed}
    if "number" in changed:
        data["number"] = {"from": point.number, "to": fields["number"]}
    if "stakeholder_id" in changed:
        data["sender"] = {"from": _name(session, point.stakeholder_id or reaction.stakeholder_id),
                          "to": _name(session, fields["stakeholder_id"] or reaction.stakeholder_id)}
    was = before(point)
    for name, value in fields.items():
        setattr(point, name, value)
    save(session, actor, "corrected", was)
    audit.record(session, actor, "change", point, was.audit)
    _tell(session, actor, point.id, "point_corrected", {**data, "version": point.version})
    bump_revision(session, reaction.consultation_id)
    session.flush()
    return changed


# --- move ------------------------------------------------------------------------------------


def number_key(number: str) -> tuple[int, str]:
    """Sort key of a point number: "3" < "3a" < "4" < "12"; unnumbered texts last."""
    found = re.match(r"[0-9]{1,9}", number)
    return (int(found.group()), number[found.end():]) if found else (10**10, number)


def _make_room(session: Session, number: str, reaction_id: int) -> int:
    """The position for a point with this number among the reaction's points, in number
    order; the points after it move one place down (positions are order, not content: no
    new versions)."""
    key = number_key(number)
    points = _points_of(session, reaction_id)
    position = next((p.position for p in points if number_key(p.number) > key), None)
    if position is None:
        return max((p.position for p in points), default=0) + 1
    session.execute(
        sa.update(Point).where(Point.reaction_id == reaction_id, Point.position >= position)
        .values(position=Point.position + 1).execution_options(synchronize_session="fetch")
    )
    return position


def movable_to(session: Session, point: Point) -> list[Reaction]:
    """The reactions of the consultation a point can move to: live, submitted, not its own."""
    own = session.get(Reaction, point.reaction_id)
    return list(session.exec(
        select(Reaction).where(Reaction.consultation_id == own.consultation_id,
                               Reaction.id != own.id, Reaction.archived == sa.false(),
                               Reaction.status == ReactionStatus.submitted)
        .order_by(Reaction.position, Reaction.id)
    ))


def move_choices(session: Session, point: Point) -> list[tuple[Reaction, str]]:
    """The reactions a point can move to (movable_to), each with its label as
    reaction_label names it; their senders' names in one query, not one per reaction."""
    targets = movable_to(session, point)
    names = dict(session.exec(select(Stakeholder.id, Stakeholder.name).where(
        Stakeholder.id.in_({r.stakeholder_id for r in targets}))).all())
    return [(r, f"{names.get(r.stakeholder_id, '')} — {r.title}") for r in targets]


def move(session: Session, actor: User | None, point: Point, expected_version: int,
         target_id: int | None, number: str, keep_sender: bool = False) -> Point:
    """Move a point to another reaction of its consultation, under the given number; its
    answers, thread, follows, landings and commitments stay with it. Answers that stood in the
    old reaction's row for this point alone move with it. ``keep_sender`` keeps the point's
    sender (e.g. a municipality's point moved into a joint letter); otherwise it is the
    target's. Raises PointConflict, NumberTaken (with a proposal) or CorrectionError."""
    expect(point, expected_version)
    old = session.get(Reaction, point.reaction_id)
    target = next((r for r in movable_to(session, point) if r.id == target_id), None)
    if target is None:
        raise CorrectionError(_("Choose the reaction to move the point to."))
    number = clean_number(number)
    if not number or len(number) > 20:
        raise CorrectionError(_("Give the point a number of at most 20 characters."))
    number_free(session, target.id, number, proposal=next_free_number(session, target.id))
    sender = (point.stakeholder_id or old.stakeholder_id) if keep_sender else None
    data = {"from": reaction_label(session, old), "to": reaction_label(session, target),
            "from_number": point.number, "to_number": number}
    position = _make_room(session, number, target.id)
    was = before(point)
    point.number = number
    point.position = position
    point.reaction_id = target.id
    point.stakeholder_id = sender if sender != target.stakeholder_id else None
    save(session, actor, "moved", was)
    _carry_answers(session, point, old)
    audit.record(session, actor, "move", point, was.audit)
    _tell(session, actor, point.id, "point_moved", {**data, "version": point.version})
    bump_revision(session, target.consultation_id)
    session.flush()
    return point


def _carry_answers(session: Session, point: Point, old: Reaction) -> None:
    """Answers written in the old reaction's row that cover no other point of it follow the
    point to its new reaction (else the old reaction would show them as answers to itself)."""
    responses = session.exec(
        select(Response).join(ResponsePoint, ResponsePoint.response_id == Response.id)
        .where(ResponsePoint.point_id == point.id, Response.reaction_id == old.id)
    ).all()
    for response in responses:
        others = session.exec(
            select(ResponsePoint.point_id).join(Point, Point.id == ResponsePoint.point_id)
            .where(ResponsePoint.response_id == response.id, Point.reaction_id == old.id,
                   Point.id != point.id).limit(1)
        ).first()
        if others is None:
            response.reaction_id = point.reaction_id
            session.add(response)


# --- merge -----------------------------------------------------------------------------------


def mergeable_with(session: Session, point: Point) -> list[Point]:
    """The other live points of the point's reaction, in order."""
    return [p for p in _points_of(session, point.reaction_id)
            if p.id != point.id and not p.archived]


def merge(session: Session, actor: User | None, point: Point, expected_version: int,
          other_id: int | None) -> Point:
    """Merge two live points of one reaction: the texts joined in the reaction's order into the
    first, the second archived with a pointer to it. The second's answer links, thread
    messages, follows and landings move to the first, without duplicates. Returns the kept
    point. Raises PointConflict or CorrectionError."""
    expect(point, expected_version)
    other = next((p for p in mergeable_with(session, point) if p.id == other_id), None)
    if other is None or point.archived:
        raise CorrectionError(_("Choose another point of this reaction to merge with."))
    first, second = sorted((point, other), key=lambda p: (p.position, p.id))
    reaction = session.get(Reaction, first.reaction_id)
    kept, gone = before(first), before(second)
    first.body = first.body.rstrip() + "\n\n" + second.body.lstrip()
    second.archived = True
    second.merged_into_id = first.id
    save(session, actor, "merged", kept, gone)
    carried = _carry_over(session, second, first)
    audit.record(session, actor, "merge", first, kept.audit).after.update(
        merged_from=second.id, **carried)
    audit.record(session, actor, "merge", second, gone.audit).after.update(carried)
    _tell(session, actor, first.id, "point_merged",
          {"number": second.number, "point_id": second.id, "version": first.version})
    _tell(session, actor, second.id, "point_merged_into",
          {"number": first.number, "point_id": first.id})
    bump_revision(session, reaction.consultation_id)
    session.flush()
    return first


def _carry_over(session: Session, source: Point, target: Point) -> dict:
    """Move the source point's answer links, messages, follows and landings to the target;
    what the target has already (the same answer, a follower, a live landing at the same
    destination) is not doubled. Returns the counts, for the audit trail."""
    links = session.exec(select(ResponsePoint).where(ResponsePoint.point_id == source.id)).all()
    has = set(session.exec(
        select(ResponsePoint.response_id).where(ResponsePoint.point_id == target.id)))
    for link in links:
        session.delete(link)  # a link row: the audit event names the answers it carried
        if link.response_id not in has:
            session.add(ResponsePoint(response_id=link.response_id, point_id=target.id))
    messages = session.exec(select(Message).where(Message.point_id == source.id)).all()
    for message in messages:
        message.point_id = target.id
        session.add(message)
    followers = set(session.exec(select(Follow.user_id).where(Follow.point_id == target.id)))
    follows = session.exec(select(Follow).where(Follow.point_id == source.id)).all()
    for follow in follows:
        if follow.user_id in followers:
            session.delete(follow)  # a preference, not domain data: the user still follows
        else:
            follow.point_id = target.id
            followers.add(follow.user_id)
            session.add(follow)
    landed = set(session.exec(select(Landing.destination_id).where(
        Landing.point_id == target.id, Landing.archived == sa.false())))
    landings = session.exec(select(Landing).where(Landing.point_id == source.id)).all()
    for landing in landings:
        if not landing.archived and landing.destination_id in landed:
            landing.archived = True  # the target landed there already: kept, not doubled
        landing.point_id = target.id
        session.add(landing)
    session.flush()
    return {"answers": sorted(link.response_id for link in links),
            "messages": len(messages), "follows": len(follows), "landings": len(landings)}


# --- split -----------------------------------------------------------------------------------


def cut_places(body: str) -> list[int]:
    """Where a point's text can be cut: after each line break and after each sentence end
    (". ", "? ", "! ", "; ", ": "), as offsets into the text; never at its very start or end."""
    found = {m.end() for m in re.finditer(r"\n+|[.!?;:][\"'”’)]*\s+", body)}
    return sorted(at for at in found if body[:at].strip() and body[at:].strip())


def split(session: Session, actor: User | None, point: Point, expected_version: int,
          at: int | None, number: str = "") -> Point:
    """Split a point at an offset of its text: the first part stays (with the thread, the
    landings and the follows), the rest becomes a new point right after it, numbered as
    given or as the composer would number it. Both stay answered: the new point gets a copy
    of the answers' links, and its thread starts with a pointer to the first. Returns the new
    point. Raises PointConflict, NumberTaken or CorrectionError."""
    expect(point, expected_version)
    body = point.body
    if at is None or not 0 < at < len(body) or not body[:at].strip() or not body[at:].strip():
        raise CorrectionError(_("Choose where to split the text: both parts need text."))
    number = clean_number(number) or split_number(session, point)
    fields = checked_fields(number, point.heading, body[at:])
    number_free(session, point.reaction_id, fields["number"])
    reaction = session.get(Reaction, point.reaction_id)
    was = before(point)
    point.body = body[:at].rstrip()
    save(session, actor, "split", was)
    session.execute(
        sa.update(Point).where(Point.reaction_id == reaction.id, Point.position > point.position)
        .values(position=Point.position + 1).execution_options(synchronize_session="fetch")
    )
    new = add_point(session, reaction, **fields, stakeholder_id=point.stakeholder_id,
                    position=point.position + 1)
    keep(session, new, "split", actor)
    answers = session.exec(
        select(ResponsePoint.response_id).where(ResponsePoint.point_id == point.id)).all()
    session.add_all(ResponsePoint(response_id=r, point_id=new.id) for r in answers)
    followers = session.exec(select(Follow.user_id).where(Follow.point_id == point.id)).all()
    session.add_all(Follow(user_id=u, point_id=new.id) for u in set(followers))
    audit.record(session, actor, "split", point, was.audit).after.update(
        split_into=new.id, answers=sorted(answers))
    audit.record(session, actor, "split", new).after.update(split_from=point.id)
    _tell(session, actor, point.id, "point_split",
          {"number": new.number, "point_id": new.id, "version": point.version})
    _tell(session, actor, new.id, "point_split_from",
          {"number": point.number, "point_id": point.id})
    bump_revision(session, reaction.consultation_id)
    session.flush()
    return new
