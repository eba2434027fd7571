"""Pages for reading consultations: the list, one consultation, one reaction."""

from flask import Blueprint, abort, render_template

from .. import consultations as reading
from ..db import get_session

bp = Blueprint("consultations", __name__)


@bp.get("/")
def index():
    """All consultations with their progress."""
    rows = reading.list_consultations(get_session())
    return render_template("consultations/index.html", rows=rows)


def _consultation_or_404(slug: str):
    consultation = reading.get_consultation(get_session(), slug)
    if consultation is None:
        abort(404)
    return consultation


@bp.get("/consultaties/<slug>")
def show(slug: str):
    """One consultation: its stakeholders, reactions and how far the answering is."""
    consultation = _consultation_or_404(slug)
    data = reading.overview(get_session(), consultation)
    return render_template("consultations/show.html", o=data, consultation=consultation)


@bp.get("/consultaties/<slug>/reacties/<int:reaction_id>")
def reaction(slug: str, reaction_id: int):
    """One reaction: its numbered points, each with its answer and destinations."""
    consultation = _consultation_or_404(slug)
    detail = reading.reaction_detail(get_session(), consultation, reaction_id)
    if detail is None:
        abort(404)
    return render_template("reactions/show.html", d=detail, consultation=consultation)
