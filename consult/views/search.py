"""The search page, the as-you-type box in the header, and a point's similar points."""

import re
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2_fragments.flask import render_block

from .. import search
from ..db import get_session
from ..models import Channel, ResponseStatus, StakeholderKind
from .inputs import arg_number, to_id

bp = Blueprint("search", __name__, url_prefix="/zoeken")

_CODES = {
    "kind": {"point", "response", "message", "stakeholder"},
    "skind": {k.value for k in StakeholderKind},
    "channel": {c.value for c in Channel},
    "status": {"open", *(s.value for s in ResponseStatus)},
}
_YEAR = re.compile(r"(19|20)[0-9]{2}")


def _filters() -> dict[str, str]:
    """Facet filters from the query string; anything unknown or malformed is ignored."""
    chosen = {}
    for name in ("consultation", "stakeholder", "destination"):
        value = to_id(request.args.get(name))
        if value is not None:
            chosen[name] = str(value)
    for name, allowed in _CODES.items():
        value = request.args.get(name, "")
        if value in allowed:
            chosen[name] = value
    year = request.args.get("year", "")
    if _YEAR.fullmatch(year):
        chosen["year"] = year
    return chosen


def _request(size: int = search.query.PAGE_SIZE) -> search.Request:
    return search.Request(
        text=search.query.clip(request.args.get("q"))[0],
        filters=_filters(),
        sort="date" if request.args.get("sort") == "date" else "relevance",
        page=max(1, arg_number("page", 1)),
        size=size,
        expand=request.args.get("alle") if request.args.get("alle") in FACET_TITLES else None,
    )


FACET_TITLES = {
    "kind": _l("Kind of text"),
    "consultation": _l("Consultation"),
    "stakeholder": _l("Stakeholder"),
    "skind": _l("Kind of stakeholder"),
    "channel": _l("Channel"),
    "destination": _l("Destination"),
    "status": _l("Status"),
    "year": _l("Year"),
}


def facet_title(name: str) -> str:
    return str(FACET_TITLES.get(name, name))


def facet_value(page, name: str, value: str) -> str:
    """How a chosen filter value reads: a name from the facet, else its label."""
    from ..labels import label

    for facet in page.facets:
        if facet.name == name:
            for v, text, _count in facet.values:
                if v == value:
                    return text or label(v)
    return label(value)


def search_url(req: search.Request, **changes) -> str:
    """The stable URL of this search with some parameters changed (None removes one)."""
    args = {"q": req.text or None, **req.filters}
    if req.sort != "relevance":
        args["sort"] = req.sort
    if req.expand and "page" in changes:  # paging keeps an unfolded filter; choosing one not
        args["alle"] = req.expand
    if req.page > 1:
        args["page"] = req.page
    args.update(changes)
    if "page" not in changes or args.get("page") == 1:
        args.pop("page", None)  # a new filter or sort starts at the first page, which has none
    query = [(k, v) for k, v in args.items() if v not in (None, "")]
    # What url_for("search.index", **args) gives (Werkzeug's query encoding: urlencode with
    # these safe characters, arguments in order), the route built once per request: a
    # result page links every facet value (60 links, 5 ms of url_for at 100,000 points).
    base = request.environ.get("consult.search_base")
    if base is None:
        base = request.environ["consult.search_base"] = url_for("search.index")
    return base + ("?" + urlencode(query, safe="!$'()*,/:;?@") if query else "")


def hit_url(hit) -> str:
    """Where a result leads: the point's thread (at the message), a stakeholder's page, or a
    section in its document."""
    if hit.kind == "stakeholder":
        return url_for("stakeholders.show", stakeholder_id=hit.stakeholder.id)
    if hit.section is not None and hit.consultation is not None:  # the section in its document
        return url_for("documents.show", slug=hit.consultation.slug,
                       destination_id=hit.destination.id, _anchor=f"par-{hit.section.anchor}")
    if hit.point is not None and hit.consultation is not None:
        anchor = f"m{hit.message.id}" if hit.message is not None else None
        return url_for(
            "threads.show", slug=hit.consultation.slug, point_id=hit.point.id, _anchor=anchor
        )
    if hit.reaction is not None and hit.consultation is not None:
        return url_for("consultations.reaction", slug=hit.consultation.slug,
                       reaction_id=hit.reaction.id)
    return url_for("search.index")


def _notices(req: search.Request) -> dict:
    """How the query was read, for the notes above the results: ``cut`` is the number of
    characters searched when the query was cut (else 0), ``only_exclusions`` whether it asked
    only to leave words out (its words themselves were searched)."""
    return {"cut": search.query.MAX_QUERY if search.query.clip(request.args.get("q"))[1] else 0,
            "only_exclusions": search.query.only_exclusions(req.text)}


@bp.get("")
def index():
    """Results with facets; htmx asks for just the results block while typing."""
    req = _request()
    page = search.run(get_session(), current_user, req) if (req.text or req.filters) else None
    context = {"req": req, "page": page, "search_url": search_url, "hit_url": hit_url,
               "facet_title": facet_title, "facet_value": facet_value, **_notices(req)}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render_block("search/index.html", "results", **context)
    return render_template("search/index.html", **context)


@bp.get("/snel")
def quick():
    """The header box's drop-down: the first few results as you type."""
    req = _request(size=6)
    page = search.run(get_session(), current_user, req, facets=False) if req.text else None
    return render_block("search/index.html", "quick", req=req, page=page, search_url=search_url,
                        hit_url=hit_url, **_notices(req))
