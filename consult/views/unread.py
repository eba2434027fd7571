"""New since your last visit: the threads with entries the reader has not seen yet."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from .. import access, follows, news
from ..db import get_session
from .inputs import arg_number, form_id, list_start

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
    """Per thread: how many entries are new, and the latest one; newest first, a page at a
    time (``tot``: the first page's newest entry; ``na``: the latest entry of the page before,
    where the next page starts: keyset paging, see follows.new_since_last_visit and
    news.page; ``vanaf``: the list's number of the page's first item). htmx asks for the next
    page's items only."""
    upto, after = arg_number("tot") or None, arg_number("na") or None
    start = list_start(paged=after is not None)
    look = (str(get_locale()), str(get_timezone()), request.script_root)
    page = news.kept_page(
        get_session(), current_user, *_scope(), upto, after, look, start,
        lambda found: render_block("unread/index.html", "items", start=start,
                                   **{**found, "items_html": map(Markup, found["items_html"])}),
        lambda item: render_block("unread/index.html", "item", t=item))
    if after is not None and request.headers.get("HX-Request"):
        return page["html"]
    return render_template("unread/index.html", first=after is None, start=start,
                           list_html=Markup(page["html"]), **page)


@bp.get("/aantal")
def count():
    """The menu's count of new items, asked by the menu after each page (htmx)."""
    n = news.count(get_session(), current_user, *_scope())
    return render_block("unread/index.html", "count", n=n)


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
