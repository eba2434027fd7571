"""New since your last visit: the threads with entries the reader has not seen yet."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import access, follows
from ..db import get_session
from .inputs import form_id

bp = Blueprint("unread", __name__, url_prefix="/nieuw")


@bp.before_request
@login_required
def _logged_in():
    """Only a person has a last visit."""


def _scope() -> tuple[set[int], set[int]]:
    """The consultations the reader may read, and those among them they process."""
    readable = access.readable_consultations(current_user)
    return ({c.id for c in readable},
            {c.id for c in readable if access.can_see_internal(current_user, c)})


@bp.get("")
def index():
    """Per thread: how many entries are new, and the latest one; newest first."""
    threads = follows.new_since_last_visit(get_session(), current_user, *_scope())
    return render_template(
        "unread/index.html", threads=threads,
        upto=max((t.latest.id for t in threads), default=0),
    )


@bp.post("/gelezen")
def mark_all_seen():
    """Mark what the page showed as seen; entries that arrived since stay new."""
    session = get_session()
    upto = form_id("upto")
    if upto:
        follows.mark_seen(session, current_user, *_scope(), upto=upto)
    session.commit()
    flash(_("Marked as read."))
    return redirect(url_for("unread.index"), code=303)
