"""The composer: paste or upload a letter, preview its points, edit them, log the reaction."""


from flask import Blueprint, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from .. import access, attachments, composer, files, submissions
from ..db import get_session
from ..errors import same_moment
from ..extract import ExtractError, Letter, read_letter
from ..intake import IntakeError, log_reaction
from ..letterforms import display_text
from ..lifecycle.operations import state_label
from ..models import Channel, Point, Reaction, Stakeholder
from ..registry import matching
from ..registry import operations as registry
from ..registry.views import MATCH_FIELD
from .consultations import processable_consultation
from .inputs import claim_form, form_id, fresh_key, to_date, to_id

bp = Blueprint("intake", __name__, url_prefix="/consultaties/<slug>")


class _Upload:
    """The uploaded file, if any: its name and bytes, what it says, or why it cannot be read."""

    def __init__(self):
        upload = request.files.get("file")
        self.file: tuple[str, bytes] | None = None
        self.letter: Letter | None = None
        self.error: str | None = None
        if upload and upload.filename:
            data = upload.read()
            try:
                self.letter = read_letter(upload.filename, data, part=request.form.get("part"))
                self.file = (upload.filename, data)
                self.error = self.letter.error
            except ExtractError as err:
                self.error = str(err)

    def text(self) -> str:
        """The letter's text: an uploaded file wins over the textarea."""
        if self.letter is not None and not self.error:
            return self.letter.text
        return request.form.get("text", "")


def _stakeholders(session) -> list[Stakeholder]:
    """The stakeholders a reaction can come from, by name."""
    return list(session.exec(
        select(Stakeholder).where(Stakeholder.archived == False).order_by(Stakeholder.name)  # noqa: E712
    ))


@bp.post("/composer/voorbeeld")
def preview(slug: str):
    """The live preview of the points the text splits into (nothing is saved); for an e-mail
    also its parts to choose from, and its sender, date and subject filled in."""
    consultation = processable_consultation(slug)
    upload = _Upload()
    text = upload.text()
    result = composer.Preview(error=upload.error) if upload.error else composer.from_text(text)
    mail = None
    if upload.letter is not None and upload.letter.parts:
        stakeholders = _stakeholders(get_session())
        mail = composer.MailForm(
            upload.letter, stakeholders,
            composer.suggest_stakeholder(stakeholders, upload.letter.sender),
            url_for(".preview", slug=slug),
        )
    extracted = display_text(text) if upload.file and not upload.error else None
    return _render_preview(consultation, result, extracted, mail, uploaded=upload.file is not None)


def _render_preview(consultation, result, extracted=None, mail=None, uploaded=False):
    """The preview block of the consultation page; each point can name its own sender (a
    joint letter)."""
    return render_block(
        "consultations/show.html",
        "preview",
        consultation=consultation,
        preview=result,
        extracted=extracted,
        mail=mail,
        uploaded=uploaded,
        senders=_stakeholders(get_session()),
    )


def _form_points(form) -> list:
    """The previewed points as the form sent them, each with its own sender, if chosen."""
    return composer.from_form(
        form.getlist("point_number"), form.getlist("point_heading"), form.getlist("point_text"),
        [to_id(v) for v in form.getlist("point_stakeholder")],
    )


def _own_senders(session, points, stakeholder) -> None:
    """Check the points' own senders: existing, live stakeholders; the letter's own sender is
    no sender of its own. Raises IntakeError."""
    for p in points:
        if p.stakeholder_id is None:
            continue
        found = session.get(Stakeholder, p.stakeholder_id)
        if found is None or found.archived:
            raise IntakeError(_("Point %(n)s: choose its sender from the list.",
                                n=p.number or "?"))
        if found.id == stakeholder.id:
            p.stakeholder_id = None


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
    points = _form_points(f)
    preview = composer.Preview(
        points, intro=f.get("preview_intro", ""), outro=f.get("preview_outro", "")
    )
    preview = composer.edit(preview, f.get("action", ""), f.get("renumber_from", "1"))
    return _render_preview(
        consultation, composer.of_points(preview.points, preview.intro, preview.outro)
    )


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
            # "derive" (the form's first choice): from the name, else from the channel
            kind=(form.get("new_stakeholder_kind")
                  or matching.kind_of(name, form.get("channel"))),
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
    upload = _Upload()
    text = upload.text()
    error = upload.error or composer.check_length(text)
    if error:
        return _result(422, error=error)
    points = _form_points(f)
    if not points and text.strip():
        split = composer.from_text(text)
        if split.error:
            return _result(422, error=split.error)
        points = split.points
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
        _own_senders(session, points, stakeholder)
        reaction = log_reaction(
            session,
            current_user,
            consultation,
            stakeholder,
            points,
            channel=channel,
            title=(f.get("title") or "").strip() or _label_for(channel),
            received_on=to_date(f.get("received_on")),
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
    if upload.file:  # the file as received; from an e-mail also the attached letter used
        attachments.store(session, current_user, files.of(current_app), reaction,
                          *upload.file)
        if upload.letter.enclosure:
            attachments.store(session, current_user, files.of(current_app), reaction,
                              *upload.letter.enclosure)
    submissions.record(session, claim, reaction.id)
    session.commit()
    return _logged(session, consultation, reaction)


def _label_for(channel: str) -> str:
    from ..labels import label

    return label(channel).capitalize()




def _explain(err: ValidationError) -> str:
    """A short Dutch message for a validation error on a reaction or point."""
    first = err.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ()))
    if first.get("type") == "string_too_long":
        return _("A field is too long (%(field)s).", field=where)
    return _("A field is not filled in correctly (%(field)s).", field=where)
