"""Archive and restore (nothing is deleted), the archive of a consultation, and history views."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from .. import audit
from ..db import get_session
from ..models import Point, Reaction, ReactionStatus, Response
from ..processing import set_archived
from .consultations import processable_consultation
from .inputs import safe_next

bp = Blueprint("records", __name__, url_prefix="/consultaties/<slug>")

KINDS = {"reactie": Reaction, "punt": Point, "antwoord": Response}


def _record_or_404(consultation, kind: str, record_id: int):
    """A reaction, point or response of this consultation."""
    model = KINDS.get(kind)
    row = get_session().get(model, record_id) if model else None
    if row is None:
        abort(404)
    session = get_session()
    reaction_id = row.id if isinstance(row, Reaction) else row.reaction_id
    reaction = session.get(Reaction, reaction_id) if reaction_id else None
    owner = reaction.consultation_id if reaction else getattr(row, "consultation_id", None)
    if owner != consultation.id:
        abort(404)
    if reaction is not None and reaction.status != ReactionStatus.submitted:
        abort(404)  # a board's draft does not exist for the secretariat
    return row


@bp.post("/<any(archiveren, herstellen):action>/<kind>/<int:record_id>")
def change(slug: str, action: str, kind: str, record_id: int):
    """Archive or restore one reaction, point or answer, then go back where the user was."""
    consultation = processable_consultation(slug)
    row = _record_or_404(consultation, kind, record_id)
    session = get_session()
    set_archived(session, current_user, row, consultation.id, archived=action == "archiveren")
    session.commit()
    back = request.form.get("next")
    return redirect(safe_next(back) if back else url_for(".archive", slug=slug), code=303)


@bp.get("/archief")
def archive(slug: str):
    """Everything archived in this consultation, with a restore button each."""
    consultation = processable_consultation(slug)
    session = get_session()
    reactions = session.exec(
        select(Reaction).where(Reaction.consultation_id == consultation.id,
                               Reaction.archived == True)  # noqa: E712
    ).all()
    points = session.exec(
        select(Point, Reaction)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(Reaction.consultation_id == consultation.id, Point.archived == True)  # noqa: E712
    ).all()
    responses = session.exec(
        select(Response).where(Response.consultation_id == consultation.id,
                               Response.archived == True)  # noqa: E712
    ).all()
    return render_template(
        "records/archive.html", consultation=consultation, reactions=reactions, points=points,
        responses=responses,
    )


@bp.get("/geschiedenis/<kind>/<int:record_id>")
def history(slug: str, kind: str, record_id: int):
    """Who changed this reaction, point or answer, when, and from what to what."""
    consultation = processable_consultation(slug)
    row = _record_or_404(consultation, kind, record_id)
    events = audit.history(get_session(), row.__tablename__, row.id)
    return render_template(
        "records/history.html", consultation=consultation, row=row, kind=kind, events=events
    )
