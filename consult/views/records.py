"""Archive and restore (nothing is deleted), the archive of a consultation, and history views."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlmodel import select

from .. import audit, richtext
from ..answergroups import number_list
from ..db import get_session
from ..models import Point, Reaction, ReactionStatus, Response, ResponsePoint, Stakeholder
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
    archiving = action == "archiveren"
    changed = row.archived != archiving
    set_archived(session, current_user, row, consultation.id, archived=archiving)
    what = described(row)
    session.commit()
    back = request.form.get("next")
    back = safe_next(back) if back else url_for(".archive", slug=slug)
    if archiving:  # said again for a repeat (a double click): it is archived either way
        flash({"text": _("Archived: %(what)s.", what=what), "kind": kind, "id": row.id,
               "slug": slug, "next": back}, "undo")
    else:
        flash(_("Restored: %(what)s.", what=what) if changed
              else _("Already restored: %(what)s.", what=what))
    return redirect(back, code=303)


def _start(text: str, chars: int = 60) -> str:
    """The first words of a (Markdown) text as it reads, for recognising it: at most
    ``chars`` characters, no Markdown markers (consult.richtext.plain)."""
    flat = " ".join(richtext.plain(text, 20 * chars).split())
    return flat if len(flat) <= chars else flat[:chars].rsplit(" ", 1)[0] + "…"


def _sender(session, stakeholder_id: int | None, reaction_id: int | None) -> str:
    """The name of a point's own sender, else of its reaction's; "?" when neither is known."""
    if stakeholder_id is None and reaction_id is not None:
        reaction = session.get(Reaction, reaction_id)
        stakeholder_id = reaction.stakeholder_id if reaction else None
    sender = session.get(Stakeholder, stakeholder_id) if stakeholder_id else None
    return sender.name if sender else "?"


def described(row) -> str:
    """One line that says which reaction, point or answer this is, as its reader knows it:
    the sender, the number(s) as the pages label them ("1-3 en 5") and how the text begins."""
    session = get_session()
    if isinstance(row, Reaction):
        return _("the reaction “%(title)s” of %(sender)s", title=row.title,
                 sender=_sender(session, None, row.id))
    if isinstance(row, Point):
        return _("point %(number)s of %(sender)s (“%(start)s”)", number=row.number,
                 sender=_sender(session, row.stakeholder_id, row.reaction_id),
                 start=_start(row.body))
    points = session.exec(
        select(Point).join(ResponsePoint, ResponsePoint.point_id == Point.id)
        .where(ResponsePoint.response_id == row.id)
        .order_by(Point.reaction_id, Point.position, Point.id)).all()
    first = points[0] if points else None
    name = _sender(session, first.stakeholder_id if first else None,
                   first.reaction_id if first else row.reaction_id)
    if not points:
        return _("the answer to the whole reaction of %(sender)s (“%(start)s”)", sender=name,
                 start=_start(row.body))
    return ngettext("the answer to point %(numbers)s of %(sender)s (“%(start)s”)",
                    "the answer to points %(numbers)s of %(sender)s (“%(start)s”)",
                    len(points), numbers=number_list([p.number for p in points]),
                    sender=name, start=_start(row.body))


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
