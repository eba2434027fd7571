"""The answered table: a printable page and the Word, Excel and CSV downloads."""

import re
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, url_for
from jinja2_fragments.flask import render_block
from werkzeug.wsgi import wrap_file

from .. import commitments, exports, reports, table_pages
from .. import consultations as reading
from .. import dashboard as dashboards
from ..db import get_session
from ..documents.operations import landed_references
from ..models import ResponseStatus, StakeholderKind
from ..processing import destinations_of
from ..themes import table as per_theme
from .consultations import visible_consultation
from .inputs import to_id

bp = Blueprint("reports", __name__, url_prefix="/consultaties/<slug>")

_STATUSES = {"open", *(s.value for s in ResponseStatus if s != ResponseStatus.draft)}


def _filters() -> reports.Filters:
    """Filters from the query string; anything unknown is ignored."""
    kind = request.args.get("soort")
    status = request.args.get("status")
    return reports.Filters(
        kind=kind if kind in {k.value for k in StakeholderKind} else None,
        subregion=to_id(request.args.get("subregio")),
        destination=to_id(request.args.get("bestemming")),
        status=status if status in _STATUSES else None,
    )


def _by_theme() -> bool:
    """``?orde=thema``: the table per theme ("nota van beantwoording per thema")."""
    return request.args.get("orde") == "thema"


def _filter_args(filters: reports.Filters) -> dict[str, int | str]:
    """The filters (and the order per theme) as query-string arguments (only those set)."""
    args = {"soort": filters.kind, "subregio": filters.subregion,
            "bestemming": filters.destination, "status": filters.status,
            "orde": "thema" if _by_theme() else None}
    return {k: v for k, v in args.items() if v is not None}


_THEME_KEY = re.compile(r"[0-9]{1,18}-[0-9]{1,18}")  # themes.table.Entry.key


def _page(endpoint: str, consultation, filters: reports.Filters) -> dict:
    """The page of the table after ``?na=<reaction id>`` (the first without), with the URL
    of the next page (None on the last). Per theme (``?orde=thema``) ``na`` names a theme's
    reaction ("<theme id>-<reaction id>"); one that is not gives an empty page."""
    after = request.args.get("na")
    if _by_theme():
        page = per_theme.theme_page(
            get_session(), consultation, filters,
            after if after is None or _THEME_KEY.fullmatch(after) else "0-0")
    else:
        page = table_pages.table_page(get_session(), consultation, filters, to_id(after))
    more = url_for(endpoint, slug=consultation.slug, na=page.next_after,
                   **_filter_args(filters)) if page.next_after else None
    start = url_for(endpoint, slug=consultation.slug, **_filter_args(filters))
    shown = list(dict.fromkeys(block.reaction.id for block in page.blocks))
    return {"page": page, "more_url": more, "start_url": start,
            "landed": landed_references(get_session(), shown)}


def _more_rows() -> bool:
    """An htmx request of the next rows (the sentinel at the end of the table)."""
    return bool(request.headers.get("HX-Request")) and \
        request.headers.get("HX-Target") == "meer-reacties"


@bp.get("/tabel")
def show(slug: str):
    """The table as a page, a page of reactions at a time: more load on scroll (htmx), or
    through the next-page link; ordered per theme with ``?orde=thema``. For paper the page
    points to the Word download."""
    consultation = visible_consultation(slug)
    session = get_session()
    filters = _filters()
    context = {"consultation": consultation, **_page("reports.show", consultation, filters)}
    if _more_rows():
        return render_block("reports/_table.html", "rows", **context)
    return render_template(
        "reports/table.html",
        **context,
        subregions=table_pages.subregions(session, consultation),
        destinations=destinations_of(session, consultation.id),
        kinds=[k.value for k in StakeholderKind],
        statuses=["open", "proposed", "adopted", "done", "not_adopted"],
        query=urlencode(_filter_args(filters)),
        by_theme=_by_theme(),
        other_order=url_for("reports.show", slug=consultation.slug,
                            **{k: v for k, v in _filter_args(filters).items() if k != "orde"},
                            **({} if _by_theme() else {"orde": "thema"})),
    )


@bp.get("/openbaar")
def public(slug: str):
    """"You said, we did": a published consultation for everyone, without logging in — the
    answered table, where the points went and the commitments; no threads, no names of
    people, no drafts."""
    session = get_session()
    consultation = reading.get_consultation(session, slug)
    if consultation is None or not consultation.published:
        abort(404)
    context = {"consultation": consultation,
               **_page("reports.public", consultation, reports.Filters())}
    if _more_rows():
        return render_block("reports/_table.html", "rows", **context)
    promises = [r for r in commitments.overview(session, consultation.id)
                if r.commitment.status != "cancelled"]
    return render_template("reports/public.html", **context,
                           d=dashboards.summary(session, consultation), promises=promises)


def file_download(data: bytes, content_type: str, filename: str) -> Response:
    """A generated file, as a download (the app's headers make it unable to run anything).
    ``content_type`` is the whole header ("text/csv; charset=utf-8"): passed as a mimetype,
    Werkzeug would add a second charset to a text/* type."""
    return Response(data, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/tabel.<fmt>")
def download(slug: str, fmt: str):
    """The table as a file: docx (the Word table), xlsx (one row a point) or csv; per theme
    with ``?orde=thema`` (and the filters). Written in chunks to a temporary file; a large
    one is sent from disk (constant memory at any size)."""
    if fmt not in exports.WRITERS:
        abort(404)
    consultation = visible_consultation(slug)
    file, size, _points = exports.export_file(get_session(), consultation, fmt, _filters(),
                                              by_theme=_by_theme())
    filename = f"{consultation.slug}-tabel{'-per-thema' if _by_theme() else ''}.{fmt}"
    if size <= exports.IN_MEMORY:
        with file:
            response = file_download(file.read(), exports.MIMETYPES[fmt], filename)
    else:  # the server closes (and so deletes) the file once it is sent
        response = Response(wrap_file(request.environ, file),
                            content_type=exports.MIMETYPES[fmt],
                            direct_passthrough=True,
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        response.content_length = size
    _say_ready(response)
    return response


_TOKEN = re.compile(r"[A-Za-z0-9]{8,32}")


def _say_ready(response: Response) -> None:
    """The download link shows "busy" until the file arrives: it adds ?klaar=<token> and
    waits for a cookie with that token (a browser tells a page nothing about a download)."""
    token = request.args.get("klaar", "")
    if _TOKEN.fullmatch(token):
        response.set_cookie("consult-download", token, max_age=60, samesite="Lax",
                            secure=request.is_secure)
