"""Answer letters of a consultation: its opening and closing (a small form), and one letter per
stakeholder. Only for those who process the consultation: a letter speaks for the organiser."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import letters, reports
from ..db import get_session
from .consultations import processable_consultation
from .reports import file_download
from .stakeholders import live_stakeholder

bp = Blueprint("letters", __name__, url_prefix="/consultaties/<slug>/antwoordbrieven")


def _page(consultation, opening: str, closing: str, error=None, status=200):
    senders, unanswered = letters.overview(get_session(), consultation)
    return render_template(
        "letters/index.html", consultation=consultation, opening=opening, closing=closing,
        error=error,
        senders=senders, max_text=letters.MAX_TEXT,
        unanswered=unanswered, unanswered_total=sum(unanswered.values()),
    ), status


@bp.get("")
@login_required
def index(slug: str):
    """The opening and closing to edit, and a letter to download per stakeholder."""
    consultation = processable_consultation(slug)
    return _page(consultation, *letters.texts(consultation))


@bp.post("")
@login_required
def save(slug: str):
    """Store the opening and closing every letter of the consultation gets."""
    consultation = processable_consultation(slug)
    # Not cut: a text over the limit comes back whole, with the message.
    opening, closing = request.form.get("opening", ""), request.form.get("closing", "")
    session = get_session()
    try:
        letters.save_texts(session, current_user, consultation, opening, closing)
    except letters.LetterError as err:
        session.rollback()
        return _page(consultation, opening, closing, str(err), 422)
    session.commit()
    # Said by the server once (a flash), not by the URL: "?opgeslagen=1" typed or bookmarked
    # showed the line although nothing was saved.
    flash(_("The opening and closing are saved."), "success")
    return redirect(url_for(".index", slug=slug), code=303)


@bp.get("/<int:stakeholder_id>.docx")
@login_required
def download(slug: str, stakeholder_id: int):
    """The letter (.docx) to one stakeholder, about its points (with those of everything under
    it, unless ?alleen=1) in this consultation."""
    consultation = processable_consultation(slug)
    stakeholder = live_stakeholder(stakeholder_id)
    whole = request.args.get("alleen") != "1"
    data = letters.answer_letter(get_session(), consultation, stakeholder, whole)
    return file_download(data, reports.FORMATS["docx"][0], f"antwoordbrief-{stakeholder.slug}.docx")
