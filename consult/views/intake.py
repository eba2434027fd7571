"""The composer: paste or upload a letter, preview its points, edit them, log the reaction."""

from datetime import date

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from .. import access, attachments, composer, submissions
from ..db import get_session
from ..errors import same_moment
from ..extract import ExtractError, extract_text
from ..intake import IntakeError, log_reaction
from ..lifecycle.operations import state_label
from ..models import Channel, Point, Reaction, Stakeholder, StakeholderKind
from ..registry import matching
from ..registry import operations as registry
from ..registry.views import MATCH_FIELD
from .consultations import processable_consultation
from .inputs import claim_form, form_id, fresh_key

bp = Blueprint("intake", __name__, url_prefix="/consultaties/<slug>")


def _text_from_request() -> tuple[str, str | None, tuple[str, bytes] | None]:
    """The letter's text: an uploaded file wins over the textarea.

    Returns the text, an error message, and the accepted upload (name, bytes) if there was one.
    """
    upload = request.files.get("file")
    if upload and upload.filename:
        data = upload.read()
        try:
            return extract_text(upload.filename, data), None, (upload.filename, data)
        except ExtractError as err:
            return request.form.get("text", ""), str(err), None
    return request.form.get("text", ""), None, None


@bp.post("/composer/voorbeeld")
def preview(slug: str):
    """The live preview of the points the text splits into (nothing is saved)."""
    consultation = processable_consultation(slug)
    text, error, upload = _text_from_request()
    result = composer.Preview(error=error) if error else composer.from_text(text)
    return _render_preview(consultation, result, text if upload else None)


def _render_preview(consultation, result, extracted=None):
    """The preview block of the consultation page."""
    return render_block(
        "consultations/show.html",
        "preview",
        consultation=consultation,
        preview=result,
        extracted=extracted,
    )


def _result(status: int, **context):
    """The line under the composer: what was logged, or what is wrong. The composer stays on
    the page: it gets its next one-time key either way."""
    html = render_block("consultations/show.html", "composer_result", **context)
    return html, status, fresh_key()


def _logged(session, consultation, reaction):
    """The line for a logged reaction (also the answer to a repeat of the same form)."""
    count = session.exec(
        select(func.count()).select_from(Point).where(Point.reaction_id == reaction.id)
    ).one()
    stakeholder = session.get(Stakeholder, reaction.stakeholder_id)
    html, _status, headers = _result(
        201, reaction=reaction, stakeholder=stakeholder, count=count, consultation=consultation
    )
    return html, 201, {"HX-Trigger": "reaction-logged", **headers}


@bp.post("/composer/bewerk")
def edit_preview(slug: str):
    """Merge, split, delete or renumber points in the preview."""
    consultation = processable_consultation(slug)
    f = request.form
    points = composer.from_form(
        f.getlist("point_number"), f.getlist("point_heading"), f.getlist("point_text")
    )
    points = composer.apply_action(points, f.get("action", ""), f.get("renumber_from", "1"))
    return _render_preview(consultation, composer.Preview(points))


def _stakeholder(session, form) -> Stakeholder:
    """The chosen stakeholder, or one typed as new: its close matches in the registry are
    offered first (registry.matching.NeedsChoice), and the one taken instead is used."""
    if form.get("new_stakeholder_name", "").strip():
        name = registry.clean_name(form.get("new_stakeholder_name"))
        existing = matching.choose(session, name, form.get(MATCH_FIELD),
                                   form.get(f"{MATCH_FIELD}_voor"))
        if existing is not None:
            return existing
        parent_id = form_id("new_stakeholder_parent")
        parent = session.get(Stakeholder, parent_id) if parent_id is not None else None
        return registry.create(
            session, current_user, name=name,
            kind=form.get("new_stakeholder_kind") or StakeholderKind.other,
            parent_id=parent.id if parent is not None and not parent.archived else None,
        )
    stakeholder_id = form_id("stakeholder_id")
    stakeholder = session.get(Stakeholder, stakeholder_id) if stakeholder_id else None
    if stakeholder is None or stakeholder.archived:
        raise IntakeError(_("Choose who sent this reaction, or add a new stakeholder."))
    return stakeholder


@bp.post("/reacties")
def log(slug: str):
    """Log the reaction with the points as previewed; errors leave the composer as it was.
    Not in a concept (not open yet) nor an archived consultation (access.can_log)."""
    consultation = processable_consultation(slug)
    session = get_session()
    if not access.can_log(current_user, consultation):
        return _result(409, error=_("Reactions cannot be logged here now: the consultation is "
                                    "%(state)s.", state=state_label(consultation.status)))
    f = request.form
    text, error, upload = _text_from_request()
    error = error or composer.check_length(text)
    if error:
        return _result(422, error=error)
    points = composer.from_form(
        f.getlist("point_number"), f.getlist("point_heading"), f.getlist("point_text")
    )
    if not points and text.strip():
        points = composer.from_text(text).points
    if not any(p.text.strip() for p in points):
        return _result(422, error=_("There are no points to save: paste the letter first."))
    channel = f.get("channel", "")
    if channel not in {c.value for c in Channel}:
        channel = Channel.other
    try:
        claim = claim_form(session)
        if claim.repeated:  # a double click or a retry: this reaction is logged already
            session.rollback()
            return _logged(session, consultation, session.get(Reaction, claim.earlier.target_id))
        stakeholder = _stakeholder(session, f)
        reaction = log_reaction(
            session,
            current_user,
            consultation,
            stakeholder,
            points,
            channel=channel,
            title=(f.get("title") or "").strip() or _label_for(channel),
            received_on=_date(f.get("received_on")),
            original_text=text,
        )
    except matching.NeedsChoice as err:  # offer the close matches first
        session.rollback()
        return _result(422, error=str(err), choice=err, match_field=MATCH_FIELD)
    except (IntakeError, registry.RegistryError) as err:
        session.rollback()
        return _result(422, error=str(err))
    except ValidationError as err:
        session.rollback()
        return _result(422, error=_explain(err))
    except submissions.Resubmitted as err:
        session.rollback()
        return _result(409, error=str(err))
    except IntegrityError:  # e.g. the same new stakeholder added by someone else just now
        session.rollback()
        return _result(409, error=same_moment())
    if upload:
        attachments.store(session, current_user, current_app.instance_path, reaction, *upload)
    submissions.record(session, claim, reaction.id)
    session.commit()
    return _logged(session, consultation, reaction)


def _label_for(channel: str) -> str:
    from ..labels import label

    return label(channel).capitalize()


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _explain(err: ValidationError) -> str:
    """A short Dutch message for a validation error on a reaction or point."""
    first = err.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ()))
    if first.get("type") == "string_too_long":
        return _("A field is too long (%(field)s).", field=where)
    return _("A field is not filled in correctly (%(field)s).", field=where)
