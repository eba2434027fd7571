"""A destination's document: its versions, the upload of a new one, and the document view with
the points that landed in each section."""

from dataclasses import dataclass
from datetime import date

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
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm.exc import StaleDataError

from .. import access, attachments, files, submissions
from ..db import get_session
from ..errors import same_moment
from ..extract import MAX_UPLOAD_BYTES
from ..models import Destination
from ..slugs import slugify
from ..text import plain_html
from ..views.consultations import processable_consultation, visible_consultation
from ..views.inputs import claim_form, to_date, to_id
from . import operations as ops
from .models import DocumentSection, DocumentVersion

MIMETYPE_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
bp = Blueprint("documents", __name__,
               url_prefix="/consultaties/<slug>/bestemmingen/<int:destination_id>/document")


@dataclass
class ShownSection:
    """A section as the document view shows it: the section, its body as HTML (heading line
    left out) and the points that landed in it (filtered by stakeholder when asked)."""

    section: DocumentSection
    body: Markup
    landed: list[ops.LandedPoint]


def _destination(consultation, destination_id: int) -> Destination:
    destination = get_session().get(Destination, destination_id)
    if destination is None or destination.consultation_id != consultation.id:
        abort(404)
    return destination


def _body(version: DocumentVersion, section: DocumentSection) -> Markup:
    """The section's text without its heading line, as paragraphs."""
    text = ops.section_text(version, section).strip()
    first, _, rest = text.partition("\n")
    if section.title and section.title.split()[0] in first:
        text = rest
    return Markup(plain_html(text))


def _version(destination: Destination, versions: list[DocumentVersion]) -> DocumentVersion | None:
    """The version asked for (?versie=<id>), else the newest; 404 for another's version."""
    wanted = request.args.get("versie", "")
    if not wanted:
        return versions[0] if versions else None
    found = next((v for v in versions if str(v.id) == wanted), None)
    if found is None:
        abort(404)
    return found


def _page(consultation, destination, error=None, status=200, form=None, edit_error=None):
    session = get_session()
    versions = ops.versions_of(session, destination.id)
    version = _version(destination, versions)
    landed = ops.landed_in(session, destination.id)
    senders = sorted({p.sender.id: p.sender for points in landed.values() for p in points}
                     .values(), key=lambda s: s.name)
    chosen = request.args.get("belanghebbende", "")
    if chosen:
        landed = {a: [p for p in points if str(p.sender.id) == chosen]
                  for a, points in landed.items()}
    shown = []
    if version is not None:
        for section in ops.sections_of(session, version.id):
            points = landed.get(section.anchor, [])
            if chosen and not points:
                continue
            shown.append(ShownSection(section, _body(version, section), points))
    return render_template(
        "documents/show.html", consultation=consultation, destination=destination,
        versions=versions, version=version, sections=shown, senders=senders, chosen=chosen,
        can_add=access.can_process(current_user, consultation), error=error, form=form or {},
        label=ops.section_label, today=date.today().isoformat(), edit_error=edit_error,
    ), status


@bp.get("")
def show(slug: str, destination_id: int):
    """The document (``?versie=<id>``, default the newest) section by section, beside each
    section the points that landed there (``?belanghebbende=<id>``: only that sender's)."""
    consultation = visible_consultation(slug)
    return _page(consultation, _destination(consultation, destination_id))


def _upload():
    """(filename, bytes) of the uploaded file, or (None, None) when none was chosen."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, None
    return upload.filename, upload.read(MAX_UPLOAD_BYTES + 1)


@bp.post("/versies")
def add(slug: str, destination_id: int):
    """Add a version of the document: an uploaded file or pasted text, a label and a date."""
    consultation = processable_consultation(slug)
    destination = _destination(consultation, destination_id)
    session = get_session()
    dated = to_date(request.form.get("dated"))
    filename, data = _upload()
    try:  # sent twice (a double click), one version is added (the attack: two identical)
        claim = claim_form(session)
    except submissions.Resubmitted as err:
        return _page(consultation, destination, str(err), 409, request.form)
    if claim.repeated:
        session.rollback()
        return redirect(url_for(".show", slug=slug, destination_id=destination.id), code=303)
    try:
        version = ops.add_version(
            session, current_user, files.of(current_app), destination,
            request.form.get("label", ""), dated, filename=filename, data=data,
            text=None if data else request.form.get("text", ""))
    except ops.DocumentError as err:
        session.rollback()
        return _page(consultation, destination, str(err), 422, request.form)
    submissions.record(session, claim, version.id)
    session.commit()
    return redirect(url_for(".show", slug=slug, destination_id=destination.id,
                            versie=version.id), code=303)


def _own_version(destination: Destination, version_id: int) -> DocumentVersion:
    """The destination's version `version_id` (removed ones too); 404 for another's."""
    version = get_session().get(DocumentVersion, version_id)
    if version is None or version.destination_id != destination.id:
        abort(404)
    return version


def _shown() -> int | None:
    """The version's state the form showed (its hidden "version" field), None if absent."""
    return to_id(request.form.get("version", ""))  # "²", 5,000 digits: None, not a 500


@bp.post("/versies/<int:version_id>")
def change(slug: str, destination_id: int, version_id: int):
    """Rename and re-date a version (a form that showed an older state gets a 409)."""
    consultation = processable_consultation(slug)
    destination = _destination(consultation, destination_id)
    version = _own_version(destination, version_id)
    session = get_session()
    dated = to_date(request.form.get("dated"))
    try:
        ops.change_version(session, version, request.form.get("label", ""), dated, _shown())
        session.flush()
    except (ops.StaleVersion, StaleDataError) as err:
        session.rollback()
        message = same_moment() if isinstance(err, StaleDataError) else str(err)
        return _page(consultation, destination, status=409, form=request.form,
                     edit_error=(version_id, message))
    except ops.DocumentError as err:
        session.rollback()
        return _page(consultation, destination, status=422, form=request.form,
                     edit_error=(version_id, str(err)))
    session.commit()
    return redirect(url_for(".show", slug=slug, destination_id=destination.id,
                            versie=version.id), code=303)


@bp.post("/versies/<int:version_id>/<any(verwijderen, terugzetten):action>")
def remove(slug: str, destination_id: int, version_id: int, action: str):
    """Remove a version (with an undo), or put a removed one back; a version with points that
    no other version can show is not removed (the page says why)."""
    consultation = processable_consultation(slug)
    destination = _destination(consultation, destination_id)
    version = _own_version(destination, version_id)
    session = get_session()
    removing = action == "verwijderen"
    try:
        ops.set_removed(session, version, removing, _shown())
        session.flush()
    except (ops.StaleVersion, StaleDataError) as err:
        session.rollback()
        message = same_moment() if isinstance(err, StaleDataError) else str(err)
        return _page(consultation, destination, status=409, edit_error=(version_id, message))
    except ops.DocumentError as err:
        session.rollback()
        return _page(consultation, destination, status=422, edit_error=(version_id, str(err)))
    session.commit()
    here = url_for(".show", slug=slug, destination_id=destination.id)
    if removing:
        flash({"text": _("Removed: version “%(label)s”.", label=version.label),
               "url": url_for(".remove", slug=slug, destination_id=destination.id,
                              version_id=version.id, action="terugzetten"),
               "next": here}, "undo")
    return redirect(here, code=303)


@bp.get("/versies/<int:version_id>/origineel")
def original(slug: str, destination_id: int, version_id: int):
    """The uploaded original of a version, as a download: for the staff who may process the
    consultation only (a Word file carries its author and other people's names in its
    properties; the public reads the text on the document view)."""
    consultation = processable_consultation(slug)
    destination = _destination(consultation, destination_id)
    version = _own_version(destination, version_id)
    if not version.stored_name:
        abort(404)
    return attachments.send(files.of(current_app), version.stored_name, version.content_type,
                            version.filename)


def _missing_version() -> str:
    """What a comparison link naming a version that is gone gets told."""
    return _("A version this link names does not exist (any more): it may have been removed. "
             "Choose two versions in the lists.")


def _comparison(slug: str, destination_id: int) -> dict:
    """Two versions compared (``?van=<id>&naar=<id>``; default the newest and the one before
    it): what the page and the Word report show; 404 when there are not two versions."""
    from .compare import compare as compared

    consultation = visible_consultation(slug)
    destination = _destination(consultation, destination_id)
    session = get_session()
    versions = ops.versions_of(session, destination.id)
    by_id = {str(v.id): v for v in versions}
    new = by_id.get(request.args.get("naar", "")) or (versions[0] if versions else None)
    older = [v for v in versions if v is not new]
    old = by_id.get(request.args.get("van", "")) or (older[0] if older else None)
    if new is None or old is None or old is new:
        abort(404)
    # A link naming a version that is gone (removed since, or never this document's): the
    # page says so above the comparison of the default versions.
    missing = any(request.args.get(k) and request.args[k] not in by_id for k in ("van", "naar"))
    landed = ops.landed_in(session, destination.id)
    changes, same = compared(old, ops.sections_of(session, old.id), new,
                             ops.sections_of(session, new.id), landed)
    return {"consultation": consultation, "destination": destination, "versions": versions,
            "old": old, "new": new, "changes": changes, "same": same, "missing": missing}


@bp.get("/vergelijken")
def compare(slug: str, destination_id: int):
    """Two versions compared: the sections added, removed or changed, word by word, with
    their points; a link to the same as a Word report."""
    return render_template("documents/compare.html", **_comparison(slug, destination_id),
                           label=ops.section_label, missing_message=_missing_version())


@bp.get("/vergelijken.docx")
def compare_docx(slug: str, destination_id: int):
    """The comparison as a Word report (same ``?van=&naar=``): per changed section its diff,
    removed words struck through in red and added ones underlined in green, and its points."""
    from ..views.reports import file_download
    from .report import comparison_docx

    shown = _comparison(slug, destination_id)
    if shown["missing"]:  # a report of other versions than the link names would mislead
        abort(404, _missing_version())
    data = comparison_docx(shown["destination"], shown["old"], shown["new"], shown["changes"],
                           shown["same"])
    name = f"{slugify(shown['destination'].title)[:60] or 'document'}-{shown['old'].id}-" \
           f"{shown['new'].id}-vergelijking.docx"
    return file_download(data, MIMETYPE_DOCX, name)
