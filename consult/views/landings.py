"""A destination's to-do list: everything routed there, each point marked done with where it
landed (document, version, section or page)."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError

from .. import access, follows, followup, submissions
from ..db import get_session
from ..documents import operations as documents
from ..models import Destination, Landing, Point, Reaction
from .consultations import processable_consultation, unread_of, visible_consultation
from .inputs import arg_number, claim_form, to_id

bp = Blueprint("landings", __name__,
               url_prefix="/consultaties/<slug>/bestemmingen/<int:destination_id>")

MAX_REFERENCE = 500


def _destination(consultation, destination_id: int) -> Destination:
    destination = get_session().get(Destination, destination_id)
    if destination is None or destination.consultation_id != consultation.id:
        abort(404)
    return destination


def _document_context(destination) -> dict:
    """The destination's document (its own or an ancestor's): its versions, and the labels of
    its sections for the rows' type-ahead."""
    session = get_session()
    holder = documents.document_destination(session, destination)
    return {"document_holder": holder,
            "document_versions": documents.versions_of(session, holder.id) if holder else [],
            "sections": documents.choices(session, holder.id) if holder else []}


def _report(consultation, destination, only_open=False, after=None, point_id=None):
    return followup.destination_report(get_session(), consultation, destination, only_open,
                                       after=after, point_id=point_id)


@bp.get("")
def show(slug: str, destination_id: int):
    """Everything routed to this destination, done or still to do: the counts and one page of
    points (``?na=<point id>``: the page after that point; an htmx request gets the rows)."""
    consultation = visible_consultation(slug)
    destination = _destination(consultation, destination_id)
    report = _report(consultation, destination, request.args.get("status") == "open",
                     after=arg_number("na") or None)
    context = {
        "consultation": consultation, "report": report, "destination": destination,
        "can_mark": access.can_process(current_user, consultation),
        "unread": unread_of(consultation, [p.point.id for p in report.shown]),
        **_document_context(destination),
    }
    if request.headers.get("HX-Request") and request.args.get("na"):
        return render_block("destinations/show.html", "rows", **context)
    return render_template(
        "destinations/show.html", **context,
        following=access.role(current_user) is not None
        and follows.follows(get_session(), current_user, destination_id=destination.id),
    )


@bp.post("/volgen")
@login_required
def follow(slug: str, destination_id: int):
    """Follow or unfollow a destination: what happens to its points shows in the inbox."""
    consultation = visible_consultation(slug)
    destination = _destination(consultation, destination_id)
    session = get_session()
    if claim_form(session).repeated:  # a double click follows once, it does not undo
        session.rollback()
        following = follows.follows(session, current_user, destination_id=destination.id)
    else:
        following = follows.toggle(session, current_user, destination_id=destination.id)
        session.commit()
    return render_block("destinations/show.html", "follow_button", consultation=consultation,
                        destination=destination, following=following)


def _point(consultation, point_id: int, report) -> followup.FollowedPoint:
    found = next((p for p in report.points if p.point.id == point_id), None)
    if found is None:
        point = get_session().get(Point, point_id)
        reaction = get_session().get(Reaction, point.reaction_id) if point else None
        if reaction is None or reaction.consultation_id != consultation.id:
            abort(404)
        # a point of this consultation that is not routed here (any more)
        abort(409, _("This point is no longer routed to this destination: its answer was "
                     "changed in the meantime. Nothing was saved; reload the page."))
    return found


def _refused_page(consultation, report, point, error, status, reference, typed):
    """The form sent without JavaScript and refused: the to-do page with just this point's
    row, its message and what was typed (section, quote, reference), so nothing is lost."""
    refused = {"point_id": point.point.id, "error": error, "reference": reference,
               "typed": typed or {}}
    return render_template(
        "destinations/show.html", consultation=consultation, report=report,
        destination=report.destination, can_mark=True, unread={}, refused=refused,
        following=follows.follows(get_session(), current_user,
                                  destination_id=report.destination.id),
        **_document_context(report.destination)), status


def _row(consultation, report, point, error=None, status=200, reference="", typed=None):
    if not request.headers.get("HX-Request"):  # the form sent without JavaScript: the page
        if error:
            return _refused_page(consultation, report, point, error, status, reference, typed)
        return redirect(url_for(".show", slug=consultation.slug,
                                destination_id=report.destination.id,
                                _anchor=f"todo-{point.point.id}"), code=303)
    # The row replaces one whose answer cell covered ``span`` rows (0: a row under such a
    # cell): the new row keeps that shape. Its answers are read afresh.
    span = request.form.get("span", "1").strip()
    span = 0 if span == "0" else min(to_id(span) or 1, followup.TODO_PAGE)
    return render_block("destinations/show.html", "row", consultation=consultation,
                        report=report, p=point, can_mark=True, error=error,
                        reference=reference, unread={}, span=span, typed=typed or {},
                        **_document_context(report.destination),
                        numbers=request.form.get("numbers", "")[:200]), status


def _target(slug: str, destination_id: int, point_id: int):
    """(consultation, destination, its report, the point) for a change by a processor."""
    consultation = processable_consultation(slug)
    destination = _destination(consultation, destination_id)
    report = _report(consultation, destination, point_id=point_id)
    return consultation, destination, report, _point(consultation, point_id, report)


def _fresh_row(consultation, destination, point_id: int, error=None, status=200):
    fresh = _report(consultation, destination, point_id=point_id)
    return _row(consultation, fresh, next(p for p in fresh.points if p.point.id == point_id),
                error, status)


def _taken(reference: str) -> str:
    """Someone else marked the point done first: say so, and give back what was typed."""
    return _("Someone marked this point done in the meantime; see below. Not saved: "
             "“%(reference)s”.", reference=reference)


def _section(holder, typed: dict):
    """(the section the form names, the quoted sentence checked against it): "6", "§ 6" or a
    title will do when it names one section. DocumentError (Dutch) when it names none or
    several, or the sentence is not in the section."""
    session = get_session()
    section = documents.pick_section(session, holder.id, typed["section"])
    version = documents.versions_of(session, holder.id)[0]
    return section, documents.check_quote(version, section, typed["quote"])


@bp.post("/punten/<int:point_id>/geland")
@login_required
def land(slug: str, point_id: int, destination_id: int):
    """Mark the point done here, with the reference of where it landed."""
    consultation, destination, report, point = _target(slug, destination_id, point_id)
    reference = free = " ".join(request.form.get("reference", "").split())
    typed = {k: request.form.get(k, "")[:documents.MAX_QUOTE] for k in ("section", "quote")}
    section, holder = None, documents.document_destination(get_session(), destination)
    if typed["section"].strip() and holder is not None:
        try:
            section, quote = _section(holder, typed)
        except documents.DocumentError as err:
            return _row(consultation, report, point, str(err), 422, free[:MAX_REFERENCE], typed)
        told = documents.reference(holder, section)
        reference = f"{told} — {reference}" if reference else told
    if not reference or len(reference) > MAX_REFERENCE:
        message = _("Say where the point landed (document, version, section or page), in at "
                    "most 500 characters.")
        return _row(consultation, report, point, message, 422, free[:MAX_REFERENCE], typed)
    session = get_session()
    try:
        claim = claim_form(session)
    except submissions.Resubmitted:  # this form marked it done before, with other words
        session.rollback()
        return _fresh_row(consultation, destination, point_id, _taken(reference), 409)
    if claim.repeated:  # a double click or a retry: marked done already
        session.rollback()
        return _fresh_row(consultation, destination, point_id)
    if report.landing(point) is not None:
        session.rollback()
        return _row(consultation, report, point, _taken(reference), 409)
    try:
        landing = followup.land(session, current_user, point.point, destination,
                                reference[:MAX_REFERENCE], report.path)
        if section is not None:
            documents.land_in_section(session, landing, section, quote)
    except IntegrityError:  # marked done by someone else at the same moment
        session.rollback()
        return _fresh_row(consultation, destination, point_id, _taken(reference), 409)
    submissions.record(session, claim, landing.id)
    session.commit()
    return _fresh_row(consultation, destination, point_id)


@bp.post("/punten/<int:point_id>/niet-geland")
@login_required
def unland(slug: str, point_id: int, destination_id: int):
    """Undo: the point is open again here (the thread keeps both events)."""
    consultation, destination, report, point = _target(slug, destination_id, point_id)
    landed = report.landing(point)
    if landed is not None:
        session = get_session()
        followup.unland(session, current_user, session.get(Landing, landed.landing.id),
                        landed.destination)
        session.commit()
    return _fresh_row(consultation, destination, point_id)
