"""Pages of the bulk package: the selection with its bulk actions and their undo, and the
answer templates with the consultation's own status words (secretariat only)."""

import math

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlmodel import select

from .. import submissions
from ..db import get_session
from ..models import Destination, Stakeholder, StakeholderKind
from ..processing import destinations_of
from ..views.consultations import processable_consultation
from ..views.inputs import arg_number, claim_form, form_id, form_ids, safe_next, to_id
from . import actions, answertemplates, selection, statuslabels
from .answers import AnswersChanged
from .models import AnswerTemplate, BulkAction

bp = Blueprint("bulk", __name__, url_prefix="/consultaties/<slug>")

ACTIONS = ("status", "route", "template", "theme")


@bp.before_app_request
def _own_state_words():
    """On a consultation's pages, its own status words (loaded when a state is first shown)."""
    slug = (request.view_args or {}).get("slug")
    if isinstance(slug, str):
        g.consult_state_words = lambda: statuslabels.labels_by_slug(get_session(), slug)


@bp.app_template_global()
def answer_templates(consultation) -> list[AnswerTemplate]:
    """The consultation's live answer templates (for the answer panel)."""
    return answertemplates.templates_of(get_session(), consultation.id)


def _page_context(consultation, filters, error=None, ticked=()):
    session = get_session()
    ids = selection.matching_ids(session, current_user, consultation.id, filters)
    pages = max(1, math.ceil(len(ids) / selection.PAGE_SIZE))
    page = min(max(1, arg_number("pagina", 1)), pages)
    shown = ids[(page - 1) * selection.PAGE_SIZE:page * selection.PAGE_SIZE]
    return {
        "consultation": consultation, "filters": filters, "total": len(ids), "page": page,
        "pages": pages, "rows": selection.rows(session, shown), "error": error,
        "ticked": set(ticked), "tree": destinations_of(session, consultation.id),
        "senders": _senders(session, consultation.id), "kinds": list(StakeholderKind),
        "statuses": selection.STATUSES, "base_states": statuslabels.BASE_STATES,
        "templates": answertemplates.templates_of(session, consultation.id),
        "themes": _themes(session, consultation.id),
        "recent": actions.recent(session, consultation.id),
    }


def _senders(session, consultation_id: int) -> list[Stakeholder]:
    from ..models import Point, Reaction

    sender = Point.stakeholder_id
    ids = set(session.exec(select(Reaction.stakeholder_id).where(
        Reaction.consultation_id == consultation_id)).all())
    ids |= set(session.exec(select(sender).join(Reaction, Reaction.id == Point.reaction_id).where(
        Reaction.consultation_id == consultation_id, sender.is_not(None))).all())
    return session.exec(select(Stakeholder).where(Stakeholder.id.in_(ids))
                        .order_by(Stakeholder.name)).all() if ids else []


def _themes(session, consultation_id: int) -> list:
    """The consultation's live themes in board order (consult/themes)."""
    from ..themes import operations as themes

    return themes.themes(session, consultation_id)


@bp.get("/selectie")
def index(slug: str):
    """The consultation's points narrowed by filters, a page at a time, with bulk actions."""
    consultation = processable_consultation(slug)
    filters = selection.Filters.from_args(request.args)
    try:
        context = _page_context(consultation, filters)
    except selection.SelectionError as err:
        context = _page_context(consultation, selection.Filters(
            **{**filters.__dict__, "q": ""}), error=str(err))
    return render_template("bulk/selection.html", **context)


def _selected(session, consultation, filters) -> tuple[list[int], int]:
    """The points the form means: all matching the filters now, or the ticked ones still
    live; and how many ticked ones are gone. Without a scope (a form sent without
    JavaScript, or an old one): the ticked points when any are ticked, else all matching."""
    scope = request.form.get("scope") or ("some" if request.form.getlist("point_ids") else "all")
    if scope == "all":
        return selection.matching_ids(session, current_user, consultation.id, filters), 0
    return selection.chosen_ids(session, consultation.id, form_ids("point_ids"))


def _act(session, consultation, kind: str, point_ids: list[int]) -> actions.Outcome:
    if kind == "status":
        return actions.set_status(session, current_user, consultation, point_ids,
                                  request.form.get("new_status", ""))
    if kind == "route":
        return actions.route(session, current_user, consultation, point_ids,
                             session.get(Destination, form_id("destination_id") or 0))
    if kind == "template":
        chosen = form_ids("destination_ids")
        destinations = session.exec(select(Destination).where(
            Destination.id.in_(chosen), Destination.consultation_id == consultation.id,
            Destination.archived == False)).all() if chosen else []  # noqa: E712
        return actions.apply_template(
            session, current_user, consultation, point_ids,
            session.get(AnswerTemplate, form_id("template_id") or 0), list(destinations),
            request.form.get("template_status", ""))
    return actions.add_to_theme(session, current_user, consultation, point_ids,
                                form_id("theme_id"))


@bp.post("/selectie")
def act(slug: str):
    """Take one bulk action on the selection; back to the selection with one undo."""
    consultation = processable_consultation(slug)
    session = get_session()
    filters = selection.Filters.from_args(request.form)
    kind = request.form.get("action", "")
    back = url_for(".index", slug=slug, **filters.args())
    try:
        if kind not in ACTIONS:
            raise actions.BulkError(_("Choose what to do with the selected points."))
        claim = claim_form(session)
        if claim.repeated:  # a double click: done once already
            session.rollback()
            return redirect(back, code=303)
        try:
            point_ids, gone = _selected(session, consultation, filters)
        except LookupError:
            abort(404)
        if not point_ids and gone:
            raise actions.BulkError(_("The selected points no longer exist (archived or merged "
                                      "in the meantime); nothing was changed."))
        outcome = _act(session, consultation, kind, point_ids)
        submissions.record(session, claim, outcome.action.id if outcome.action else None)
    except (actions.BulkError, answertemplates.TemplateError, AnswersChanged,
            selection.SelectionError, submissions.Resubmitted) as err:
        session.rollback()
        context = _page_context(consultation, filters, error=str(err),
                                ticked=form_ids("point_ids"))
        return render_template("bulk/selection.html", **context), 422
    session.commit()
    _tell(slug, outcome, gone, back)
    return redirect(back, code=303)


def _tell(slug: str, outcome: actions.Outcome, gone: int, back: str) -> None:
    """The flash after a bulk action: what changed (with its undo), what was left alone."""
    if outcome.action is not None:
        flash({"text": ngettext("Done: %(num)d point changed.", "Done: %(num)d points changed.",
                                outcome.changed),
               "url": url_for(".undo", slug=slug, action_id=outcome.action.id), "next": back,
               "slug": slug}, "undo")
    else:
        flash(_("Nothing changed: the selected points were like that already."))
    if outcome.unanswered:
        flash(ngettext("%(num)d selected point has no answer yet and was left as it is; give "
                       "it one, e.g. with an answer template.",
                       "%(num)d selected points have no answer yet and were left as they are; "
                       "give them one, e.g. with an answer template.", outcome.unanswered))
    if gone:
        flash(ngettext("%(num)d selected point no longer exists (archived or merged) and was "
                       "skipped.", "%(num)d selected points no longer exist (archived or "
                       "merged) and were skipped.", gone))


@bp.post("/selectie/<int:action_id>/ongedaan")
def undo(slug: str, action_id: int):
    """Undo one bulk action as a whole, then go back where the user was."""
    consultation = processable_consultation(slug)
    session = get_session()
    action = session.get(BulkAction, action_id)
    if action is None or action.consultation_id != consultation.id:
        abort(404)
    back = safe_next(request.form.get("next")) if request.form.get("next") else url_for(
        ".index", slug=slug)
    try:
        count = actions.undo(session, current_user, consultation, action)
    except (actions.BulkError, AnswersChanged) as err:
        session.rollback()
        flash(str(err))
        return redirect(back, code=303)
    session.commit()
    flash(ngettext("Undone: %(num)d point is back as it was.",
                   "Undone: %(num)d points are back as they were.", count))
    return redirect(back, code=303)


# --- answer templates and the consultation's own status words ------------------------------


def _templates_page(consultation, error=None, form=None, status=200):
    session = get_session()
    return render_template(
        "bulk/templates.html", consultation=consultation, error=error, form=form or {},
        templates=answertemplates.templates_of(session, consultation.id, archived=True),
        seen=answertemplates.seen,
        labels=statuslabels.labels_of(session, consultation.id),
        base_states=statuslabels.BASE_STATES, placeholders=answertemplates.PLACEHOLDERS,
    ), status


@bp.get("/sjablonen")
def templates(slug: str):
    """The consultation's answer templates and its own status words."""
    return _templates_page(processable_consultation(slug))


@bp.post("/sjablonen")
def create_template(slug: str):
    """Add an answer template; a bad one comes back with its text and the reason."""
    consultation = processable_consultation(slug)
    session = get_session()
    try:
        claim = claim_form(session)
        if not claim.repeated:
            template = answertemplates.create_template(
                session, current_user, consultation, request.form.get("title", ""),
                request.form.get("body", ""))
            submissions.record(session, claim, template.id)
    except (answertemplates.TemplateError, submissions.Resubmitted) as err:
        session.rollback()
        return _templates_page(consultation, str(err), request.form, 422)
    session.commit()
    flash(_("Template saved."))
    return redirect(url_for(".templates", slug=slug), code=303)


@bp.post("/sjablonen/<int:template_id>/<any(wijzigen, archiveren, herstellen):action>")
def change_template(slug: str, template_id: int, action: str):
    """Change, archive or restore an answer template."""
    consultation = processable_consultation(slug)
    session = get_session()
    template = session.get(AnswerTemplate, template_id)
    if template is None or template.consultation_id != consultation.id:
        abort(404)
    try:
        if action == "wijzigen":
            answertemplates.change_template(session, current_user, template,
                                            request.form.get("title", ""),
                                            request.form.get("body", ""),
                                            request.form.get("seen"))
        else:
            answertemplates.set_template_archived(session, current_user, template,
                                                  action == "archiveren")
    except answertemplates.TemplateError as err:
        session.rollback()
        conflict = isinstance(err, answertemplates.TemplateConflict)
        return _templates_page(consultation, str(err), {
            **request.form, "id": template_id, "conflict": conflict}, 409 if conflict else 422)
    session.commit()
    flash(_("Template saved."))
    return redirect(url_for(".templates", slug=slug), code=303)


@bp.post("/statusnamen")
def status_labels(slug: str):
    """Save the consultation's own words for the five states."""
    consultation = processable_consultation(slug)
    session = get_session()
    words = {s: request.form.get(f"label_{s}", "") for s in statuslabels.BASE_STATES}
    try:
        statuslabels.set_labels(session, current_user, consultation, words)
    except statuslabels.LabelError as err:
        session.rollback()
        return _templates_page(consultation, str(err), request.form, 422)
    session.commit()
    flash(_("Status names saved."))
    return redirect(url_for(".templates", slug=slug), code=303)


@bp.get("/sjablonen/invullen")
def fill(slug: str):
    """The answer panel's explanation filled from a template for its ticked points and
    destinations (an htmx swap of the text box); a bad template gives its message."""
    from jinja2_fragments.flask import render_block

    from ..models import Point, Reaction

    consultation = processable_consultation(slug)
    session = get_session()
    template = session.get(AnswerTemplate, arg_number("template_id") or 0)
    reaction = session.get(Reaction, arg_number("reaction_id") or 0)
    if template is None or template.consultation_id != consultation.id or reaction is None or (
            reaction.consultation_id != consultation.id):
        abort(404)
    ticked = [i for i in map(to_id, request.args.getlist("point_ids")) if i][:10_000]
    points = session.exec(select(Point).where(Point.id.in_(ticked), Point.reaction_id == (
        reaction.id)).order_by(Point.position)).all() if ticked else []
    chosen = [i for i in map(to_id, request.args.getlist("destination_ids")) if i][:1000]
    titles = session.exec(select(Destination.title).where(
        Destination.id.in_(chosen), Destination.consultation_id == consultation.id)
        .order_by(Destination.position)).all() if chosen else []
    sender = session.get(Stakeholder, (points[0].stakeholder_id if points else None)
                         or reaction.stakeholder_id)
    try:
        text = answertemplates.filled(template.body, list(titles), [
            (sender.name if sender else "", [p.number for p in points])])
    except answertemplates.TemplateError as err:
        return render_block("reactions/show.html", "answer_error", error=str(err)), 422, {
            "HX-Reswap": "none"}
    return render_block("reactions/show.html", "answer_body", body=text)
