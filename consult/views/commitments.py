"""Commitments of a consultation: the overview (overdue flagged), recording and keeping them."""

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .. import access, commitments, submissions
from ..db import get_session
from ..errors import same_moment
from ..models import Commitment, Response
from .consultations import processable_consultation, visible_consultation
from .inputs import claim_form, form_id, to_date, to_id

bp = Blueprint("commitments", __name__, url_prefix="/consultaties/<slug>/toezeggingen")


def _page(consultation, error=None, status=200, form=None):
    session = get_session()
    responses = session.exec(
        select(Response)
        .where(Response.consultation_id == consultation.id, Response.archived == False)  # noqa: E712
        .order_by(Response.position, Response.id)
    ).all() if access.can_process(current_user, consultation) else []
    return render_template(
        "commitments/index.html", consultation=consultation,
        rows=commitments.overview(session, consultation.id), responses=responses,
        chosen=to_id(request.args.get("antwoord")) or (form or {}).get("response_id"),
        error=error, form=form or {}, today=date.today().isoformat(),
    ), status


@bp.get("")
def index(slug: str):
    """All promises of the consultation; processors can add and keep them."""
    return _page(visible_consultation(slug))




@bp.post("")
@login_required
def create(slug: str):
    """Record a promise made in one of the answers."""
    consultation = processable_consultation(slug)
    session = get_session()
    response = session.get(Response, form_id("response_id") or 0)
    if response is None or response.consultation_id != consultation.id or response.archived:
        abort(404)
    form = {k: request.form.get(k, "")[:10_000] for k in
            ("description", "owner", "due_on", "due_meeting")}
    form["response_id"] = response.id
    due_on = to_date(form["due_on"])
    if form["due_on"] and due_on is None:
        return _page(consultation, "Die datum bestaat niet (gebruik jjjj-mm-dd).", 422, form)
    try:
        claim = claim_form(session)
        if claim.repeated:  # a double click or a retry: recorded already
            session.rollback()
            return redirect(url_for(".index", slug=slug), code=303)
        commitment = commitments.create(session, current_user, response, form["description"],
                                        form["owner"], due_on, form["due_meeting"])
    except commitments.CommitmentError as err:
        session.rollback()
        return _page(consultation, str(err), 422, form)
    except (submissions.Resubmitted, IntegrityError) as err:
        session.rollback()
        message = str(err) if isinstance(err, submissions.Resubmitted) else same_moment()
        return _page(consultation, message, 409, form)
    submissions.record(session, claim, commitment.id)
    session.commit()
    return redirect(url_for(".index", slug=slug), code=303)


@bp.post("/<int:commitment_id>/status")
@login_required
def change(slug: str, commitment_id: int):
    """Keep (with evidence), cancel or reopen a promise."""
    consultation = processable_consultation(slug)
    session = get_session()
    commitment = session.get(Commitment, commitment_id)
    response = session.get(Response, commitment.response_id) if commitment else None
    if response is None or response.consultation_id != consultation.id:
        abort(404)
    try:
        seen = ((request.form["was_status"], request.form.get("was_evidence", ""))
                if "was_status" in request.form else None)
        commitments.set_status(session, current_user, commitment, request.form.get("status", ""),
                               request.form.get("evidence", ""), seen)
    except commitments.CommitmentError as err:
        session.rollback()
        conflict = isinstance(err, commitments.CommitmentConflict)
        return _page(consultation, str(err), 409 if conflict else 422)
    session.commit()
    return redirect(url_for(".index", slug=slug, _anchor=f"toezegging-{commitment.id}"), code=303)
