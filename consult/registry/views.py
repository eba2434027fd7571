"""The registry's pages under /indieners: the list to keep, one stakeholder's details, merging,
and the close-matches fragment every name field asks as someone types.

The secretariat and admins keep the registry (access.can_keep_registry); for everyone else
these pages do not exist (404) and changes are refused (403). The read-only follow-up pages
(/indieners, /indieners/<id>) stay in consult/views/stakeholders.py.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import access, audit, submissions
from ..db import get_session
from ..errors import same_moment
from ..models import Stakeholder, StakeholderKind
from ..views.inputs import claim_form, form_id, to_id
from . import matching, merging, operations
from .operations import RegistryError, Stale

bp = Blueprint("registry", __name__, url_prefix="/indieners")

MATCH_FIELD = "stakeholder_match"  # the radio group of the offered matches
_FIELD_NAME = r"[a-z_]{1,40}"


def _keeper() -> None:
    """Only the secretariat and admins: a page answers 404 to others, a change 403."""
    if not access.can_keep_registry(current_user):
        abort(404 if request.method in ("GET", "HEAD") else 403)


def _stakeholder(stakeholder_id: int) -> Stakeholder:
    found = get_session().get(Stakeholder, stakeholder_id)
    if found is None:
        abort(404)
    return found


def _form(**overrides) -> dict:
    """The create/edit form's values as sent (re-shown after an error: nothing typed is lost)."""
    return {k: request.form.get(k, "") for k in ("name", "kind", "parent_id", "email")} | overrides


def _version() -> int | None:
    return to_id(request.form.get("version"))


def _list_page(form=None, error=None, matches=None, status=200):
    session = get_session()
    archived = request.args.get("archief") == "1"
    tree = operations.registry_tree(session, archived=archived)
    return render_template(
        "registry/index.html", tree=tree, archived=archived, form=form or {}, error=error,
        kinds=[k.value for k in StakeholderKind], parents=operations.registry_tree(session),
        names={s.id: s.name for s, _depth in tree}, matches=matches, match_field=MATCH_FIELD,
    ), status


@bp.get("/beheer")
def manage():
    """The whole registry as a tree, with the form to add a stakeholder."""
    _keeper()
    return _list_page()


@bp.post("/beheer")
def create():
    """Add a stakeholder; close matches are offered first (take one, or confirm the name)."""
    _keeper()
    session = get_session()
    f = request.form
    try:
        name = operations.clean_name(f.get("name"))
        claim = claim_form(session)
        if claim.repeated:  # a double click or a retry: added already
            session.rollback()
            return redirect(url_for(".edit", stakeholder_id=claim.earlier.target_id), code=303)
        existing = matching.choose(session, name, f.get(MATCH_FIELD), f.get(f"{MATCH_FIELD}_voor"))
        if existing is not None:
            session.rollback()
            flash(_("%(name)s is already in the registry; nothing was added.", name=existing.name))
            return redirect(url_for(".edit", stakeholder_id=existing.id), code=303)
        stakeholder = operations.create(
            session, current_user, name=name, kind=f.get("kind"),
            parent_id=form_id("parent_id"), email=f.get("email"))
    except matching.NeedsChoice as err:
        session.rollback()
        return _list_page(_form(), str(err), err, 422)
    except RegistryError as err:
        session.rollback()
        return _list_page(_form(), str(err), status=422)
    except (submissions.Resubmitted, IntegrityError) as err:
        session.rollback()
        message = str(err) if isinstance(err, submissions.Resubmitted) else same_moment()
        return _list_page(_form(), message, status=409)
    submissions.record(session, claim, stakeholder.id)
    session.commit()
    flash(_("Added to the registry: %(name)s.", name=stakeholder.name))
    return redirect(url_for(".manage", _anchor=f"indiener-{stakeholder.id}"), code=303)


def _edit_page(stakeholder, form=None, error=None, matches=None, status=200):
    session = get_session()
    below = operations.descendants(session, stakeholder.id) | {stakeholder.id}
    candidates = [(s, d) for s, d in operations.registry_tree(session) if s.id not in below]
    close = matching.close_matches(session, stakeholder.name, limit=5, exclude=below)
    close_ids = {s.id for s, _score in close}
    merged_into = (session.get(Stakeholder, stakeholder.merged_into_id)
                   if stakeholder.merged_into_id else None)
    return render_template(
        "registry/edit.html", s=stakeholder, kinds=[k.value for k in StakeholderKind],
        parents=candidates, form=form or {}, error=error, matches=matches,
        match_field=MATCH_FIELD, close=close,
        others=[s for s, _d in operations.registry_tree(session)
                if s.id != stakeholder.id and s.id not in close_ids],
        merged_into=merged_into, history=audit.history(session, "stakeholder", stakeholder.id),
        names=dict(session.execute(sa.select(Stakeholder.id, Stakeholder.name)).all()),
        ref_labels={f"{r.table.name}.{r.column.name}": r.label for r in merging.references()},
        parent=session.get(Stakeholder, stakeholder.parent_id) if stakeholder.parent_id else None,
    ), status


@bp.get("/<int:stakeholder_id>/beheer")
def edit(stakeholder_id: int):
    """One stakeholder: its details to change, archive or restore, merge, and its history."""
    _keeper()
    return _edit_page(_stakeholder(stakeholder_id))


@bp.post("/<int:stakeholder_id>/beheer")
def change(stakeholder_id: int):
    """Save the details form (rename, kind, re-parent, contact e-mail) of the version it showed.
    A new name close to another stakeholder's is offered as a merge first."""
    _keeper()
    session = get_session()
    stakeholder = _stakeholder(stakeholder_id)
    f = request.form
    try:
        name = operations.clean_name(f.get("name"))
        if name != stakeholder.name:
            other = matching.choose(session, name, f.get(MATCH_FIELD), f.get(f"{MATCH_FIELD}_voor"),
                                    exclude={stakeholder.id})
            if other is not None:
                flash(_("%(name)s is already in the registry: merge the two instead.",
                        name=other.name))
                return redirect(url_for(".merge_confirm", stakeholder_id=other.id,
                                        met=stakeholder.id), code=303)
        operations.change(
            session, current_user, stakeholder, version=_version(), name=name,
            kind=f.get("kind"), parent_id=form_id("parent_id"), email=f.get("email"))
        session.commit()
    except matching.NeedsChoice as err:
        session.rollback()
        return _edit_page(stakeholder, _form(), str(err), err, 422)
    except Stale as err:
        session.rollback()
        return _edit_page(_fresh(stakeholder), _form(), str(err), status=409)
    except StaleDataError:
        session.rollback()
        return _edit_page(_fresh(stakeholder), _form(), same_moment(), status=409)
    except RegistryError as err:
        session.rollback()
        return _edit_page(stakeholder, _form(), str(err), status=422)
    flash(_("Saved: %(name)s.", name=stakeholder.name))
    return redirect(url_for(".edit", stakeholder_id=stakeholder.id), code=303)


def _fresh(stakeholder: Stakeholder) -> Stakeholder:
    """The stakeholder as stored now (after a conflict: the page shows the current details)."""
    session = get_session()
    session.expire_all()
    return session.get(Stakeholder, stakeholder.id)


@bp.post("/<int:stakeholder_id>/<any(archiveren, herstellen):action>")
def archive(stakeholder_id: int, action: str):
    """Archive or restore a stakeholder (its reactions and points stay)."""
    _keeper()
    session = get_session()
    stakeholder = _stakeholder(stakeholder_id)
    try:
        operations.set_archived(session, current_user, stakeholder, action == "archiveren",
                                _version())
        session.commit()
    except (Stale, StaleDataError):
        session.rollback()
        return _edit_page(_fresh(stakeholder), error=same_moment(), status=409)
    except RegistryError as err:
        session.rollback()
        return _edit_page(stakeholder, error=str(err), status=422)
    flash(_("Archived: %(name)s.", name=stakeholder.name) if stakeholder.archived
          else _("Restored: %(name)s.", name=stakeholder.name))
    return redirect(url_for(".edit", stakeholder_id=stakeholder.id), code=303)


def _merge_page(keep, gone, error=None, status=200):
    """The confirmation page; without the button when the merge cannot be done."""
    session = get_session()
    try:
        merging.check(session, keep, gone)
        possible = True
    except RegistryError as err:
        error, possible = error or str(err), False
    return render_template(
        "registry/merge.html", keep=keep, gone=gone, error=error, possible=possible,
        rows=merging.preview(session, gone),
    ), status


def _gone() -> Stakeholder:
    gone_id = to_id(request.values.get("met"))
    return _stakeholder(gone_id) if gone_id else abort(404)


@bp.get("/<int:stakeholder_id>/samenvoegen")
def merge_confirm(stakeholder_id: int):
    """What a merge of ?met=<id> into this stakeholder would move, to confirm."""
    _keeper()
    return _merge_page(_stakeholder(stakeholder_id), _gone())


@bp.post("/<int:stakeholder_id>/samenvoegen")
def merge(stakeholder_id: int):
    """Merge the stakeholder ``met`` into this one, as the confirmation page showed them."""
    _keeper()
    session = get_session()
    keep, gone = _stakeholder(stakeholder_id), _gone()
    if gone.merged_into_id == keep.id:  # sent twice: it is done
        return redirect(url_for(".edit", stakeholder_id=keep.id), code=303)
    versions = (_version(), to_id(request.form.get("version_met")))
    try:
        report = merging.merge(session, current_user, keep, gone,
                               versions if None not in versions else None)
        session.commit()
    except (Stale, StaleDataError):
        session.rollback()
        return _merge_page(_fresh(keep), _fresh(gone), _(
            "One of the two stakeholders was changed in the meantime; nothing was merged. "
            "Check what would move now and confirm again."), 409)
    except RegistryError as err:
        session.rollback()
        return _merge_page(keep, gone, str(err), 422)
    flash(_("%(gone)s was merged into %(keep)s (%(reactions)s reactions moved).",
            gone=report.gone.name, keep=report.keep.name,
            reactions=report.count("reaction")))
    return redirect(url_for(".edit", stakeholder_id=keep.id), code=303)


@bp.get("/overeenkomsten")
def matches():
    """The close matches of a typed name, as radio buttons inside the form that asked
    (?naam=..., or ?bron=<the field that holds the name>&<that field>=...; &veld=<the radio
    group's name>, &zonder=<an id never to offer>). For the composer, the registry, the
    portal and the imports; people who do not keep the registry only see stakeholders they
    may know of (access.known_stakeholders)."""
    if access.role(current_user) is None:
        abort(404)
    source = request.args.get("bron", "naam")
    field = request.args.get("veld", MATCH_FIELD)
    if not _is_field_name(source) or not _is_field_name(field):
        abort(400)
    name = " ".join(request.args.get(source, "")[: operations.MAX_NAME + 1].split())
    found = []
    if 0 < len(name) <= operations.MAX_NAME:
        skip = {i for i in [to_id(request.args.get("zonder"))] if i}
        found = matching.close_matches(get_session(), name, exclude=skip,
                                       among=access.known_stakeholders(current_user))
    return render_block("registry/index.html", "matches", matches=found and
                        matching.NeedsChoice(name, found), match_field=field)


def _is_field_name(value: str) -> bool:
    import re

    return re.fullmatch(_FIELD_NAME, value) is not None
