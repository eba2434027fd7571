"""Follow-up pages: every stakeholder's points, and one stakeholder (or municipality) at a time."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from .. import access, follows, followup
from ..db import get_session
from ..models import Stakeholder
from .inputs import arg_number, to_id

bp = Blueprint("stakeholders", __name__, url_prefix="/indieners")


def _visible(consultation) -> bool:
    return access.can_view(current_user, consultation)


def live_stakeholder(stakeholder_id: int) -> Stakeholder:
    """The stakeholder, or 404: also when archived, or when the user may not know of it (it only
    reacted in consultations they cannot read; see access.known_stakeholders)."""
    stakeholder = get_session().get(Stakeholder, stakeholder_id)
    known = access.known_stakeholders(current_user)
    if stakeholder is None or stakeholder.archived or (known is not None
                                                        and stakeholder.id not in known):
        abort(404)
    return stakeholder


@bp.get("")
def index():
    """Municipalities, subregions and boards with what they said and what is still open."""
    tree = followup.stakeholder_tree(get_session(), _visible, lambda roots: render_block(
        "stakeholders/index.html", "tree", tree=roots, tree_html=None))
    return render_template("stakeholders/index.html", tree_html=tree)


def _merged_into(stakeholder_id: int) -> int | None:
    """The stakeholder a merged one lives on in (registry.merging), if the reader may know it:
    old links to a merged duplicate lead there."""
    found = get_session().get(Stakeholder, stakeholder_id)
    if found is None or found.merged_into_id is None:
        return None
    known = access.known_stakeholders(current_user)
    return found.merged_into_id if known is None or found.merged_into_id in known else None


PAGE_ARGUMENTS = ("alleen", "status", "consultatie", "vanaf", "na")  # what show() reads


@bp.get("/<int:stakeholder_id>")
def show(stakeholder_id: int):
    """What happened to this stakeholder's points (with everything under it), per consultation:
    the figures of all of them and a page of points; the rest of each consultation loads when
    scrolled to (htmx asks for ``?consultatie=<id>&na=<last point shown>&vanaf=<n>``: that
    piece only; ``vanaf`` numbers it)."""
    session = get_session()
    if (merged := _merged_into(stakeholder_id)) is not None:
        # Only the page's own arguments: others would reach url_for as its keywords
        # (?stakeholder_id= twice: 500; url_for's own flags: a link built from the Host).
        kept = {k: request.args[k] for k in PAGE_ARGUMENTS if k in request.args}
        return redirect(url_for(".show", stakeholder_id=merged, **kept), code=302)
    stakeholder = live_stakeholder(stakeholder_id)
    whole = request.args.get("alleen") != "1"
    only_open = request.args.get("status") == "open"
    focus = to_id(request.args.get("consultatie"))
    report = followup.stakeholder_page(session, stakeholder, _visible, whole, only_open,
                                       focus, arg_number("vanaf") if focus else 0,
                                       after=to_id(request.args.get("na")) if focus else None)
    known = access.known_stakeholders(current_user)
    if known is not None:
        report.members = [m for m in report.members if m.id in known]
    unread = {}
    if access.role(current_user) is not None:
        points = report.points
        internal = {p.consultation.id for p in points
                    if access.can_see_internal(current_user, p.consultation)}
        unread = follows.unread(session, current_user, [p.point.id for p in points], internal)
    context = {"report": report, "whole": whole, "unread": unread}
    if focus is not None and request.headers.get("HX-Request"):
        share = next((s for s in report.shares if s.consultation.id == focus), None)
        if share is None:
            abort(404)
        return render_block("stakeholders/show.html", "share_points", share=share, **context)
    parent = session.get(Stakeholder, stakeholder.parent_id) if stakeholder.parent_id else None
    return render_template("stakeholders/show.html", parent=parent, focus=focus, **context)
