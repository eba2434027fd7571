"""The portal for advisory boards and councillors: drafts, submission, and the inbox."""

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from pydantic import ValidationError

from .. import access, attachments, composer, files, follows, notify, portal, submissions
from ..db import get_session
from ..extract import ExtractError, extract_text
from ..intake import IntakeError
from ..letterforms import display_text
from ..models import Consultation, Reaction, ReactionStatus, aware, utcnow
from .consultations import visible_consultation
from .inputs import arg_number, claim_form, form_id, list_start
from .stakeholders import live_stakeholder

bp = Blueprint("portal", __name__, url_prefix="/portaal")


@bp.before_request
@login_required
def _members_only():
    """The portal is for advisory-board members and councillors."""
    if access.role(current_user) not in ("advisory_member", "councillor"):
        abort(403)


def _moment(name: str) -> datetime | None:
    """An ISO moment from the query string; anything else is None."""
    try:
        return aware(datetime.fromisoformat(request.args.get(name, "")))
    except (ValueError, OverflowError):
        return None


@bp.get("")
def inbox():
    """Answers and replies on the user's points, newest first and a page at a time
    (``voor``: the next page's entries are older than that entry; ``sinds``: the moment the
    first page counted as read, so that "new" means the same on every page; ``vanaf``: the
    list's number of the page's first entry), and the board's drafts and reactions. htmx asks
    for the next page's items only."""
    session = get_session()
    readable = access.readable_consultations(current_user)
    ids = {c.id for c in readable}
    before = arg_number("voor") or None
    seen = _moment("sinds") if before is not None else current_user.inbox_seen_at
    items, more = portal.inbox(session, current_user, ids, before=before, seen=seen)
    page = {"items": items, "more": more, "seen": seen.isoformat() if seen else "",
            "next_before": items[-1].message.id if items else None,
            "start": list_start(paged=before is not None)}
    if before is not None and request.headers.get("HX-Request"):
        return render_block("portal/inbox.html", "items", **page)
    reactions = portal.board_reactions(session, current_user, ids)
    open_consultations = [c for c in readable if access.can_draft(current_user, c)]
    return render_template(
        "portal/inbox.html", reactions=reactions, first=before is None,
        open_consultations=open_consultations, shown_at=utcnow().isoformat(), **page,
    )


@bp.post("/gezien")
def inbox_seen():
    """The inbox was shown: what it showed is no longer new. Posted by the page once on screen
    (a GET changes nothing); an entry that arrived after the page was made stays new."""
    try:
        shown = aware(datetime.fromisoformat(request.form.get("tot", "")))
    except ValueError:
        return ""
    session = get_session()
    shown = min(shown, utcnow())
    if current_user.inbox_seen_at is None or aware(current_user.inbox_seen_at) < shown:
        current_user.inbox_seen_at = shown
        session.add(current_user)
        session.commit()
    return ""


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
        extracted=display_text(text) if uploaded else None,
        edit_url=url_for(".edit_preview", slug=slug),
        preview_url=url_for(".preview", slug=slug),
    )


@bp.post("/<slug>/voorbeeld/bewerk")
def edit_preview(slug: str):
    """Merge, split, delete or renumber points in the preview."""
    consultation = _draftable(slug)
    f = request.form
    preview = composer.Preview(
        _form_points(), intro=f.get("preview_intro", ""), outro=f.get("preview_outro", "")
    )
    preview = composer.edit(preview, f.get("action", ""), f.get("renumber_from", "1"))
    return render_block(
        "consultations/show.html", "preview", consultation=consultation,
        preview=composer.of_points(preview.points, preview.intro, preview.outro),
        edit_url=url_for(".edit_preview", slug=slug),
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
    if request.method == "GET":
        if reaction.status == ReactionStatus.submitted:  # exactly what the secretariat got
            return render_template("portal/draft.html", consultation=consultation,
                                   reaction=reaction, submitted=portal.submitted_points(
                                       get_session(), reaction))
        preview = composer.Preview(portal.draft_points(reaction))
        return render_template("portal/draft.html", consultation=consultation,
                               reaction=reaction, preview=preview)
    if not access.can_draft(current_user, consultation):  # no longer open: keep the text
        return _form_again(consultation, reaction, _form_points(), _(
            "The consultation is no longer open for reactions, so this cannot be saved or "
            "submitted. Your text is still here; ask the secretariat if it can still be "
            "sent."), 409)
    return _save(consultation, reaction)


def visible_consultation_by_id(consultation_id: int):
    """The reaction's consultation, if the user may see it."""
    consultation = get_session().get(Consultation, consultation_id)
    if consultation is None or not access.can_view(current_user, consultation):
        abort(404)
    return consultation


def _form_again(consultation, reaction, points, message: str, status: int):
    """The draft form again with everything the member sent and what went wrong. A draft
    that was submitted in the meantime is locked: the text comes back as a new draft."""
    if reaction is not None and reaction.status != ReactionStatus.draft:
        reaction = None
    return render_template(
        "portal/draft.html", consultation=consultation, reaction=reaction,
        preview=composer.of_points(points), error=message, conflict=status == 409,
    ), status


def _save(consultation, reaction):
    """Save the draft, and submit it when asked, in one transaction; errors and conflicts
    keep everything the member typed, and a repeat of the same form (double click, retry)
    is answered like the first."""
    session = get_session()
    points = _form_points()
    submitting = request.form.get("submit") == "1"
    notes: list[str] = []  # what the split of a text saved without a preview asks to check
    try:
        claim = claim_form(session)
        if claim.repeated:
            session.rollback()
            return _done(session.get(Reaction, claim.earlier.target_id))
        text, upload = _text()
        if not points and text.strip():
            split = composer.from_text(text)
            if split.error:
                raise IntakeError(split.error)
            points, notes = split.points, split.notes
        saved = portal.save_draft(
            session, current_user, consultation, request.form.get("title", ""), text, points,
            reaction=reaction, expected_version=form_id("version"),
        )
    except (IntakeError, ExtractError, ValidationError, submissions.Resubmitted) as err:
        session.rollback()
        message = str(err) if not isinstance(err, ValidationError) else _(
            "A field is not filled in correctly (%(field)s).", field="title")
        conflict = isinstance(err, (portal.DraftConflict, submissions.Resubmitted))
        return _form_again(consultation, reaction, points, message, 409 if conflict else 422)
    if upload:
        attachments.store(session, current_user, files.of(current_app), saved, *upload)
    refused = _submit(session, saved) if submitting else None
    submissions.record(session, claim, saved.id)
    session.commit()
    for note in notes:
        flash(note, "warning")
    if refused:  # the draft is saved; what keeps it from being submitted is shown with it
        return render_template(
            "portal/draft.html", consultation=consultation, reaction=saved,
            preview=composer.Preview(portal.draft_points(saved)), error=refused,
        ), 422
    if submitting:  # after the commit: a mail never announces what was rolled back
        notify.secretariat_told(session, consultation, current_user, _(
            "%(sender)s submitted “%(title)s” (%(count)s points).",
            sender=current_user.name, title=saved.title,
            count=len(portal.submitted_points(session, saved))),
            "consultations.reaction", slug=consultation.slug, reaction_id=saved.id)
    return _done(saved)


def _submit(session, reaction) -> str | None:
    """Submit the just-saved draft; the reason it cannot be submitted, or None. A refusal
    undoes only the submission (a savepoint), not the saved draft."""
    try:
        with session.begin_nested():
            portal.submit(session, current_user, reaction, reaction.version)
    except IntakeError as err:
        return str(err)
    except ValidationError:
        return _("A point number is at most 20 characters and a point at most 200,000.")
    return None


def _done(reaction):
    """Where a saved or submitted draft goes: its page, saying which of the two happened."""
    # Said by the server once (a flash), not by the URL: "?ingediend=1" typed or bookmarked
    # showed the line although nothing was submitted.
    if reaction.status == ReactionStatus.submitted:
        flash(_("Submitted. The secretariat now sees your advice; answers will appear in your "
                "inbox."), "success")
    else:
        flash(_("Draft saved. Only your board sees it."), "success")
    return redirect(url_for(".draft", reaction_id=reaction.id), code=303)


@bp.post("/volgen/betrokkene/<int:stakeholder_id>")
def follow_stakeholder(stakeholder_id: int):
    """Follow a stakeholder: what happens to its points then shows in the inbox."""
    session = get_session()
    stakeholder = live_stakeholder(stakeholder_id)
    if claim_form(session).repeated:  # a double click follows once, it does not undo
        session.rollback()
        following = follows.follows(session, current_user, stakeholder_id=stakeholder.id)
    else:
        following = follows.toggle(session, current_user, stakeholder_id=stakeholder.id)
        session.commit()
    return render_template(
        "portal/follow_stakeholder.html", stakeholder=stakeholder, following=following
    )
