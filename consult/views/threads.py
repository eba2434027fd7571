"""A point's thread: the point on top, its whole story below, a chat input at the foot."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from .. import access, threads
from .. import consultations as reading
from ..db import get_session
from ..models import Point, Reaction, Stakeholder
from .consultations import consultation_or_404

bp = Blueprint("threads", __name__, url_prefix="/consultaties/<slug>/punten/<int:point_id>")


def _point_or_404(consultation, point_id: int):
    """The point with its reaction, if it belongs to this consultation."""
    session = get_session()
    point = session.get(Point, point_id)
    reaction = session.get(Reaction, point.reaction_id) if point else None
    if point is None or point.archived or reaction is None or reaction.archived \
            or reaction.consultation_id != consultation.id:
        abort(404)
    return point, reaction


def _context(consultation, point, reaction, after_id=0):
    session = get_session()
    detail = reading.reaction_detail(session, consultation, reaction.id)
    row = next(r for r in detail.points if r.point.id == point.id)
    entries = threads.entries(session, point, current_user, after_id=after_id)
    return {
        "consultation": consultation,
        "reaction": reaction,
        "stakeholder": session.get(Stakeholder, reaction.stakeholder_id),
        "row": row,
        "point": point,
        "entries": entries,
        "last_id": entries[-1].message.id if entries else after_id,
        "kinds": access.message_kinds(current_user),
    }


@bp.get("")
def show(slug: str, point_id: int):
    """The thread page."""
    consultation = consultation_or_404(slug)
    point, reaction = _point_or_404(consultation, point_id)
    return render_template("threads/show.html", **_context(consultation, point, reaction))


@bp.get("/nieuw")
def new_entries(slug: str, point_id: int):
    """Entries after the given id (polled every few seconds); 204 when there are none."""
    consultation = consultation_or_404(slug)
    point, reaction = _point_or_404(consultation, point_id)
    after = request.args.get("na", type=int) or 0
    if not threads.has_entries_after(get_session(), point, current_user, after):
        return "", 204  # the common case, every few seconds per open thread: keep it cheap
    context = _context(consultation, point, reaction, after_id=after)
    return render_block("threads/show.html", "new_entries", **context)


@bp.post("/berichten")
@login_required
def post(slug: str, point_id: int):
    """Post a message; the poller then shows it (here and in every other open browser)."""
    consultation = consultation_or_404(slug)
    point, _reaction = _point_or_404(consultation, point_id)
    session = get_session()
    kinds = access.message_kinds(current_user)
    kind = request.form.get("kind") or (kinds[0] if kinds else "")
    try:
        threads.post_message(session, current_user, point, kind, request.form.get("body", ""))
    except threads.ThreadError as err:
        session.rollback()
        return render_block("threads/show.html", "post_error", error=str(err)), 422, {
            "HX-Reswap": "none"
        }
    session.commit()
    return "", 204, {"HX-Trigger": "thread-changed"}
