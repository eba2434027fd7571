"""Pages of invitations: the panel on the consultation page ("who has not reacted yet?"),
inviting and removing stakeholders, and the reminders page (texts to copy; mail with SMTP).

Who sees what (access.can_see_invitations): the secretariat of the consultation and the admin
see the panel with its actions and the reminder dates; others with an account who may read
the consultation see who was invited and who reacted (organisations, no people); the public
never sees invitations, not even of a published consultation (the public line)."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .. import access, links, mail, submissions
from ..db import get_session
from ..errors import same_moment
from ..models import Consultation, Stakeholder
from ..views.consultations import processable_consultation, render_consultation
from ..views.inputs import claim_form, form_id
from . import operations as ops
from . import reminders as rem

bp = Blueprint("invitations", __name__)


@dataclass
class Panel:
    """What the consultation page shows of its invitations, for the current user."""

    overview: ops.Overview
    counts: dict[str, int]
    days_left: int | None
    manage: bool  # invite, remove, remind, and see reminder dates
    invitable: list[tuple[Stakeholder, int]]


def invitations_panel(session: Session, consultation: Consultation) -> Panel | None:
    """The invitations panel of the consultation page; None for who may not see it."""
    if not access.can_see_invitations(current_user, consultation):
        return None
    found = ops.overview(session, consultation)
    manage = access.can_process(current_user, consultation) and not consultation.archived
    return Panel(
        overview=found, counts=found.counts, days_left=ops.days_left(consultation),
        manage=manage, invitable=ops.invitable(session, consultation) if manage else [],
    )


def _back(consultation: Consultation):
    return redirect(url_for("consultations.show", slug=consultation.slug) + "#uitnodigingen",
                    code=303)


def _refused(consultation: Consultation, status: int, message: str):
    session = get_session()
    session.rollback()
    session.refresh(consultation)
    return render_consultation(consultation, status, invite_error=message)


@bp.post("/consultaties/<slug>/uitnodigingen")
def invite(slug: str):
    """Invite a stakeholder from the registry (a municipality with its college, council and
    advisory board unless ``met_onderdelen`` is off). A repeat changes nothing."""
    consultation = processable_consultation(slug)
    session = get_session()
    stakeholder_id = form_id("stakeholder_id")
    stakeholder = session.get(Stakeholder, stakeholder_id) if stakeholder_id else None
    if stakeholder is None:
        return _refused(consultation, 422, _("Choose a stakeholder from the list."))
    try:
        claim = claim_form(session)
        if claim.repeated:
            session.rollback()
            return _back(consultation)
        made = ops.invite(session, current_user, consultation, stakeholder,
                          with_parts=request.form.get("met_onderdelen") == "1")
    except ops.InvitationError as err:
        return _refused(consultation, 409, str(err))
    except submissions.Resubmitted as err:
        return _refused(consultation, 409, str(err))
    except IntegrityError:  # the same stakeholder invited at the same moment in another tab
        return _refused(consultation, 409, same_moment())
    submissions.record(session, claim, stakeholder.id)
    session.commit()
    flash(ngettext("%(num)s stakeholder invited.", "%(num)s stakeholders invited.", len(made))
          if made else _("%(name)s was invited already.", name=stakeholder.name))
    return _back(consultation)


@bp.post("/consultaties/<slug>/uitnodigingen/<int:stakeholder_id>/intrekken")
def uninvite(slug: str, stakeholder_id: int):
    """Remove a stakeholder's invitation (recorded); removing it twice changes nothing."""
    consultation = processable_consultation(slug)
    session = get_session()
    stakeholder = session.get(Stakeholder, stakeholder_id)
    if stakeholder is None:
        abort(404)
    try:
        removed = ops.uninvite(session, current_user, consultation, stakeholder)
    except ops.InvitationError as err:
        return _refused(consultation, 409, str(err))
    session.commit()
    if removed is not None:
        flash(_("The invitation of %(name)s is removed.", name=stakeholder.name))
    return _back(consultation)


def _link(consultation: Consultation) -> str | None:
    """The consultation's address for mails: only from the configured base URL."""
    return links.external_url("consultations.show", slug=consultation.slug)


@bp.get("/consultaties/<slug>/herinneringen")
def reminders(slug: str):
    """The reminder text for each stakeholder that has not reacted yet, to copy or to mail."""
    consultation = processable_consultation(slug)
    link = _link(consultation) or links.handed_url("consultations.show", slug=consultation.slug)
    found = rem.reminders(get_session(), consultation, link)
    return render_template("invitations/reminders.html", consultation=consultation,
                           r=found, smtp=mail.configured(), days_left=ops.days_left(consultation),
                           base_url=links.base_url())


@bp.post("/consultaties/<slug>/herinneringen")
def send(slug: str):
    """Mail the reminders (SMTP configured); a double click or retry mails nothing twice."""
    consultation = processable_consultation(slug)
    session = get_session()
    if not mail.configured():
        flash(_("No mail server is configured: copy the texts below."))
        return redirect(url_for("invitations.reminders", slug=slug), code=303)
    try:
        claim = claim_form(session)
    except submissions.Resubmitted as err:
        session.rollback()
        flash(str(err))
        return redirect(url_for("invitations.reminders", slug=slug), code=303)
    if claim.repeated:
        session.rollback()
        return redirect(url_for("invitations.reminders", slug=slug), code=303)
    found = rem.send(session, current_user, consultation, _link(consultation))
    submissions.record(session, claim, consultation.id)
    session.commit()
    _tell(found)
    return redirect(url_for("invitations.reminders", slug=slug), code=303)


def _tell(found: rem.Reminders) -> None:
    """Flash what was mailed and what failed."""
    mailed = [r for r in found.items if r.mailed]
    failed = [r for r in found.items if r.failed]
    flash(ngettext("%(num)s reminder mailed.", "%(num)s reminders mailed.", len(mailed)))
    if failed:
        flash(_("Not sent (the mail server refused): %(names)s. Copy their texts below.",
                names=", ".join(r.row.stakeholder.name for r in failed)))
