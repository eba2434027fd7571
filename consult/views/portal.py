"""The portal for advisory boards and councillors: drafts, submission, and the inbox."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from pydantic import ValidationError

from .. import access, attachments, composer, follows, portal
from ..db import get_session
from ..extract import ExtractError, extract_text
from ..intake import IntakeError
from ..models import Consultation, Reaction, ReactionStatus, utcnow
from .consultations import visible_consultation
from .inputs import form_id
from .stakeholders import live_stakeholder

bp = Blueprint("portal", __name__, url_prefix="/portaal")


@bp.before_request
@login_required
def _members_only():
    """The portal is for advisory-board members and councillors."""
    if access.role(current_user) not in ("advisory_member", "councillor"):
        abort(403)


@bp.get("")
def inbox():
    """Answers and replies on the user's points, and the board's drafts and reactions."""
    session = get_session()
    readable = access.readable_consultations(current_user)
    ids = {c.id for c in readable}
    items = portal.inbox(session, current_user, ids)
    reactions = portal.board_reactions(session, current_user, ids)
    open_consultations = [c for c in readable if access.can_draft(current_user, c)]
    html = render_template(
        "portal/inbox.html", items=items, reactions=reactions,
        open_consultations=open_consultations,
    )
    current_user.inbox_seen_at = utcnow()
    session.add(current_user)
    session.commit()
    return html


def _draftable(slug: str):
    consultation = visible_consultation(slug)
    if not access.can_draft(current_user, consultation):
        abort(403)
    return consultation


def _own_draft(reaction_id: int):
    """The board's own reaction (draft or submitted); another board's is 404, never 403."""
    session = get_session()
    reaction = session.get(Reaction, reaction_id)
    if reaction is None or reaction.archived or not access.is_board_member(
        current_user, reaction.stakeholder_id
    ):
        abort(404)
    return reaction


def _form_points():
    f = request.form
    return composer.from_form(
        f.getlist("point_number"), f.getlist("point_heading"), f.getlist("point_text")
    )


def _text():
    """The advice text (an uploaded file wins) and the accepted upload, if any."""
    upload = request.files.get("file")
    if upload and upload.filename:
        data = upload.read()
        return extract_text(upload.filename, data), (upload.filename, data)
    return request.form.get("text", ""), None


@bp.post("/<slug>/voorbeeld")
def preview(slug: str):
    """The live preview of the points (nothing is saved)."""
    consultation = _draftable(slug)
    try:
        text, uploaded = _text()
        result = composer.from_text(text)
    except ExtractError as err:
        text, uploaded, result = "", False, composer.Preview(error=str(err))
    return render_block(
        "consultations/show.html", "preview", consultation=consultation, preview=result,
        extracted=text if uploaded else None,
        edit_url=url_for(".edit_preview", slug=slug),
        preview_url=url_for(".preview", slug=slug),
    )


@bp.post("/<slug>/voorbeeld/bewerk")
def edit_preview(slug: str):
    """Merge, split, delete or renumber points in the preview."""
    consultation = _draftable(slug)
    points = composer.apply_action(
        _form_points(), request.form.get("action", ""), request.form.get("renumber_from", "1")
    )
    return render_block(
        "consultations/show.html", "preview", consultation=consultation,
        preview=composer.of_points(points), edit_url=url_for(".edit_preview", slug=slug),
        preview_url=url_for(".preview", slug=slug),
    )


@bp.route("/<slug>/concept", methods=["GET", "POST"])
def new_draft(slug: str):
    """Start the board's advice for this consultation."""
    consultation = _draftable(slug)
    if request.method == "GET":
        return render_template("portal/draft.html", consultation=consultation, reaction=None,
                               preview=None)
    return _save(consultation, None)


@bp.route("/concepten/<int:reaction_id>", methods=["GET", "POST"])
def draft(reaction_id: int):
    """Read or edit one of the board's drafts (a submitted one is read-only)."""
    reaction = _own_draft(reaction_id)
    consultation = visible_consultation_by_id(reaction.consultation_id)
    if request.method == "GET" or reaction.status != ReactionStatus.draft:
        if request.method == "POST":
            abort(409)
        preview = composer.Preview(portal.draft_points(reaction))
        return render_template("portal/draft.html", consultation=consultation,
                               reaction=reaction, preview=preview)
    return _save(consultation, reaction)


def visible_consultation_by_id(consultation_id: int):
    """The reaction's consultation, if the user may see it."""
    consultation = get_session().get(Consultation, consultation_id)
    if consultation is None or not access.can_view(current_user, consultation):
        abort(404)
    return consultation


def _save(consultation, reaction):
    """Save the draft; errors and conflicts keep everything the member typed."""
    session = get_session()
    points = _form_points()
    try:
        text, upload = _text()
        if not points and text.strip():
            split = composer.from_text(text)
            if split.error:
                raise IntakeError(split.error)
            points = split.points
        saved = portal.save_draft(
            session, current_user, consultation, request.form.get("title", ""), text, points,
            reaction=reaction, expected_version=form_id("version"),
        )
    except (IntakeError, ExtractError, ValidationError) as err:
        session.rollback()
        message = str(err) if not isinstance(err, ValidationError) else _(
            "A field is not filled in correctly (%(field)s).", field="title")
        return render_template(
            "portal/draft.html", consultation=consultation, reaction=reaction,
            preview=composer.of_points(points), error=message,
            conflict=isinstance(err, portal.DraftConflict),
        ), 409 if isinstance(err, portal.DraftConflict) else 422
    if upload:
        attachments.store(session, current_user, current_app.instance_path, saved, *upload)
    session.commit()
    if request.form.get("submit") == "1":
        return _submit(saved)
    return redirect(url_for(".draft", reaction_id=saved.id, opgeslagen=1), code=303)


def _submit(reaction):
    session = get_session()
    try:
        portal.submit(session, current_user, reaction, reaction.version)
    except IntakeError as err:
        session.rollback()
        consultation = visible_consultation_by_id(reaction.consultation_id)
        return render_template(
            "portal/draft.html", consultation=consultation, reaction=reaction,
            preview=composer.Preview(portal.draft_points(reaction)), error=str(err),
        ), 422
    session.commit()
    return redirect(url_for(".draft", reaction_id=reaction.id, ingediend=1), code=303)


@bp.post("/volgen/betrokkene/<int:stakeholder_id>")
def follow_stakeholder(stakeholder_id: int):
    """Follow a stakeholder: what happens to its points then shows in the inbox."""
    session = get_session()
    stakeholder = live_stakeholder(stakeholder_id)
    following = follows.toggle(session, current_user, stakeholder_id=stakeholder.id)
    session.commit()
    return render_template(
        "portal/follow_stakeholder.html", stakeholder=stakeholder, following=following
    )
