"""The theme board of a consultation: themes with their points, suggestions, and answering a
theme once. The secretariat of the consultation (access.can_process) changes it; members who
may read the consultation's internal pages (councillors) read it; everyone else gets 404.

Every change is a POST (CSRF by Flask-WTF) that commits once and goes back to the board (303);
moving a single point in or out, asked by htmx, answers with the board's ``board`` block."""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from jinja2_fragments.flask import render_block
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .. import access, notify, richtext, submissions
from ..answergroups import number_list
from ..bulk import answertemplates
from ..bulk.models import AnswerTemplate
from ..db import get_session
from ..errors import same_moment
from ..models import Destination, Point, Reaction, ResponseStatus, Role
from ..processing import ProcessingError, destinations_of
from ..processing import answer as answer_points
from ..views.consultations import processable_consultation, visible_consultation
from ..views.inputs import claim_form, form_id, form_ids, to_date, to_id
from ..views.processing import _chosen_destinations
from . import board as reading
from . import operations
from .models import Theme, ThemeSuggestion
from .operations import ThemeError
from .suggest import load_items, suggest

bp = Blueprint("themes", __name__, url_prefix="/consultaties/<slug>/themas")


@bp.app_template_global()
def theme_seen(theme) -> str:
    """The token of what a theme form shows (operations.seen), for its hidden field."""
    return operations.seen(theme)


@bp.app_template_global()
def suggestion_made(suggestion) -> str:
    """The token of the suggestion a form shows (operations.made), for its hidden field."""
    return operations.made(suggestion)


def may_read(user, consultation) -> bool:
    """Whether ``user`` may read the consultation's theme board: its secretariat, or a
    councillor who is a member of it."""
    return bool(access.can_process(user, consultation)
                or (access.role(user) == Role.councillor
                    and consultation.id in access.memberships(user)))


def _readable(slug: str):
    """The consultation if the user may read its board (may_read); else 404."""
    consultation = visible_consultation(slug)
    if not may_read(current_user, consultation):
        abort(404)
    return consultation


def _page(consultation, error: str | None = None, status: int = 200, **extra):
    """The board page (the whole page, or its ``board`` block for htmx)."""
    session = get_session()
    processing = access.can_process(current_user, consultation)
    context = {"consultation": consultation, "b": reading.board(session, consultation,
                                                                suggestions=processing),
               "processing": processing, "error": error, "typed": {}, **extra}
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render_block("themes/board.html", "board", **context), status
    return render_template("themes/board.html", **context), status


def _back(consultation, message: str | dict | None = None, category: str = "message"):
    """Commit and go back to the board (303), with a message when given (``category``
    "undo": a dict with the message's text and the URL of its undo button, base.html)."""
    get_session().commit()
    if message:
        flash(message, category)
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return _page(consultation)
    return redirect(url_for(".board", slug=consultation.slug), code=303)


def _failed(consultation, error: str, status: int = 422, typed: dict | None = None):
    """Roll back and show the board with the message (422 unless said); nothing was changed.
    ``typed``: what the user typed into a theme form, shown again in it (_typed)."""
    get_session().rollback()
    return _page(consultation, error=error, status=status, typed=typed or {})


def _typed(theme_id: int | None = None) -> dict:
    """The title and description as typed, for the form of ``theme_id`` (None: new theme)."""
    return {"theme_id": theme_id, "title": request.form.get("title", ""),
            "description": request.form.get("description", "")}


def _theme_or_404(consultation, theme_id: int):
    theme = operations.theme_of(get_session(), consultation.id, theme_id)
    if theme is None:
        abort(404)
    return theme


def _suggestion_or_404(consultation, suggestion_id: int) -> ThemeSuggestion:
    suggestion = get_session().get(ThemeSuggestion, suggestion_id)
    if suggestion is None or suggestion.consultation_id != consultation.id:
        abort(404)
    return suggestion


@bp.get("")
def board(slug: str):
    """The board: themes, their points by sender, counts, the points without a theme."""
    return _page(_readable(slug))


@bp.post("")
def create(slug: str):
    """A new theme (title, description)."""
    consultation = processable_consultation(slug)
    session = get_session()
    try:
        claim = claim_form(session)  # a double click makes one theme, not two (the attack)
        if claim.repeated:
            return _back(consultation)
        theme = operations.create_theme(session, consultation.id, request.form.get("title"),
                                        request.form.get("description"), current_user)
    except (ThemeError, submissions.Resubmitted) as err:
        return _failed(consultation, str(err), typed=_typed())
    submissions.record(session, claim, theme.id)
    return _back(consultation, _("Theme added: %(title)s.", title=theme.title))


@bp.post("/<int:theme_id>")
def update(slug: str, theme_id: int):
    """Rename and describe a theme."""
    consultation = processable_consultation(slug)
    theme = _theme_or_404(consultation, theme_id)
    try:
        operations.update_theme(get_session(), theme, request.form.get("title"),
                                request.form.get("description"), current_user,
                                request.form.get("seen"))
    except ThemeError as err:
        conflict = isinstance(err, operations.ThemeConflict)
        return _failed(consultation, str(err), 409 if conflict else 422,
                       typed=_typed(theme_id))
    return _back(consultation, _("Theme saved: %(title)s.", title=theme.title))


@bp.post("/<int:theme_id>/verwijderen")
def delete(slug: str, theme_id: int):
    """Delete a theme (archived; its points stay as they are), with an undo button."""
    consultation = processable_consultation(slug)
    theme = _theme_or_404(consultation, theme_id)
    operations.delete_theme(get_session(), theme, current_user)
    board_url = url_for(".board", slug=slug)
    return _back(consultation, {
        "text": _("Theme deleted: %(title)s.", title=theme.title), "next": board_url,
        "url": url_for(".restore", slug=slug, theme_id=theme.id)}, "undo")


@bp.post("/<int:theme_id>/herstellen")
def restore(slug: str, theme_id: int):
    """Undo deleting a theme: back on the board with the points it held."""
    consultation = processable_consultation(slug)
    theme = get_session().get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation.id:
        abort(404)
    restored = operations.restore_theme(get_session(), theme, current_user)
    return _back(consultation, _("Theme restored: %(title)s.", title=theme.title) if restored
                 else _("Already restored: %(what)s.", what=theme.title))


@bp.post("/punten/<int:point_id>")
def move_point(slug: str, point_id: int):
    """Put one point into the theme ``into`` and/or take it out of the theme ``out_of``;
    ``how`` (the button pressed beside a point in a theme) says which of the two: "out"
    (take out), "move" (both) or "also" (into only: the point joins a second theme). Asked
    by htmx, the answer is only the sections that changed (out of band), with an undo
    button for what changed ("undo" set: the move was an undo, so none)."""
    consultation = processable_consultation(slug)
    session = get_session()
    if not operations.is_own_point(session, consultation.id, point_id):
        abort(404)
    into, out_of = form_id("into"), form_id("out_of")
    how = request.form.get("how")
    if how == "out":
        into = None
    elif how == "also":
        out_of = None
    if into is None and out_of is None:
        return _failed(consultation, _("Choose a theme for the point."))
    if into is not None and into == out_of:
        return _failed(consultation, _("Choose another theme for the point."))
    was_unthemed = not operations.themes_of_point(session, consultation.id, point_id)
    try:
        left = out_of is not None and operations.remove_points(
            session, _theme_or_404(consultation, out_of), [point_id], current_user)
        if out_of is not None and into is not None and not left:
            # Moved (or taken out) in another tab meanwhile: a move now would only add it.
            return _failed(consultation, _(
                "Point %(n)s is no longer in %(theme)s (changed meanwhile), so nothing was "
                "changed: see the board as it is now.",
                n=session.get(Point, point_id).number,
                theme=_theme_or_404(consultation, out_of).title), 409)
        joined = into is not None and operations.add_points(
            session, _theme_or_404(consultation, into), [point_id], current_user)
    except ThemeError as err:
        return _failed(consultation, str(err))
    undo = None if request.form.get("undo") else _undo_of(
        consultation, point_id, out_of if left else None, into if joined else None)
    if not request.headers.get("HX-Request") or request.headers.get("HX-Boosted"):
        return _back(consultation, undo, "undo")
    session.commit()
    return _moved(consultation, point_id, into, out_of, was_unthemed, undo)


def _undo_of(consultation, point_id: int, left: int | None, joined: int | None
             ) -> dict | None:
    """The undo message of a point's move (base.html's "undo" flash): its text, and the
    form fields that put the point back (``left``: the theme it left, ``joined``: the one it
    joined; None: not changed). None when nothing changed."""
    if left is None and joined is None:
        return None
    session = get_session()
    point = session.get(Point, point_id)
    titles = {t.id: t.title for t in operations.themes(session, consultation.id)}
    if left is not None and joined is not None:
        text = _("Point %(n)s moved from %(old)s to %(new)s.", n=point.number,
                 old=titles.get(left, ""), new=titles.get(joined, ""))
    elif joined is not None:
        text = _("Point %(n)s is now in %(theme)s.", n=point.number, theme=titles.get(joined, ""))
    else:
        text = _("Point %(n)s taken out of %(theme)s.", n=point.number,
                 theme=titles.get(left, ""))
    fields = {"undo": "1", **({"into": left} if left is not None else {}),
              **({"out_of": joined} if joined is not None else {})}
    return {"text": text, "url": url_for(".move_point", slug=consultation.slug,
                                         point_id=point_id),
            "next": url_for(".board", slug=consultation.slug), "fields": fields}


def _moved(consultation, point_id: int, into, out_of, was_unthemed: bool, undo):
    """The htmx answer to a move: the themes it went into or out of, the points without a
    theme when it came to or left them, and the undo message (or its place emptied), all
    out of band (HX-Reswap: none)."""
    session = get_session()
    is_unthemed = not operations.themes_of_point(session, consultation.id, point_id)
    b = reading.board(session, consultation, suggestions=False)
    changed = [g for g in b.themes if g.theme.id in (into, out_of)]
    moved = next(p for g in [*b.themes, b.unthemed] for p in g.points if p.id == point_id)
    # the sender's points without a theme now, as the board lists them, and the sender
    # listed after it there (where a sender new in that list goes)
    senders = b.unthemed.by_sender
    at = next((i for i, (_name, pts) in enumerate(senders)
               if pts[0].sender_id == moved.sender_id), None)
    left = senders[at] if at is not None else None
    after = senders[at + 1][1][0].sender_id if at is not None and at + 1 < len(senders) else 0
    unthemed: str | bool = was_unthemed != is_unthemed
    if unthemed and is_unthemed and left and len(left[1]) == 1:
        unthemed = "new sender"
    body = render_block("themes/board.html", "moved", consultation=consultation, b=b,
                        processing=True, changed=changed, unthemed_changed=unthemed,
                        sender_left=left, sender_id=moved.sender_id, next_sender=after,
                        undo=undo)
    return body, 200, {"HX-Reswap": "none"}


@bp.get("/punten/<int:point_id>/kiezen")
def choose(slug: str, point_id: int):
    """For a point in the theme ``thema``: the other themes to move it to or to put it in as
    well. Asked when wanted (htmx puts it in the point's line; without JavaScript it is a page
    of its own), so the board does not carry every theme's title for every point in a theme
    (2.4 MB instead of 0.9 at 470 points and 64 themes)."""
    consultation = processable_consultation(slug)
    session = get_session()
    found = reading.points(session, consultation.id, only=point_id)
    theme = _theme_or_404(consultation, to_id(request.args.get("thema")) or 0)
    if not found or theme.id not in operations.themes_of_point(session, consultation.id,
                                                               point_id):
        abort(404)
    context = {"consultation": consultation, "p": found[0], "theme": theme,
               "others": [t for t in operations.themes(session, consultation.id)
                          if t.id != theme.id]}
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render_block("themes/choose.html", "choice", **context)
    return render_template("themes/choose.html", **context)


# --- suggestions -------------------------------------------------------------------------


@bp.post("/voorstellen")
def compute(slug: str):
    """Suggest themes from the points' text (replacing earlier suggestions)."""
    consultation = processable_consultation(slug)
    session = get_session()
    found = suggest(load_items(session, consultation.id))
    operations.replace_suggestions(session, consultation.id,
                                   [(s.label, s.point_ids) for s in found])
    return _back(consultation, ngettext("%(num)d theme suggested.", "%(num)d themes suggested.",
                                        len(found)))


@bp.post("/voorstellen/<int:suggestion_id>/<any(aannemen, hernoemen, samenvoegen, "
         "'laten-vallen'):action>")
def suggestion(slug: str, suggestion_id: int, action: str):
    """Accept (it becomes a theme), rename, merge with another, or drop a suggestion."""
    consultation = processable_consultation(slug)
    session = get_session()
    if action == "aannemen":  # once, however often it is clicked (the attack: two themes)
        try:
            claim = claim_form(session)
        except submissions.Resubmitted as err:
            return _failed(consultation, str(err))
        if claim.repeated:
            return _back(consultation)
    found = _suggestion_or_404(consultation, suggestion_id)
    made = request.form.get("made")
    if made is not None and made != operations.made(found):
        # Suggested again since the page was read: the same id may now be another group.
        return _failed(consultation, _("The themes were suggested again in the meantime, so "
                                       "nothing was changed: look at the new suggestions "
                                       "below."), 409)
    try:
        if action == "aannemen":
            theme = operations.accept_suggestion(session, found, current_user)
            submissions.record(session, claim, theme.id)
            return _back(consultation, _("Theme added: %(title)s.", title=theme.title))
        if action == "hernoemen":
            operations.rename_suggestion(session, found, request.form.get("label"))
        elif action == "samenvoegen":
            other = form_id("other_id")
            if other is None:
                raise ThemeError(_("Choose another suggestion to merge with."))
            operations.merge_suggestions(session, found, _suggestion_or_404(consultation, other))
        else:
            operations.drop_suggestion(session, found)
    except ThemeError as err:
        return _failed(consultation, str(err))
    return _back(consultation)


# --- answering a theme once --------------------------------------------------------------


def _answer_page(consultation, theme, error=None, code=200, form=None, group=None):
    form = form or {}
    session = get_session()
    group = group or reading.theme_group(get_session(), consultation, theme)
    from ..bulk.answers import latest_answers

    return render_template(
        "themes/answer.html", consultation=consultation, theme=theme, group=group,
        current=latest_answers(session, [p.id for p in group.points]),
        destinations=destinations_of(session, consultation.id), error=error,
        chosen=set(form.get("destination_ids", [])),
        ticked=set(form.get("point_ids", [p.id for p in group.points])),
        form=form), code


def _use_template(consultation, theme, form: dict):
    """The answer page again with the chosen answer template's text as the explanation,
    its placeholders filled for the ticked points and the chosen destinations (as the bulk
    "answer with a template" fills them); nothing is saved and everything else typed stays.
    Asked by htmx: only the explanation's block. A template that cannot be filled leaves
    the explanation as typed, with the reason (Dutch)."""
    session = get_session()
    group = reading.theme_group(get_session(), consultation, theme)
    template = session.get(AnswerTemplate, form_id("template_id") or 0)
    error = None
    try:
        if template is None or template.consultation_id != consultation.id or (
                template.archived):
            raise answertemplates.TemplateError(
                _("Choose an answer template of this consultation."))
        ticked = set(form["point_ids"])
        titles = list(session.exec(select(Destination.title).where(
            Destination.id.in_(form["destination_ids"] or [-1]),
            Destination.consultation_id == consultation.id, Destination.archived.is_(False))
            .order_by(Destination.position, Destination.id)))
        typed = " ".join(request.form.get("new_destination", "").split())
        form["body"] = answertemplates.filled(
            template.body, titles + ([typed] if typed else []),
            [(sender, [p.number for p in pts if p.id in ticked])
             for sender, pts in group.by_sender])
    except answertemplates.TemplateError as err:
        error = str(err)
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render_block("themes/answer.html", "answer_body", form=form, error=error,
                            fragment=True)
    return _answer_page(consultation, theme, error, 422 if error else 200, form, group)


@bp.get("/<int:theme_id>/beantwoorden")
def answer_form(slug: str, theme_id: int):
    """One answer for all points of a theme (or the ticked ones), across reactions."""
    consultation = processable_consultation(slug)
    return _answer_page(consultation, _theme_or_404(consultation, theme_id))




@bp.post("/<int:theme_id>/beantwoorden")
def answer(slug: str, theme_id: int):
    """Save one answer for the ticked points of the theme; nothing changes on error."""
    consultation = processable_consultation(slug)
    session = get_session()
    theme = _theme_or_404(consultation, theme_id)
    in_theme = set(operations.point_ids(session, theme))
    ticked = [i for i in form_ids("point_ids") if i in in_theme]
    form = {"body": request.form.get("body", ""), "status": request.form.get("status"),
            "decided_by": request.form.get("decided_by", ""),
            "decided_on": request.form.get("decided_on", ""),
            "destination_ids": form_ids("destination_ids"), "point_ids": ticked,
            "template_id": form_id("template_id"),
            "new_destination": request.form.get("new_destination", ""),
            "new_destination_parent": form_id("new_destination_parent")}
    if request.form.get("use_template"):  # "Gebruik sjabloon": fill, do not save
        return _use_template(consultation, theme, form)
    if not ticked:
        return _answer_page(consultation, theme, _("Tick the points this answer is for."), 422,
                            form=form)
    chosen = session.exec(
        select(Point).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Point.id.in_(ticked), Point.archived.is_(False), Reaction.archived.is_(False))
        .order_by(Point.reaction_id, Point.position)).all()
    if not chosen:  # archived meanwhile, with their letter or alone
        return _answer_page(consultation, theme, _("The ticked points were archived meanwhile."),
                            409, form=form)
    # said, not guessed: a status or date that cannot be read was saved as a draft without a
    # date (the attack)
    if form["status"] and form["status"] not in {s.value for s in ResponseStatus}:
        return _answer_page(consultation, theme, _("Choose a status."), 422, form=form)
    if form["decided_on"].strip() and to_date(form["decided_on"].strip()) is None:
        return _answer_page(consultation, theme,
                            _("Give the date of the decision as a date."), 422, form=form)
    status = form["status"] or "draft"
    try:
        claim = claim_form(session)
        if claim.repeated:  # a double click: saved already
            session.rollback()
            return redirect(url_for(".board", slug=slug), code=303)
        response = answer_points(
            session, current_user, consultation, points=chosen,
            destinations=_chosen_destinations(session, consultation), body=form["body"],
            status=status, decided_by=form["decided_by"].strip(),
            decided_on=to_date(form["decided_on"]), reaction_id=None)
    except submissions.Resubmitted as err:
        session.rollback()
        return _answer_page(consultation, theme, str(err), 409, form=form)
    except ValidationError:
        session.rollback()
        return _answer_page(consultation, theme,
                            _("Write the explanation first (at most 200,000 characters)."),
                            422, form=form)
    except ProcessingError as err:
        session.rollback()
        return _answer_page(consultation, theme, str(err), 422, form=form)
    except IntegrityError:
        session.rollback()
        return _answer_page(consultation, theme, same_moment(), 409, form=form)
    submissions.record(session, claim, response.id)
    session.commit()
    notify.answer_told(session, current_user, response, [p.id for p in chosen],
                       _("Your points were answered: %(body)s",
                         body=richtext.text(response.body_html, response.body)))
    senders = len({p.reaction_id for p in chosen})
    flash(ngettext("Saved: one answer for %(points)d points of %(num)d reaction.",
                   "Saved: one answer for %(points)d points of %(num)d reactions.",
                   senders, points=len(chosen)) if len(chosen) > 1
          else ngettext("Saved: point %(points)s got this answer.",
                        "Saved: points %(points)s got this answer.", 1,
                        points=number_list([p.number for p in chosen])))
    return redirect(url_for(".board", slug=slug, _anchor=f"thema-{theme.id}"), code=303)
