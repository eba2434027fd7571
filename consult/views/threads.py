"""A point's thread: the point on top, its whole story below, a chat input at the foot."""

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from .. import access, follows, followup, notify, search, submissions, threads
from .. import consultations as reading
from ..db import get_session
from ..models import Point, Reaction, Stakeholder
from .consultations import visible_consultation
from .inputs import arg_number, claim_form, form_id, fresh_key
from .search import hit_url

bp = Blueprint("threads", __name__, url_prefix="/consultaties/<slug>/punten/<int:point_id>")


def visible_point(consultation, point_id: int):
    """The point and its reaction, if they belong to this consultation and the user may see them."""
    session = get_session()
    point = session.get(Point, point_id)
    reaction = session.get(Reaction, point.reaction_id) if point else None
    if (
        point is None
        or reaction is None
        or reaction.consultation_id != consultation.id
        or (point.archived and not access.can_process(current_user, consultation))
        or not access.can_view_reaction(current_user, reaction, consultation)
    ):
        abort(404)
    return point, reaction


def _context(consultation, point, reaction, after_id=0):
    session = get_session()
    detail = reading.reaction_detail(session, consultation, reaction.id, include_archived=True,
                                     point_id=point.id,
                                     drafts=access.can_see_drafts(current_user, consultation))
    row = detail.points[0]
    entries = threads.entries(session, consultation, point, current_user, after_id=after_id)
    return {
        "consultation": consultation,
        "reaction": reaction,
        "stakeholder": session.get(Stakeholder, reaction.stakeholder_id),
        "row": row,
        "point": point,
        "entries": entries,
        "last_id": entries[-1].message.id if entries else after_id,
        "kinds": access.message_kinds(current_user, consultation),
        "landings": followup.landings_of(session, point, consultation),
        "following": access.role(current_user) is not None
        and follows.follows(session, current_user, point_id=point.id),
    }


@bp.get("")
def show(slug: str, point_id: int):
    """The thread page."""
    consultation = visible_consultation(slug)
    point, reaction = visible_point(consultation, point_id)
    context = _context(consultation, point, reaction)
    return render_template("threads/show.html", **context)


@bp.post("/gezien")
@login_required
def seen(slug: str, point_id: int):
    """Remember how far a logged-in reader has seen this thread (for unread badges): posted by
    the page once it shows the entries, so that a GET (or a cross-site image) changes nothing.
    The mark never goes past the newest entry the reader may see."""
    consultation = visible_consultation(slug)
    point, _reaction = visible_point(consultation, point_id)
    session = get_session()
    upto = min(form_id("tot") or 0,
               threads.last_entry_id(session, consultation, point, current_user))
    if upto:
        follows.seen(session, current_user, point.id, upto)
        session.commit()
    return ""  # the marker replaces itself with nothing


@bp.get("/nieuw")
def new_entries(slug: str, point_id: int):
    """Entries after the given id (polled every few seconds); 204 when there are none."""
    consultation = visible_consultation(slug)
    point, reaction = visible_point(consultation, point_id)
    after = arg_number("na")
    if not threads.has_entries_after(get_session(), consultation, point, current_user, after):
        return "", 204  # the common case, every few seconds per open thread: keep it cheap
    context = _context(consultation, point, reaction, after_id=after)
    return render_block("threads/show.html", "new_entries", **context)


@bp.get("/vergelijkbaar")
def similar(slug: str, point_id: int):
    """Points like this one across stakeholders and consultations (loaded after the page)."""
    consultation = visible_consultation(slug)
    point, _reaction = visible_point(consultation, point_id)
    rows = search.similar_points(get_session(), current_user, point)
    return render_block(
        "threads/show.html", "similar", rows=rows, consultation=consultation, point=point,
        hit_url=hit_url,
    )


@bp.post("/berichten")
@login_required
def post(slug: str, point_id: int):
    """Post a message; the poller then shows it (here and in every other open browser)."""
    consultation = visible_consultation(slug)
    point, _reaction = visible_point(consultation, point_id)
    session = get_session()
    kinds = access.message_kinds(current_user, consultation)
    kind = request.form.get("kind") or (kinds[0] if kinds else "")
    try:
        claim = claim_form(session)
        if claim.repeated:  # a double Enter or a retry: the message is in the thread already
            session.rollback()
            return "", 204, {"HX-Trigger": "thread-changed", **fresh_key()}
        message = threads.post_message(
            session, current_user, consultation, point, kind, request.form.get("body", ""),
            public=request.form.get("public") == "1",
        )
    except (threads.ThreadError, submissions.Resubmitted) as err:
        session.rollback()
        status = 409 if isinstance(err, submissions.Resubmitted) else 422
        return render_block("threads/show.html", "post_error", error=str(err)), status, {
            "HX-Reswap": "none", **fresh_key()
        }
    follows.seen(session, current_user, point.id, message.id)  # you read what you answer
    submissions.record(session, claim, message.id)
    session.commit()
    if message.kind != "internal_note":
        what = _("%(who)s wrote about point %(n)s: %(body)s",
                 who=current_user.name, n=point.number, body=message.body)
        notify.points_changed(session, current_user, [point.id], what)
        if not access.can_process(current_user, consultation):  # a question for them
            notify.secretariat_told(session, consultation, current_user, what,
                                    "threads.show", slug=consultation.slug, point_id=point.id)
    return "", 204, {"HX-Trigger": "thread-changed", **fresh_key()}


@bp.post("/volgen")
@login_required
def follow(slug: str, point_id: int):
    """Follow or unfollow this point: its events then appear in the inbox."""
    consultation = visible_consultation(slug)
    point, _reaction = visible_point(consultation, point_id)
    session = get_session()
    if claim_form(session).repeated:  # a double click follows once, it does not undo
        session.rollback()
        following = follows.follows(session, current_user, point_id=point.id)
    else:
        following = follows.toggle(session, current_user, point_id=point.id)
        session.commit()
    return render_block(
        "threads/show.html", "follow_button", consultation=consultation, point=point,
        following=following,
    )
