"""Correcting a saved point: edit (inline on the reaction page, or as a page), its versions,
move, merge and split. The secretariat of the consultation and admins only: a form page
answers 404 to everyone else, a change 403 (consult.access, views.consultations)."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .. import access, submissions
from .. import consultations as reading
from ..db import get_session
from ..errors import same_moment
from ..models import Point, Reaction, ReactionStatus, Stakeholder
from ..views.consultations import processable_consultation, unread_of, visible_consultation
from ..views.inputs import claim_form, form_id, fresh_key, handled_form, to_id
from ..views.threads import visible_point
from . import operations, versions
from .versions import CorrectionError, NumberTaken, PointConflict

bp = Blueprint("corrections", __name__, url_prefix="/consultaties/<slug>/punten/<int:point_id>")


@bp.app_template_global()
def processes(consultation) -> bool:
    """For macros imported without the page's context: may the reader process this
    consultation (see archived points, correct them)?"""
    return access.can_process(current_user, consultation)


def _point(consultation, point_id: int, live: bool = True) -> tuple[Point, Reaction]:
    """The point and its reaction as its thread finds them (threads.visible_point), if the
    reaction is submitted (a board's draft does not exist here). ``live``: neither is
    archived (restore first)."""
    point, reaction = visible_point(consultation, point_id)
    if reaction.status != ReactionStatus.submitted:
        abort(404)
    if live and (point.archived or reaction.archived):
        earlier = handled_form() if request.method == "POST" else None
        if earlier is not None:  # a repeat of the form that archived it (a merge): same answer
            target = get_session().get(Point, earlier.target_id) if earlier.target_id else None
            abort(redirect(_back(consultation, target or point), code=303))
        abort(404)
    return point, reaction


def _inline() -> bool:
    """Asked by htmx for the form inside the reaction page (not a boosted page load)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def _back(consultation, point: Point) -> str:
    """The reaction page at the point."""
    return url_for("consultations.reaction", slug=consultation.slug,
                   reaction_id=point.reaction_id, _anchor=f"punt-{point.number}")


@dataclass
class Outcome:
    """What became of a correction form: ``repeated`` (handled before), or an ``error`` for
    the secretary with its status (everything rolled back), or done."""

    claim: submissions.Claim | None = None
    error: str | None = None
    status: int = 200
    proposal: str | None = None
    conflict: bool = False

    @property
    def repeated(self) -> bool:
        return self.claim is not None and self.claim.repeated


def _attempt(change: Callable[[], object]) -> Outcome:
    """Claim the form's one-time key, then make the change; any refusal rolls back. After a
    rollback the session's rows read what is saved now (a conflict shows the current text)."""
    session = get_session()
    try:
        claim = claim_form(session)
        if claim.repeated:  # a double click or a retry: this form was handled already
            session.rollback()
            return Outcome(claim)
        change()
        return Outcome(claim)
    except PointConflict as err:
        session.rollback()
        return Outcome(error=str(err), status=409, conflict=True)
    except NumberTaken as err:
        session.rollback()
        return Outcome(error=str(err), status=422, proposal=err.proposal)
    except CorrectionError as err:
        session.rollback()
        return Outcome(error=str(err), status=422)
    except submissions.Resubmitted as err:
        session.rollback()
        return Outcome(error=str(err), status=409)
    except IntegrityError:  # e.g. a number taken by a split at the same moment
        session.rollback()
        return Outcome(error=same_moment(), status=409)


def _done(outcome: Outcome, target_id: int | None) -> None:
    """Remember what the form changed (its repeats are answered alike) and commit."""
    session = get_session()
    submissions.record(session, outcome.claim, target_id)
    session.commit()


# --- edit ------------------------------------------------------------------------------------


def _senders(point: Point) -> list[Stakeholder]:
    """The stakeholders a point can name as its own sender, by name: the live ones, and its
    sender now even if archived since (else saving the form would silently drop it)."""
    live = Stakeholder.archived == False  # noqa: E712
    if point.stakeholder_id:
        live = live | (Stakeholder.id == point.stakeholder_id)
    return list(get_session().exec(select(Stakeholder).where(live).order_by(Stakeholder.name)))


def _edit(consultation, point, reaction, status=200, **extra):
    """The edit form: a fragment for the reaction page, else its own page."""
    context = {
        "consultation": consultation, "point": point, "reaction": reaction,
        "stakeholder": get_session().get(Stakeholder, reaction.stakeholder_id),
        "senders": _senders(point), "back": _back(consultation, point), "draft": {}, **extra,
    }
    if not _inline():
        return render_template("corrections/edit.html", **context), status
    html = render_block("corrections/edit.html", "edit_form", **context)
    if status == 200:
        return html
    return html, status, {"HX-Retarget": f"#correct-{point.id}", "HX-Reswap": "innerHTML",
                          **fresh_key()}


def _points_block(consultation, reaction):
    """The reaction page's points, as they are now (the inline form closes)."""
    detail = reading.reaction_detail(get_session(), consultation, reaction.id, drafts=True)
    html = render_block("reactions/show.html", "points", d=detail, consultation=consultation,
                        unread=unread_of(consultation, [row.point.id for row in detail.points]))
    return html, 200, {"HX-Trigger": "point-corrected"}


@bp.route("/corrigeren", methods=["GET", "POST"])
def edit(slug: str, point_id: int):
    """Correct a point's number, heading, text and own sender; a stale edit gets a conflict
    message and keeps the editor's text."""
    consultation = processable_consultation(slug)
    point, reaction = _point(consultation, point_id)
    if request.method == "GET":
        return _edit(consultation, point, reaction)
    f = request.form
    draft = {"number": f.get("number", ""), "heading": f.get("heading", ""),
             "body": f.get("body", ""), "sender_id": to_id(f.get("stakeholder_id"))}
    outcome = _attempt(lambda: operations.correct(
        get_session(), current_user, point, form_id("version") or 0, **draft))
    if outcome.error:
        return _edit(consultation, point, reaction, outcome.status, draft=draft,
                     error=outcome.error, conflict=outcome.conflict)
    if not outcome.repeated:
        _done(outcome, point.id)
    if _inline():
        return _points_block(consultation, reaction)
    return redirect(_back(consultation, point), code=303)


@bp.get("/versies")
def history(slug: str, point_id: int):
    """Every saved wording of a point, newest first. Like the letter as received, earlier
    wordings are for people with an account who read the consultation (a correction may have
    taken a name out); the public sees the point as it is (access.can_see_originals)."""
    consultation = visible_consultation(slug)
    processing = access.can_process(current_user, consultation)
    point, reaction = _point(consultation, point_id, live=not processing)
    if not access.can_see_originals(current_user, consultation) or not access.can_view_reaction(
            current_user, reaction, consultation):
        abort(404)
    return render_template(
        "corrections/versions.html", consultation=consultation, point=point, reaction=reaction,
        versions=versions.history(get_session(), point), back=_back(consultation, point),
    )


# --- move, merge, split ----------------------------------------------------------------------


def _page(template: str, consultation, point, reaction, status=200, **extra):
    """One of the correction pages (move, merge, split) with what it needs."""
    session = get_session()
    return render_template(
        template, consultation=consultation, point=point, reaction=reaction,
        stakeholder=session.get(Stakeholder, reaction.stakeholder_id),
        back=_back(consultation, point), **extra,
    ), status


def _move_page(consultation, point, reaction, status=200, **extra):
    session = get_session()
    targets = operations.move_choices(session, point)
    sender = session.get(Stakeholder, point.stakeholder_id or reaction.stakeholder_id)
    return _page("corrections/move.html", consultation, point, reaction, status,
                 targets=targets, sender=sender, **extra)


@bp.route("/verplaatsen", methods=["GET", "POST"])
def move(slug: str, point_id: int):
    """Move a point to another reaction of the consultation; a number taken there gets a
    clear message with a free number to confirm."""
    consultation = processable_consultation(slug)
    point, reaction = _point(consultation, point_id)
    if request.method == "GET":
        return _move_page(consultation, point, reaction)
    f = request.form
    target_id, number = to_id(f.get("reaction_id")), f.get("number", "")
    outcome = _attempt(lambda: operations.move(
        get_session(), current_user, point, form_id("version") or 0, target_id, number,
        keep_sender=f.get("keep_sender") == "1"))
    if outcome.error:
        return _move_page(consultation, point, reaction, outcome.status, error=outcome.error,
                          chosen=target_id, number=outcome.proposal or number,
                          keep_sender=f.get("keep_sender") == "1")
    if not outcome.repeated:
        _done(outcome, point.id)
    return redirect(_back(consultation, point), code=303)


@bp.route("/samenvoegen", methods=["GET", "POST"])
def merge(slug: str, point_id: int):
    """Merge this point with another of its reaction (the earlier one is kept)."""
    consultation = processable_consultation(slug)
    point, reaction = _point(consultation, point_id)
    others = operations.mergeable_with(get_session(), point)
    if request.method == "GET":
        return _page("corrections/merge.html", consultation, point, reaction, others=others)
    other_id = form_id("other_id")
    kept: list[Point] = []
    outcome = _attempt(lambda: kept.append(operations.merge(
        get_session(), current_user, point, form_id("version") or 0, other_id)))
    if outcome.error:
        return _page("corrections/merge.html", consultation, point, reaction, outcome.status,
                     others=operations.mergeable_with(get_session(), point),
                     error=outcome.error, chosen=other_id)
    if outcome.repeated:
        earlier = get_session().get(Point, outcome.claim.earlier.target_id or point.id)
        return redirect(_back(consultation, earlier or point), code=303)
    _done(outcome, kept[0].id)
    return redirect(_back(consultation, kept[0]), code=303)


def _split_page(consultation, point, reaction, status=200, **extra):
    session = get_session()
    places = operations.cut_places(point.body)
    if "at" not in extra:
        breaks = [at for at in places if point.body[at - 1] == "\n"]
        middle = len(point.body) / 2
        extra["at"] = breaks[0] if breaks else min(places, key=lambda a: abs(a - middle),
                                                   default=None)
    pieces, start = [], 0
    for at in places:
        pieces.append((point.body[start:at], at))
        start = at
    pieces.append((point.body[start:], None))
    return _page("corrections/split.html", consultation, point, reaction, status,
                 pieces=pieces, suggested=operations.split_number(session, point), **extra)


@bp.route("/splitsen", methods=["GET", "POST"])
def split(slug: str, point_id: int):
    """Split a point in two at a chosen place; the new part gets the next number or the one
    the secretary gives."""
    consultation = processable_consultation(slug)
    point, reaction = _point(consultation, point_id)
    if request.method == "GET":
        return _split_page(consultation, point, reaction)
    at, number = to_id(request.form.get("at")), request.form.get("number", "")
    new: list[Point] = []
    outcome = _attempt(lambda: new.append(operations.split(
        get_session(), current_user, point, form_id("version") or 0, at, number)))
    if outcome.error:
        return _split_page(consultation, point, reaction, outcome.status, error=outcome.error,
                           at=at, number=number)
    if not outcome.repeated:
        _done(outcome, new[0].id)
    return redirect(_back(consultation, point), code=303)

