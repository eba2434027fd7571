"""Answering points: route a selection with an explanation, edit answers, see their versions."""


from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .. import access, notify, richtext, submissions
from .. import consultations as reading
from ..answergroups import number_list
from ..db import get_session
from ..errors import same_moment
from ..models import (
    Destination,
    DestinationKind,
    Point,
    Reaction,
    ReactionStatus,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    ResponseVersion,
    User,
)
from ..processing import (
    ConflictError,
    ProcessingError,
    create_destination,
    destinations_of,
    revise,
)
from ..processing import (
    answer as answer_points,
)
from ..ranges import SelectionError, format_selection, parse_selection
from ..slugs import unique_slug
from ..text import MAX_MARKDOWN_CHARS, render_markdown
from .consultations import processable_consultation, visible_consultation, visible_reaction
from .inputs import claim_form, form_id, form_ids, fresh_key, to_date, to_id

bp = Blueprint("processing", __name__)




def _status(value: str | None) -> str:
    return value if value in {s.value for s in ResponseStatus} else ResponseStatus.draft


def _chosen_destinations(session, consultation) -> list[Destination]:
    """The ticked live destinations of this consultation (an archived one is not offered
    for new answers, nor taken when sent anyway), plus one created inline."""
    ids = form_ids("destination_ids")
    chosen = (
        session.exec(
            select(Destination).where(
                Destination.id.in_(ids), Destination.consultation_id == consultation.id,
                Destination.archived == False,  # noqa: E712
            )
        ).all()
        if ids else []
    )
    title = " ".join(request.form.get("new_destination", "").split())
    if title:
        parent_id = form_id("new_destination_parent")
        parent = session.get(Destination, parent_id) if parent_id else None
        if parent is not None and parent.consultation_id != consultation.id:
            parent = None
        chosen.append(
            create_destination(
                session,
                current_user,
                consultation_id=consultation.id,
                parent_id=parent.id if parent else None,
                slug=unique_slug(session, Destination, title, consultation_id=consultation.id),
                title=title,
                kind=parent.kind if parent else DestinationKind.document_section,
            )
        )
    return chosen


def _error(message: str, status: int = 422):
    """The message under the answer form; the form keeps everything (nothing is swapped)."""
    return render_block("reactions/show.html", "answer_error", error=message), status, {
        "HX-Reswap": "none", **fresh_key()
    }


def _answered(session, consultation, reaction_id: int, saved: dict | None = None):
    """The reaction's points with their answers, for the page that stays open; the answer
    form gets its next one-time key. ``saved`` (points: the selection as text, count,
    response, destinations) also says in the panel which points got which answer."""
    detail = reading.reaction_detail(session, consultation, reaction_id, drafts=True)
    html = render_block("reactions/show.html", "points", d=detail, consultation=consultation)
    if saved:
        html += render_block("reactions/show.html", "answer_saved", consultation=consultation,
                             reaction_id=reaction_id, **saved)
    return html, 200, {"HX-Trigger": "answer-saved", **fresh_key()}


@bp.get("/consultaties/<slug>/reacties/<int:reaction_id>/keuze")
def selection(slug: str, reaction_id: int):
    """The answer panel's chosen points: a typed ``selection`` ("1 t/m 3") read with the
    rules of consult/ranges.py, or else the ticked ``point_ids`` written as one ("1 t/m 3,
    5"); the count, the point ids to tick and the text to type, for the browser to show."""
    consultation = processable_consultation(slug)
    rows = visible_reaction(consultation, reaction_id).points
    points = [row.point for row in rows]
    answered = {row.point.id for row in rows if row.answers}
    numbers = [p.number for p in points]
    sel = {"error": None, "text": None, "ids": [], "answered": 0}
    if "selection" in request.args:
        typed = request.args["selection"]
        try:
            chosen = parse_selection(typed, numbers) if typed.strip() else []
        except SelectionError as err:
            chosen, sel["error"] = [], str(err)
    else:
        ticked = {to_id(v) for v in request.args.getlist("point_ids")}
        chosen = [p.number for p in points if p.id in ticked]
        sel["text"] = format_selection(chosen, numbers)
    sel["ids"] = [p.id for p in points if p.number in set(chosen)]
    # an answer saved now comes beside theirs: say so before, not after (the trial)
    sel["answered"] = len(answered.intersection(sel["ids"]))
    return render_block("reactions/show.html", "selection_state", consultation=consultation,
                        reaction_id=reaction_id, sel=sel)


@bp.post("/consultaties/<slug>/reacties/<int:reaction_id>/antwoorden")
def answer(slug: str, reaction_id: int):
    """Answer the selected points (ticked or typed as "1 t/m 5"); nothing changes on error."""
    consultation = processable_consultation(slug)
    session = get_session()
    detail = visible_reaction(consultation, reaction_id)
    if detail.reaction.status != "submitted" or detail.reaction.archived:
        abort(404)
    points = [row.point for row in detail.points]
    numbers = [p.number for p in points]
    ticked = set(form_ids("point_ids"))
    chosen = [p for p in points if p.id in ticked]
    typed = request.form.get("selection", "").strip()
    if typed:
        try:
            wanted = set(parse_selection(typed, numbers))
        except SelectionError as err:
            return _error(str(err))
        chosen += [p for p in points if p.number in wanted and p not in chosen]
    if not chosen:
        return _error(_("Select the points to answer: tick them or type e.g. 1 t/m 5."))
    chosen.sort(key=lambda p: p.position)
    try:
        claim = claim_form(session)
    except submissions.Resubmitted as err:
        session.rollback()
        return _error(str(err), 409)
    if claim.repeated:  # a double click or a retry: this answer is saved already
        session.rollback()
        return _answered(session, consultation, reaction_id)
    try:
        destinations = _chosen_destinations(session, consultation)
        response = answer_points(
            session,
            current_user,
            consultation,
            points=chosen,
            destinations=destinations,
            body=request.form.get("body", ""),
            status=_status(request.form.get("status")),
            decided_by=request.form.get("decided_by", "").strip(),
            decided_on=to_date(request.form.get("decided_on")),
            reaction_id=reaction_id,
        )
    except ValidationError:
        session.rollback()
        return _error(_("Write the explanation first (at most 200,000 characters)."))
    except ProcessingError as err:
        session.rollback()
        return _error(str(err))
    except IntegrityError:  # e.g. the same new destination added by someone else just now
        session.rollback()
        return _error(same_moment(), 409)
    submissions.record(session, claim, response.id)
    session.commit()
    notify.answer_told(session, current_user, response, [p.id for p in chosen],
                       _("Your points were answered: %(body)s",
                         body=richtext.text(response.body_html, response.body)))
    # Told as the page labels a group of points ("1-3 en 5"), not as the input field's form.
    saved = {"points": number_list([p.number for p in chosen]),
             "count": len(chosen), "response": response, "destinations": destinations}
    return _answered(session, consultation, reaction_id, saved)


def _response_or_404(consultation, response_id: int) -> Response:
    response = get_session().get(Response, response_id)
    if response is None or response.consultation_id != consultation.id or response.archived:
        abort(404)
    return response


def _back_to_reaction(session, consultation, response) -> str:
    """The reaction page, at the first point the answer covers."""
    first = session.exec(
        select(Point)
        .join(ResponsePoint, ResponsePoint.point_id == Point.id)
        .where(ResponsePoint.response_id == response.id)
        .order_by(Point.position)
    ).first()
    reaction_id = first.reaction_id if first else response.reaction_id
    if reaction_id is None:
        return url_for("consultations.show", slug=consultation.slug)
    anchor = f"punt-{first.number}" if first else None
    return url_for("consultations.reaction", slug=consultation.slug, reaction_id=reaction_id,
                   _anchor=anchor)


def _edit_context(session, consultation, response, **extra):
    chosen = {
        d.destination_id
        for d in session.exec(
            select(ResponseDestination).where(ResponseDestination.response_id == response.id)
        )
    }
    return {
        "consultation": consultation,
        "response": response,
        "destinations": destinations_of(session, consultation.id),
        "chosen": chosen,
        "back": _back_to_reaction(session, consultation, response),
        **extra,
    }


@bp.route("/consultaties/<slug>/antwoorden/<int:response_id>/bewerken", methods=["GET", "POST"])
def edit(slug: str, response_id: int):
    """Edit an answer; a stale edit gets a conflict message and keeps the editor's text."""
    consultation = processable_consultation(slug)
    session = get_session()
    response = session.get(Response, response_id)
    if request.method == "GET" or response is None or not response.archived:
        response = _response_or_404(consultation, response_id)
    if request.method == "GET":
        context = _edit_context(session, consultation, response)
        return render_template("responses/edit.html", **context)
    form = request.form
    draft = {
        "body": form.get("body", ""),
        "status": _status(form.get("status")),
        "decided_by": form.get("decided_by", "").strip(),
        "decided_on": to_date(form.get("decided_on")),
    }
    if response.consultation_id != consultation.id:
        abort(404)
    if response.archived:  # archived while this edit was open: say so, keep what was typed
        message = _("Someone archived this answer in the meantime; your changes were not "
                    "saved. Restore it from the archive to edit it again.")
        return render_template(
            "responses/edit.html",
            **_edit_context(session, consultation, response, conflict=message, draft=draft),
        ), 409
    try:
        claim = claim_form(session)
        if claim.repeated:  # a double click or a retry: this edit is saved already
            session.rollback()
            return redirect(_back_to_reaction(session, consultation, response), code=303)
        revise(
            session,
            current_user,
            response,
            expected_version=form_id("version") or 0,
            destinations=_chosen_destinations(session, consultation),
            **draft,
        )
    except ConflictError as err:
        session.rollback()
        session.refresh(response)
        return render_template(
            "responses/edit.html",
            **_edit_context(session, consultation, response, conflict=str(err), draft=draft),
        ), 409
    except (ValidationError, ProcessingError, submissions.Resubmitted, IntegrityError) as err:
        session.rollback()
        session.refresh(response)
        return render_template(
            "responses/edit.html",
            **_edit_context(session, consultation, response, error=_edit_error(err),
                            draft=draft),
        ), 422 if isinstance(err, (ValidationError, ProcessingError)) else 409
    submissions.record(session, claim, response.id)
    session.commit()
    point_ids = session.exec(
        select(ResponsePoint.point_id).where(ResponsePoint.response_id == response.id)
    ).all()
    notify.answer_told(session, current_user, response, list(point_ids),
                       _("An answer to your points changed: %(body)s",
                         body=richtext.text(response.body_html, response.body)))
    return redirect(_back_to_reaction(session, consultation, response), code=303)


def _edit_error(err: Exception) -> str:
    """What the editor is told when the edit could not be saved."""
    if isinstance(err, ValidationError):
        return _("Write the explanation first (at most 200,000 characters).")
    if isinstance(err, IntegrityError):
        return same_moment()
    return str(err)


def _readable_response_or_404(consultation, response_id: int) -> Response:
    """An answer the user may read: for the secretariat any live one; for everyone else only a
    released (non-draft) answer to a point they can see (a live point of a live reaction)."""
    response = _response_or_404(consultation, response_id)
    if access.can_see_drafts(current_user, consultation):
        return response
    if response.status == ResponseStatus.draft:
        abort(404)
    session = get_session()
    live = (
        select(Point.id)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(ResponsePoint, ResponsePoint.point_id == Point.id)
        .where(ResponsePoint.response_id == response.id, Point.archived == False,  # noqa: E712
               Reaction.archived == False, Reaction.status == ReactionStatus.submitted)  # noqa: E712
    )
    whole = response.reaction_id and session.exec(
        select(Reaction.id).where(Reaction.id == response.reaction_id,
                                  Reaction.archived == False,  # noqa: E712
                                  Reaction.status == ReactionStatus.submitted)
    ).first()
    if not whole and session.exec(live.limit(1)).first() is None:
        abort(404)
    return response


@bp.get("/consultaties/<slug>/antwoorden/<int:response_id>/versies")
def versions(slug: str, response_id: int):
    """Every saved version of an answer, newest first (released wordings only, without names,
    for those outside the secretariat and the public; see access.py)."""
    consultation = visible_consultation(slug)
    session = get_session()
    response = _readable_response_or_404(consultation, response_id)
    query = select(ResponseVersion).where(ResponseVersion.response_id == response.id)
    if not access.can_see_drafts(current_user, consultation):
        query = query.where(ResponseVersion.status != ResponseStatus.draft)
    rows = session.exec(query.order_by(ResponseVersion.version.desc())).all()
    people = access.can_see_people(current_user)
    author_ids = {v.author_id for v in rows if v.author_id} if people else set()
    authors = (
        {u.id: u for u in session.exec(select(User).where(User.id.in_(author_ids)))}
        if author_ids else {}
    )
    return render_template(
        "responses/versions.html",
        people=people,
        consultation=consultation,
        response=response,
        versions=rows,
        authors=authors,
        back=_back_to_reaction(session, consultation, response),
    )


@bp.post("/markdown-voorbeeld")
def markdown_preview():
    """Render the explanation being typed, exactly as it will appear (for those who write
    answers; up to the length that is shown with formatting)."""
    if not access.can_process(current_user):
        abort(403)
    text = request.form.get("body", "")
    if len(text) > MAX_MARKDOWN_CHARS:
        message = _(
            "The preview shows texts of up to %(max)s characters; this one has %(n)s. You can "
            "still save it: a longer text is shown without formatting.",
            max=_number(MAX_MARKDOWN_CHARS), n=_number(len(text)),
        )
        return render_block("responses/edit.html", "answer_preview", preview_refused=message), 422
    return str(render_markdown(text))


def _number(n: int) -> str:
    """25000 as "25.000", as Dutch readers write it."""
    return f"{n:,}".replace(",", ".")

