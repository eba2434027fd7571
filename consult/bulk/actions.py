"""Bulk actions on a selection of points: set the status, route to a destination, answer with
a template (and add to a theme); each one BulkAction row, undone as a whole by ``undo``.

A point's status and destinations live on its answers (Response, ResponseDestination): setting
a status or routing changes each selected point's latest live answer, and every point that
shares that answer follows (as on the reaction page); a point without an answer is left as it
is (a template gives it one). One audit event per changed point ("bulk_status", "bulk_route",
"bulk_template", "bulk_undo") beside the answers' own. Operations only flush.
"""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import ValidationError
from sqlmodel import Session, select

from ..models import (
    AuditEvent,
    Consultation,
    Destination,
    Point,
    Reaction,
    Response,
    ResponsePoint,
    ResponseStatus,
    Stakeholder,
    User,
    utcnow,
)
from ..processing import destination_paths, set_archived
from ..themes import operations as themes
from ..themes.models import Theme, ThemePoint
from . import answertemplates
from .answers import (
    change_answers,
    chunks,
    covered,
    create_answers,
    insert_rows,
    latest_answers,
    routes,
)
from .models import AnswerTemplate, BulkAction


class BulkError(ValueError):
    """A bulk action that cannot be taken as asked; nothing changed. The message says why."""


@dataclass
class Outcome:
    """What a bulk action did: the row to undo it by (None when nothing changed), how many
    points changed and how many of the selected ones were left as they were."""

    action: BulkAction | None
    changed: int
    unanswered: int = 0


def _start(session: Session, actor: User | None, consultation: Consultation, kind: str,
           point_ids: list[int]) -> BulkAction:
    if not point_ids:
        raise BulkError(_("No points selected: tick points or choose “all matching points”."))
    action = BulkAction(consultation_id=consultation.id, user_id=actor.id if actor else None,
                        kind=kind, data={"changed": [], "created": [], "themes": []})
    session.add(action)
    session.flush()
    return action


def _kept(session: Session, action: BulkAction, changed: bool) -> BulkAction | None:
    """The action, stored; or, when it changed nothing, deleted again (so clicks that change
    nothing do not push real actions and their undo out of the recent list) and None."""
    if changed:
        session.add(action)
    else:
        session.delete(action)
    session.flush()
    return action if changed else None


def _audit_points(session: Session, actor: User | None, kind: str, action_id: int,
                  entries) -> int:
    """One audit event per point ("bulk_<kind>"): entries are (point_id, before, after)."""
    user_id = actor.id if actor is not None and getattr(actor, "id", None) else None
    now = utcnow()
    rows = [{"at": now, "user_id": user_id, "action": f"bulk_{kind}", "entity": "point",
             "entity_id": point_id, "before": before,
             "after": {**after, "bulk_action": action_id}}
            for point_id, before, after in entries]
    insert_rows(session, AuditEvent, rows)
    return len(rows)


def _change(session, actor, consultation, kind, point_ids, new_state) -> Outcome:
    """Change the latest answer of each point to ``new_state(response, routes)`` ->
    (status, destination ids), or None to leave it; record and audit it. Only the selected
    points change: an answer that is also the latest of a point outside the selection is not
    changed but split (the selected points get a copy with the new state; the others keep
    it), so "8 points match" changes 8 points, never the 52 that share their answers."""
    action = _start(session, actor, consultation, kind, point_ids)
    latest = latest_answers(session, point_ids)
    selected: dict[int, list[int]] = defaultdict(list)  # answer id -> selected points on it
    for point_id, response in latest.items():
        selected[response.id].append(point_id)
    answers = {r.id: r for r in latest.values()}
    current = routes(session, answers)
    wanted = {}
    for response in answers.values():
        new = new_state(response, current[response.id])
        if new is not None and new != (response.status, current[response.id]):
            wanted[response.id] = (response, new[0], set(new[1]))
    held = _held_elsewhere(session, wanted, point_ids)
    in_place = {rid: change for rid, change in wanted.items() if rid not in held}
    done = change_answers(session, actor, consultation.id, in_place) if in_place else {}
    paths = destination_paths(session, consultation.id)

    def state(rid, status, destinations):
        return {"answer": rid, "status": status,
                "destinations": [paths.get(d) for d in sorted(destinations)]}

    entries, data = [], []
    for rid, change in done.items():
        response, status, destinations = wanted[rid]
        data.append([rid, response.version, *change["before"]])
        before, after = state(rid, *change["before"]), state(rid, status, destinations)
        entries += [(point_id, before, after) for point_id in selected[rid]]
    created = _split(session, actor, consultation, {
        rid: (*wanted[rid], selected[rid], current[rid]) for rid in held})
    for rid, (copy, status, destinations) in created.items():
        before = state(rid, wanted[rid][0].status, current[rid])
        entries += [(point_id, before, state(copy.id, status, destinations))
                    for point_id in selected[rid]]
    changed = _audit_points(session, actor, action.kind, action.id, entries)
    action.data = {**action.data, "changed": data, "count": changed,
                   "created": [copy.id for copy, _s, _d in created.values()]}
    return Outcome(_kept(session, action, bool(done or created)), changed,
                   len(set(point_ids) - set(latest)))


def _held_elsewhere(session, wanted, point_ids) -> set[int]:
    """The ids of the ``wanted`` answers that are also the latest answer of a live point
    outside ``point_ids`` (changing them in place would change that point too)."""
    chosen = set(point_ids)
    outside = set()
    for chunk in chunks(wanted):  # ids only: at 10,000 points, no ORM rows for this check
        outside |= {pid for pid in session.exec(
            select(ResponsePoint.point_id).join(Point, Point.id == ResponsePoint.point_id)
            .where(ResponsePoint.response_id.in_(chunk), Point.archived == sa.false()))
            if pid not in chosen}
    return {r.id for r in latest_answers(session, outside).values() if r.id in wanted}


def _split(session, actor, consultation, held) -> dict[int, tuple[Response, str, set[int]]]:
    """A copy of each held answer for its selected points only, with the new state: ``held``
    = {answer id: (Response, status, destination ids, [selected point id], current
    destination ids)}. Returns {answer id: (the copy, status, destination ids)}. The copy
    keeps the explanation and who decided it on which day; the old answer stays as it was
    for the points outside the selection (and as history for the selected ones)."""
    points = {p.id: p for ps in covered(session, held).values() for p in ps}
    by_state: dict[tuple, list[int]] = defaultdict(list)
    for rid, (_response, status, destinations, _ids, _now) in held.items():
        by_state[(status, frozenset(destinations))].append(rid)
    made = {}
    for (status, destinations), rids in by_state.items():
        targets = session.exec(select(Destination).where(
            Destination.id.in_(destinations))).all() if destinations else []
        groups = []
        for rid in rids:
            response, ids = held[rid][0], held[rid][3]
            own = [points[i] for i in ids]
            reaction_id = response.reaction_id if any(
                p.reaction_id == response.reaction_id for p in own) else own[0].reaction_id
            groups.append((reaction_id, own, response.body))
        copies = create_answers(session, actor, consultation, groups, list(targets), status,
                                decided=[(held[rid][0].decided_by, held[rid][0].decided_on)
                                         for rid in rids])
        made |= {rid: (copy, status, set(destinations)) for rid, copy in zip(rids, copies,
                                                                             strict=True)}
    return made


def set_status(session: Session, actor: User | None, consultation: Consultation,
               point_ids: list[int], status: str) -> Outcome:
    """Give the selected points' latest answers this status (a ResponseStatus value).
    Raises BulkError (nothing selected, unknown status) or answers.AnswersChanged."""
    if status not in {s.value for s in ResponseStatus}:
        raise BulkError(_("Choose a status."))
    return _told(_change(session, actor, consultation, "status", point_ids,
                         lambda response, dests: (status, dests)), status)


def route(session: Session, actor: User | None, consultation: Consultation,
          point_ids: list[int], destination: Destination | None) -> Outcome:
    """Add this destination to the selected points' latest answers (those routed there
    already stay as they are). Raises BulkError or answers.AnswersChanged."""
    if destination is None or destination.consultation_id != consultation.id or (
            destination.archived):
        raise BulkError(_("Choose a destination of this consultation."))
    return _told(_change(session, actor, consultation, "route", point_ids,
                         lambda response, dests: (response.status, dests | {destination.id})),
                 destination.title)


def _told(outcome: Outcome, detail: str) -> Outcome:
    """Keep what the action set (a status, a destination's title) with it, for the list of
    recent bulk actions."""
    if outcome.action is not None:
        outcome.action.data = {**outcome.action.data, "detail": detail}
    return outcome


def apply_template(session: Session, actor: User | None, consultation: Consultation,
                   point_ids: list[int], template: AnswerTemplate | None,
                   destinations: list[Destination], status: str) -> Outcome:
    """Answer the selected points with the template: one new answer per reaction and sender
    (its points listed in {punt} as the table does, "1-3 en 5"), routed to ``destinations``
    ({bestemming}) with ``status``. Raises BulkError or TemplateError before anything
    is written."""
    if template is None or template.consultation_id != consultation.id or template.archived:
        raise BulkError(_("Choose an answer template of this consultation."))
    if status not in {s.value for s in ResponseStatus}:
        raise BulkError(_("Choose a status."))
    action = _start(session, actor, consultation, "template", point_ids)
    groups = _groups(session, point_ids)
    where = [d.title for d in destinations]
    texts = {key: answertemplates.filled(template.body, where,
                                         [(sender.name, [p.number for p in points])])
             for key, (sender, points) in groups.items()}
    try:
        responses = create_answers(session, actor, consultation, [
            (key[0], points, texts[key]) for key, (_sender, points) in groups.items()],
            destinations, status)
    except ValidationError:
        raise BulkError(_("The filled-in template is too long for an answer.")) from None
    entries = [(p.id, {}, {"answer": response.id, "template": template.id})
               for response, (_sender, points) in zip(responses, groups.values(), strict=True)
               for p in points]
    changed = _audit_points(session, actor, action.kind, action.id, entries)
    action.data = {**action.data, "created": [r.id for r in responses], "count": changed,
                   "detail": template.title}
    session.add(action)
    session.flush()
    return Outcome(action, changed)


def _groups(session: Session, point_ids: list[int]):
    """The points by (reaction, own sender), in table order:
    {(reaction_id, sender_id): (Stakeholder, [Point, ...])}."""
    found: dict = {}
    rows = []
    for chunk in chunks(point_ids):
        rows += session.exec(
            select(Point, Reaction).join(Reaction, Reaction.id == Point.reaction_id)
            .where(Point.id.in_(chunk))).all()
    rows.sort(key=lambda r: (r[1].position, r[1].id, r[0].position, r[0].id))
    senders = {s.id: s for s in session.exec(select(Stakeholder).where(Stakeholder.id.in_(
        {p.stakeholder_id or r.stakeholder_id for p, r in rows})))} if rows else {}
    for point, reaction in rows:
        sender_id = point.stakeholder_id or reaction.stakeholder_id
        found.setdefault((reaction.id, sender_id), (senders[sender_id], []))[1].append(point)
    return found


def add_to_theme(session: Session, actor: User | None, consultation: Consultation,
                 point_ids: list[int], theme_id: int | None) -> Outcome:
    """Put the selected points into a theme of the consultation (those in it already stay).
    Raises BulkError (no such theme, nothing selected)."""
    theme = themes.theme_of(session, consultation.id, theme_id or 0)
    if theme is None:
        raise BulkError(_("Choose a theme of this consultation."))
    action = _start(session, actor, consultation, "theme", point_ids)
    present = set()
    for chunk in chunks(point_ids):
        present |= set(session.exec(select(ThemePoint.point_id).where(
            ThemePoint.theme_id == theme.id, ThemePoint.point_id.in_(chunk))))
    try:
        themes.add_points(session, theme, point_ids, actor)
    except themes.ThemeError as err:
        raise BulkError(str(err)) from None
    new = sorted(set(point_ids) - present)
    changed = _audit_points(session, actor, action.kind, action.id,
                            [(p, {"theme": None}, {"theme": theme.id}) for p in new])
    action.data = {**action.data, "themes": [[theme.id, new]], "count": changed,
                   "detail": theme.title}
    return Outcome(_kept(session, action, bool(new)), changed)


def undo(session: Session, actor: User | None, consultation: Consultation,
         action: BulkAction) -> int:
    """Put every answer the bulk action changed back as it was (a new version each) and
    archive the answers it made. Returns how many points went back. Raises BulkError when it
    was undone already or an answer was changed since (then nothing is undone)."""
    if action.consultation_id != consultation.id:
        raise BulkError(_("This bulk action belongs to another consultation."))
    # Claimed in the database, not read and checked: two undo clicks at once both passed a
    # read of undone_at and undid twice (the attack); the second UPDATE waits for the first's
    # commit and then finds nothing to claim.
    claimed = session.execute(
        sa.update(BulkAction).where(BulkAction.id == action.id, BulkAction.undone_at.is_(None))
        .values(undone_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise BulkError(_("This bulk action was undone already."))
    changed = {rid: (version, status, set(dests))
               for rid, version, status, dests in action.data.get("changed", [])}
    created = action.data.get("created", [])
    responses = {r.id: r for r in session.exec(
        select(Response).where(Response.id.in_(list(changed) + list(created))))} if (
        changed or created) else {}
    moved = [rid for rid in changed if responses[rid].version != changed[rid][0]
             or responses[rid].archived]
    moved += [rid for rid in created if responses[rid].version != 1 or responses[rid].archived]
    if moved:
        raise BulkError(ngettext(
            "%(num)d answer was changed after this bulk action, so it cannot be undone as a "
            "whole; change the answers one by one.",
            "%(num)d answers were changed after this bulk action, so it cannot be undone as a "
            "whole; change the answers one by one.", len(moved)))
    done = change_answers(session, actor, consultation.id, {
        rid: (responses[rid], status, dests) for rid, (_v, status, dests) in changed.items()})
    entries = [(p.id, {"answer": rid}, {"answer": rid, "status": changed[rid][1]})
               for rid, change in done.items() for p in change["points"]]
    for rid, points in covered(session, created).items():
        entries += [(p.id, {"answer": rid}, {"answer": rid, "archived": True}) for p in points]
    for rid in created:
        set_archived(session, actor, responses[rid], consultation.id, True)
    for theme_id, ids in action.data.get("themes", []):
        theme = session.get(Theme, theme_id)
        if theme is not None:
            themes.remove_points(session, theme, ids, actor)
            entries += [(p, {"theme": theme_id}, {"theme": None}) for p in ids]
    count = _audit_points(session, actor, "undo", action.id, entries)
    session.flush()
    return count


@dataclass
class Recent:
    """One of the consultation's recent bulk actions as the selection page lists it."""

    action: BulkAction
    what: str  # "Status gezet op ...", "Doorgestuurd naar ..."
    points: int
    who: str


def recent(session: Session, consultation_id: int, limit: int = 10) -> list[Recent]:
    """The consultation's last ``limit`` bulk actions that changed something, newest first,
    each with what it did, how many points and who (undone ones included, marked by
    ``action.undone_at``). Two queries."""
    rows = session.exec(
        select(BulkAction).where(BulkAction.consultation_id == consultation_id)
        .order_by(BulkAction.id.desc()).limit(limit * 3)).all()
    rows = [r for r in rows if r.data.get("count")][:limit]
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_(
        {r.user_id for r in rows if r.user_id})))} if rows else {}
    return [Recent(r, _what(r), r.data["count"],
                   getattr(users.get(r.user_id), "name", "") or "") for r in rows]


def _what(action: BulkAction) -> str:
    detail = action.data.get("detail", "")
    if action.kind == "status":
        from ..labels import state

        return _("Status set to %(word)s", word=state("answer", detail).word)
    return {"route": _("Routed to %(name)s", name=detail),
            "template": _("Answered with the template %(name)s", name=detail),
            "theme": _("Added to the theme %(name)s", name=detail)}.get(action.kind, action.kind)
