"""Pages of a consultation's life: create one, edit its facts, take a step, get its document."""

from dataclasses import dataclass

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
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .. import access, attachments, files, submissions
from ..db import get_session
from ..errors import same_moment
from ..models import Attachment, Consultation
from ..views.consultations import (
    processable_consultation,
    render_consultation,
    visible_consultation,
)
from ..views.inputs import claim_form, form_id
from . import operations as ops

bp = Blueprint("lifecycle", __name__)


@dataclass
class Panel:
    """What the consultation page shows of its life: the state, the steps this user may take
    from it, and the history."""

    state: str
    label: str
    audience: str
    steps: list[ops.Step]
    history: list[ops.HistoryLine]
    document: Attachment | None
    days_left: int | None


def lifecycle_panel(session: Session, consultation: Consultation) -> Panel:
    """The lifecycle panel of the consultation page, for the current user."""
    return Panel(
        state=consultation.status,
        label=ops.state_label(consultation.status),
        audience=str(ops.STATE_AUDIENCE.get(consultation.status, "")),
        steps=ops.steps_from(consultation)
        if access.can_change_state(current_user, consultation) else [],
        history=ops.history(session, consultation),
        document=ops.document_file(session, consultation),
        days_left=ops.days_left(consultation) if consultation.status == "open" else None,
    )


def _earlier(session: Session) -> list[Consultation]:
    """Consultations a new one can start from: those this user may read (not archived)."""
    return [c for c in access.readable_consultations(current_user) if not c.archived]


def _upload() -> tuple[str, bytes] | None:
    """The uploaded document (name, bytes), if a file was chosen."""
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.filename, upload.read()
    return None


def _form_page(template: str, status: int = 200, **context):
    """The create or edit form; after a POST with everything that was sent (a chosen file
    cannot be handed back to the browser: the page says so)."""
    posted = request.method == "POST"
    upload = request.files.get("file")
    return render_template(template, form=request.form if posted else {},
                           upload_lost=posted and bool(upload and upload.filename),
                           **context), status


@bp.route("/consultaties/nieuw", methods=["GET", "POST"])
@login_required
def create():
    """Start a new consultation (a concept); its creator becomes a member. A repeat of the
    same form (double click, retry) is answered with the consultation made the first time."""
    if not access.can_create_consultation(current_user):
        abort(403)
    session = get_session()
    earlier = _earlier(session)
    if request.method == "GET":
        return _form_page("lifecycle/new.html", earlier=earlier)
    errors: dict[str, str] = {}
    try:
        source_id = form_id("copy_from")
        source = next((c for c in earlier if c.id == source_id), None)
        if request.form.get("copy_from") and source is None:
            errors["copy_from"] = _("Choose a consultation from the list.")
        facts = ops.read_facts(request.form, _upload())
        if errors:
            raise ops.LifecycleError(errors)
        claim = claim_form(session)
        if claim.repeated:
            session.rollback()
            made = session.get(Consultation, claim.earlier.target_id)
            return redirect(url_for("consultations.show", slug=made.slug), code=303)
        consultation = ops.create(session, current_user, facts, files.of(current_app),
                                  copy_from=source)
    except ops.LifecycleError as err:
        session.rollback()
        return _form_page("lifecycle/new.html", 422, earlier=earlier,
                          errors={**err.errors, **errors})
    except (submissions.Resubmitted, IntegrityError) as err:
        session.rollback()
        message = str(err) if isinstance(err, submissions.Resubmitted) else same_moment()
        return _form_page("lifecycle/new.html", 409, earlier=earlier, conflict=message)
    submissions.record(session, claim, consultation.id)
    session.commit()
    flash(_("The consultation is made as a concept: only members see it. Open it for "
            "reactions when it is ready."))
    return redirect(url_for("consultations.show", slug=consultation.slug), code=303)


@bp.route("/consultaties/<slug>/bewerken", methods=["GET", "POST"])
def edit(slug: str):
    """Edit the consultation's facts; a stale form gets a conflict and keeps its text."""
    consultation = processable_consultation(slug)
    session = get_session()
    document = ops.document_file(session, consultation)
    if request.method == "GET":
        return _form_page("lifecycle/edit.html", consultation=consultation, document=document)
    try:
        facts = ops.read_facts(request.form, _upload())
        claim = claim_form(session)
        if claim.repeated:  # a double click or a retry: saved already
            session.rollback()
            return redirect(url_for("consultations.show", slug=consultation.slug), code=303)
        ops.edit(session, current_user, consultation, form_id("version") or 0, facts,
                 files.of(current_app))
    except ops.FactsConflict as err:
        session.rollback()
        session.refresh(consultation)
        return _form_page("lifecycle/edit.html", 409, consultation=consultation,
                          document=document, conflict=str(err))
    except ops.LifecycleError as err:
        session.rollback()
        return _form_page("lifecycle/edit.html", 422, consultation=consultation,
                          document=document, errors=err.errors)
    except submissions.Resubmitted as err:
        session.rollback()
        return _form_page("lifecycle/edit.html", 409, consultation=consultation,
                          document=document, conflict=str(err))
    submissions.record(session, claim, consultation.id)
    session.commit()
    return redirect(url_for("consultations.show", slug=consultation.slug), code=303)


@bp.post("/consultaties/<slug>/status/<step>")
def step(slug: str, step: str):
    """Take one lifecycle step (open, close, decide, publish, ...); a refusal shows the page
    with the reason and changes nothing."""
    consultation = visible_consultation(slug)
    found = ops.STEP_BY_PATH.get(step)
    if found is None:
        abort(404)
    if not access.can_change_state(current_user, consultation):
        abort(403)
    session = get_session()
    try:
        claim = claim_form(session)
        if claim.repeated:  # a double click: the step was taken by the first click
            session.rollback()
            return _after_step(consultation)
        ops.take_step(session, current_user, consultation, found.name,
                      request.form.get("from"), request.form.get("decided_by"),
                      request.form.get("decided_on"))
    except ops.LifecycleError as err:
        session.rollback()
        session.refresh(consultation)
        return render_consultation(consultation, 422, step_errors=err.errors,
                                   step_form=request.form)
    except (ops.StateConflict, submissions.Resubmitted) as err:
        session.rollback()
        session.refresh(consultation)
        return render_consultation(consultation, 409, step_conflict=str(err))
    submissions.record(session, claim, consultation.id)
    session.commit()
    flash(_("%(step)s: the consultation is now %(state)s.", step=found.done,
            state=ops.state_label(consultation.status)))
    return _after_step(consultation)


def _after_step(consultation: Consultation):
    """Back to the consultation, or to the list when this user no longer sees it (archived)."""
    if access.can_view(current_user, consultation):
        return redirect(url_for("consultations.show", slug=consultation.slug), code=303)
    return redirect(url_for("consultations.index"), code=303)


@bp.get("/consultaties/<slug>/document")
def document(slug: str):
    """The document under consultation, as a download (never shown inline): for everyone who
    may read the consultation (it is the published draft, not a letter with names)."""
    consultation = visible_consultation(slug)
    found = ops.document_file(get_session(), consultation)
    if found is None:
        abort(404)
    return attachments.send(files.of(current_app), found.stored_name, found.content_type,
                            found.filename)

