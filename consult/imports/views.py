"""The browser import: upload a table or archive, see the dry run, import it with one click.

Secretaries of the consultation and admins only (consultations.processable_consultation: a
GET answers 404 to anyone else, a POST 403). The upload is kept on the server between the two
steps (`uploads`); the import button names its token and carries a one-time form key, and the
token is claimed as well, so a double click, a retry or a second tab imports it once.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import files, submissions
from ..db import get_session
from ..errors import same_moment
from ..views.consultations import processable_consultation
from ..views.inputs import claim_form
from . import operations, uploads

bp = Blueprint("imports", __name__, url_prefix="/consultaties/<slug>/inlezen")

ACCEPT = ".xlsx,.csv,.txt,.json"
MAX_BYTES = 10 * 1024 * 1024


def _page(consultation, status: int = 200, **context):
    return render_template("imports/show.html", consultation=consultation, accept=ACCEPT,
                           **context), status


@bp.get("")
def show(slug: str):
    """The upload form."""
    return _page(processable_consultation(slug))


@bp.post("")
def dry_run(slug: str):
    """Check the uploaded file and show what it would create; nothing is written but the
    kept upload the import button names."""
    consultation = processable_consultation(slug)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(consultation, 422, error=_("Choose a file to import."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _page(consultation, 422, error=_("The file is larger than 10 MB. Split it into "
                                                "parts."))
    session = get_session()
    preview = operations.dry_run(session, consultation, upload.filename, data)
    session.rollback()  # an archive was loaded to be shown; a table wrote nothing
    token = None
    if preview.ok:  # kept for the import button (the only write of a dry run)
        token = uploads.keep(files.of(current_app), session, current_user.id, consultation.id,
                             upload.filename, data)
        session.commit()
    return _page(consultation, 200 if preview.ok else 422, preview=preview, token=token)


@bp.post("/<token>")
def run(slug: str, token: str):
    """Import the kept upload named by the token; every check runs again."""
    consultation = processable_consultation(slug)
    session = get_session()
    store = files.of(current_app)
    try:
        claim = claim_form(session)
        # The upload itself is one-time too: a second tab's form (its own key) finds it taken.
        taken = submissions.claim(session, current_user, token,
                                  submissions.fingerprint(request.path, [], []))
        if claim.repeated or taken.repeated:
            session.rollback()
            return redirect(url_for("reports.show", slug=slug), 303)
        kept = uploads.load(store, token, current_user.id, consultation.id)
        done = operations.run(session, current_user, consultation, kept.filename, kept.data)
        submissions.record(session, claim, done.first_reaction_id)
        submissions.record(session, taken, done.first_reaction_id)
        uploads.drop(store, session, token)  # with the database store: with the import
        session.commit()
    except uploads.Gone:
        session.rollback()
        return _page(consultation, 410, error=_(
            "This upload is no longer kept (it was imported already, or it is older than a "
            "day). Upload the file again."))
    except operations.Refused as refused:
        session.rollback()
        return _page(consultation, 422, preview=refused.preview)
    except submissions.Resubmitted as err:
        session.rollback()
        return _page(consultation, 409, error=str(err))
    except IntegrityError:
        session.rollback()
        return _page(consultation, 409, error=same_moment())
    flash(_("Imported: %(points)s points in %(reactions)s reactions.", points=done.points,
            reactions=done.reactions))
    return redirect(url_for("reports.show", slug=slug), 303)
