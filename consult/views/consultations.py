"""Pages for reading consultations: the list, one consultation, one reaction."""

from datetime import UTC, date, datetime

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlmodel import select

from .. import access, attachments, commitments, files, follows, followup
from .. import consultations as reading
from .. import dashboard as dashboards
from ..db import get_session
from ..models import Attachment, Channel, Reaction, Stakeholder, StakeholderKind
from ..processing import destinations_of
from .inputs import arg_number

bp = Blueprint("consultations", __name__)


@bp.get("/")
def index():
    """The consultations this user may see, with their progress; archived ones for the admin."""
    cards = reading.consultation_cards(
        get_session(), lambda c: access.can_view(current_user, c), access.is_admin(current_user),
        lambda rows: render_block("consultations/index.html", "cards", rows=rows))
    return render_template("consultations/index.html", cards_html=cards)


def visible_consultation(slug: str):
    """The consultation with this slug if the user may see it (by its state, access.can_view;
    an archived one is the admin's); else 404 (no hint it exists)."""
    consultation = reading.get_consultation(get_session(), slug, include_archived=True)
    if consultation is None or not access.can_view(current_user, consultation):
        abort(404)
    return consultation


def processable_consultation(slug: str):
    """The consultation if the user may process it. A page of the secretariat (a GET) answers
    404 to everyone else, as if it did not exist; a change by a read-only user answers 403."""
    consultation = visible_consultation(slug)
    if not access.can_process(current_user, consultation):
        abort(404 if request.method in ("GET", "HEAD") else 403)
    return consultation


def visible_reaction(consultation, reaction_id: int):
    """The reaction's detail if the user may see it; else 404."""
    session = get_session()
    reaction = session.get(Reaction, reaction_id)
    if (
        reaction is None
        or reaction.consultation_id != consultation.id
        or not access.can_view_reaction(current_user, reaction, consultation)
    ):
        abort(404)
    return reading.reaction_detail(session, consultation, reaction_id,
                                   drafts=access.can_see_drafts(current_user, consultation))


def unread_of(consultation, point_ids: list[int]) -> dict[int, int]:
    """Unread thread entries per point for the logged-in reader ({} for visitors)."""
    if access.role(current_user) is None:
        return {}
    internal = {consultation.id} if access.can_see_internal(current_user, consultation) else set()
    return follows.unread(get_session(), current_user, point_ids, internal)


def unread_per_reaction(consultation, reaction_ids: list[int] | None = None) -> dict[int, int]:
    """Unread thread entries per reaction (of ``reaction_ids``, when given) for the logged-in
    reader ({} for visitors)."""
    if access.role(current_user) is None:
        return {}
    return follows.unread_per_reaction(get_session(), current_user, consultation.id,
                                       access.can_see_internal(current_user, consultation),
                                       reaction_ids)


def _optional(name: str) -> int | None:
    """A cursor from the query string, or None when absent or not a number."""
    return arg_number(name) or None


@bp.get("/consultaties/<slug>/dashboard")
def dashboard(slug: str):
    """The consultation in figures: answered per municipality, per destination, status over time."""
    consultation = visible_consultation(slug)
    context = {"consultation": consultation, "status_order": followup.STATUS_ORDER,
               "d": dashboards.dashboard(get_session(), consultation),
               "promised": commitments.open_commitments(get_session(), consultation.id)}
    context["figures_html"] = dashboards.rendered_figures(consultation, lambda: render_block(
        "consultations/dashboard.html", "figures", **context, figures_html=None))
    return render_template("consultations/dashboard.html", **context)


@bp.get("/consultaties/<slug>")
def show(slug: str):
    """One consultation as a channel: progress, stakeholders, reactions, and the composer."""
    return render_consultation(visible_consultation(slug))


def render_consultation(consultation, status: int = 200, **extra):
    """The consultation page (also with a refused lifecycle step's message in ``extra``)."""
    from ..invitations.views import invitations_panel  # (as lifecycle's)
    from ..lifecycle.views import lifecycle_panel  # that package's views import this module

    session = get_session()
    # One page of the channel (a link from the end of the previous page without JavaScript
    # gives ?na=<the last reaction shown>&tot=<the newest reaction then>).
    found = reading.overview(session, consultation, after=_optional("na"), upto=_optional("tot"),
                             limit=reading.PAGE_SIZE)
    context = {
        "consultation": consultation,
        "o": found,
        "upto": _optional("tot") or found.last_reaction_id,
        "start": _optional("na"),
        "unread": unread_per_reaction(consultation, [r.reaction.id for r in found.reactions]),
        "lifecycle": lifecycle_panel(session, consultation),
        "invitations": invitations_panel(session, consultation),
        **extra,
    }
    if access.can_log(current_user, consultation):
        context.update(
            # the "From" choice: names only, not the registry's records
            stakeholders=session.execute(
                select(Stakeholder.id, Stakeholder.name, Stakeholder.parent_id)
                .where(Stakeholder.archived == False)  # noqa: E712
                .order_by(Stakeholder.name)
            ).all(),
            channels=[c.value for c in Channel],
            kinds=[k.value for k in StakeholderKind],
            today=date.today().isoformat(),
            preview=None,
        )
    return render_template("consultations/show.html", **context), status


@bp.get("/consultaties/<slug>/kanaal")
def more(slug: str):
    """The next page of the channel, for scrolling on (the sentinel at the end of a page)."""
    consultation = visible_consultation(slug)
    upto = _optional("tot")
    found = reading.more_reactions(get_session(), consultation, _optional("na"), upto)
    return render_block(
        "consultations/show.html", "more", consultation=consultation, o=found, upto=upto,
        unread=unread_per_reaction(consultation, [r.reaction.id for r in found.reactions]),
        oob=True,
    )


@bp.get("/consultaties/<slug>/wijzigingen")
def changes(slug: str):
    """What changed since the page's revision: 204 when nothing, else the refreshed parts:
    the new reactions, the figures, and the progress of the shown reactions that changed."""
    consultation = visible_consultation(slug)
    if arg_number("rev", -1) == consultation.revision:
        return "", 204
    since = arg_number("sinds")
    upto = _optional("tot")
    found = reading.changes(
        get_session(), consultation, arg_number("na"),
        datetime.fromtimestamp(since, UTC) if since else None, upto, _optional("bis"),
        _optional("van"),
    )
    return render_block(
        "consultations/show.html",
        "changes",
        consultation=consultation,
        o=found,
        upto=upto,
        start=_optional("van"),
        new_rows=found.reactions,
        unread=unread_per_reaction(consultation) if found.reactions else {},
        oob=True,
    )


@bp.get("/consultaties/<slug>/reacties/<int:reaction_id>")
def reaction(slug: str, reaction_id: int):
    """One reaction: its numbered points, each with its answer and destinations."""
    consultation = visible_consultation(slug)
    session = get_session()
    detail = visible_reaction(consultation, reaction_id)
    context = {
        "d": detail,
        "consultation": consultation,
        "originals": access.can_see_originals(current_user, consultation),
        "attachments": attachments.of_reaction(session, reaction_id),
        "following": access.role(current_user) in ("councillor", "advisory_member")
        and follows.follows(session, current_user, stakeholder_id=detail.stakeholder.id),
    }
    if access.can_process(current_user, consultation):
        context["destinations"] = destinations_of(session, consultation.id)
    context["unread"] = unread_of(consultation, [row.point.id for row in detail.points])
    return render_template("reactions/show.html", **context)


@bp.get("/consultaties/<slug>/reacties/<int:reaction_id>/punten")
def reaction_points(slug: str, reaction_id: int):
    """The points of one reaction, unfolded inside the channel."""
    consultation = visible_consultation(slug)
    detail = visible_reaction(consultation, reaction_id)
    return render_block(
        "consultations/show.html", "reaction_points", consultation=consultation, d=detail,
        unread=unread_of(consultation, [row.point.id for row in detail.points]),
    )


@bp.get("/consultaties/<slug>/bijlagen/<int:attachment_id>")
def attachment(slug: str, attachment_id: int):
    """An uploaded original, always as a download (never rendered inline)."""
    consultation = visible_consultation(slug)
    session = get_session()
    found = session.get(Attachment, attachment_id)
    reaction = session.get(Reaction, found.reaction_id) if found and found.reaction_id else None
    if (
        found is None
        or reaction is None
        or reaction.consultation_id != consultation.id
        or not access.can_view_reaction(current_user, reaction, consultation)
        or not access.can_see_originals(current_user, consultation)
    ):
        abort(404)
    return attachments.send(files.of(current_app), found.stored_name, found.content_type,
                            found.filename)
