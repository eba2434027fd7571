"""Managing a consultation's destinations: a tree to add to, rename, reorder and archive."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from .. import submissions
from ..db import get_session
from ..errors import same_moment
from ..models import Destination, DestinationKind
from ..processing import (
    ProcessingError,
    create_destination,
    destinations_of,
    move_destination,
    rename_destination,
    set_destination_archived,
)
from ..slugs import unique_slug
from .consultations import processable_consultation
from .inputs import claim_form, form_id

bp = Blueprint("destinations", __name__, url_prefix="/consultaties/<slug>/bestemmingen")


def _page(consultation, error=None, status=200, form=None):
    tree = destinations_of(get_session(), consultation.id, archived=True)
    return render_template(
        "destinations/index.html",
        consultation=consultation,
        tree=tree,
        kinds=[k.value for k in DestinationKind],
        error=error,
        form=form or {},
    ), status


@bp.get("")
def index(slug: str):
    """The destination tree with its controls."""
    return _page(processable_consultation(slug))


@bp.post("")
def create(slug: str):
    """Add a destination, at the top level or under a parent."""
    consultation = processable_consultation(slug)
    session = get_session()
    title = " ".join(request.form.get("title", "").split())
    parent_id = form_id("parent_id")
    parent = session.get(Destination, parent_id) if parent_id else None
    if parent is not None and parent.consultation_id != consultation.id:
        abort(404)
    kind = request.form.get("kind") or (parent.kind if parent else DestinationKind.document_section)
    try:
        claim = claim_form(session)
        if claim.repeated:  # a double click or a retry: added already
            session.rollback()
            return redirect(url_for(".index", slug=slug), code=303)
        destination = create_destination(
            session,
            current_user,
            consultation_id=consultation.id,
            parent_id=parent.id if parent else None,
            slug=unique_slug(session, Destination, title or "x", consultation_id=consultation.id),
            title=title,
            kind=kind,
        )
    except ValidationError:
        session.rollback()
        return _page(consultation, _("A destination needs a name of at most 300 characters."), 422,
                     request.form)
    except (submissions.Resubmitted, IntegrityError) as err:
        session.rollback()
        message = str(err) if isinstance(err, submissions.Resubmitted) else same_moment()
        return _page(consultation, message, 409, request.form)
    submissions.record(session, claim, destination.id)
    session.commit()
    return redirect(url_for(".index", slug=slug), code=303)


@bp.post("/<int:destination_id>/<action>")
def change(slug: str, destination_id: int, action: str):
    """Rename, move up or down, archive or restore one destination."""
    consultation = processable_consultation(slug)
    session = get_session()
    destination = session.get(Destination, destination_id)
    if destination is None or destination.consultation_id != consultation.id:
        abort(404)
    try:
        if action == "hernoemen":
            rename_destination(session, destination, request.form.get("title", ""), current_user)
        elif action == "omhoog":
            move_destination(session, destination, -1)
        elif action == "omlaag":
            move_destination(session, destination, +1)
        elif action == "archiveren":
            set_destination_archived(session, destination, True, current_user)
        elif action == "herstellen":
            set_destination_archived(session, destination, False, current_user)
        else:
            abort(404)
    except ProcessingError as err:
        session.rollback()
        return _page(consultation, str(err), 422)
    session.commit()
    return redirect(url_for(".index", slug=slug, _anchor=f"bestemming-{destination.id}"), code=303)
