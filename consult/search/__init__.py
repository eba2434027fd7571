"""Full-text search: an adapter around a Whoosh index that follows the database.

The rest of the app uses only this module: ``run()`` for a page of results, ``similar_points()``
for a point's look-alikes, ``service()`` for the index itself (outbox, rebuild, status).
"""

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm
from flask import Flask, current_app
from sqlmodel import Session

from .. import access, richtext
from ..answergroups import number_list
from ..documents.models import DocumentSection, DocumentVersion
from ..models import (
    Consultation,
    Destination,
    Message,
    Point,
    Reaction,
    Response,
    ResponsePoint,
    Stakeholder,
)
from . import query as q
from .analysis import index_terms
from .query import Request
from .service import SearchService
from .store import IndexUnavailable

__all__ = ["Request", "init_app", "run", "service", "similar_points"]


BACKENDS = ("whoosh", "postgres")


def init_app(app: Flask) -> None:
    """The search service of the configured backend (SEARCH_BACKEND: "whoosh", the default,
    or "postgres"). Raises pgsearch.UnsupportedDatabase for "postgres" on another database,
    owner.NotOwner for a Whoosh index another machine owns, and ValueError for an unknown
    backend: the app does not start."""
    backend = app.config.get("SEARCH_BACKEND") or "whoosh"
    engine = app.extensions["consult.engine"]
    mode = app.config.get("SEARCH_MODE", "thread")
    if backend not in BACKENDS:
        raise ValueError(f"CONSULT_SEARCH_BACKEND={backend!r}: use one of {', '.join(BACKENDS)}")
    if backend == "postgres":
        from .pgsearch import PgSearchService

        search = PgSearchService(engine, mode=mode,
                                 count_limit=int(app.config.get("SEARCH_COUNT_LIMIT") or 0))
    else:
        from . import owner

        root = Path(app.config.get("SEARCH_PATH") or Path(app.instance_path) / "search")
        # A server claims the index; the flask command (migrations, accounts, a backup run
        # from a deploy container or an admin's shell) serves nobody, so it claims nothing:
        # it would otherwise name itself the owner and lock out the real server.
        if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
            owner.claim(engine, root, take_over=bool(app.config.get("SEARCH_TAKE_OVER")))
        search = SearchService(engine, root, mode=mode)
    app.extensions["consult.search"] = search

    @app.before_request
    def _worker():
        search.ensure_worker()


def service(app: Flask | None = None) -> SearchService:
    """The app's search service (service.SearchService, or pgsearch.PgSearchService: the same
    interface)."""
    return (app or current_app).extensions["consult.search"]


def scope_for(session: Session, user, consultations: list | None = None) -> q.Scope:
    """Which consultations this user may not see, and where their internal notes are hidden.
    ``consultations``: every consultation, when the caller has read them already."""
    hidden, no_internal = set(), set()
    if consultations is None:
        consultations = list(session.execute(sa.select(Consultation)).scalars())
    for consultation in consultations:
        if not access.can_view(user, consultation):
            hidden.add(consultation.id)
        elif not access.can_see_internal(user, consultation):
            no_internal.add(consultation.id)
    everywhere = not any(access.can_see_internal(user, c) for c in consultations)
    readable = [c for c in consultations if c.id not in hidden]
    return q.Scope(frozenset(hidden), None if everywhere else frozenset(no_internal),
                   public=access.is_public(user),
                   stakeholders=access.known_stakeholders(user, readable))


EVERYTHING = q.Scope(frozenset(), frozenset())


@dataclass
class Hit:
    kind: str
    key: str
    consultation: Consultation | None
    stakeholder: Stakeholder | None
    reaction: Reaction | None = None
    point: Point | None = None
    number: str | None = None  # an answer's: its points', "1-3 en 5"
    count: int = 1  # the points that number names
    status: str | None = None
    destinations: list[str] = field(default_factory=list)
    snippet: list[tuple[str, bool]] = field(default_factory=list)
    text: str = ""
    message: Message | None = None
    response: Response | None = None
    score: float = 0.0
    # a section of a destination's document: it, its destination, and the points landed in it
    section: DocumentSection | None = None
    destination: Destination | None = None
    landed: list = field(default_factory=list)  # documents.operations.LandedPoint

    @property
    def snippet_text(self) -> str:
        return "".join(piece for piece, _ in self.snippet)


@dataclass
class Facet:
    name: str
    values: list[tuple[str, str | None, int]]  # (value, name or None for a code, count)
    selected: str | None = None
    more: int = 0  # values left out (the page offers them all: Request.expand)


@dataclass
class Page:
    request: Request
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    page: int = 1
    pages: int = 0
    unavailable: bool = False  # the index is missing or damaged and being rebuilt
    failed: bool = False  # this query could not be run (the index is fine)
    capped: bool = False  # total, facets and order are those of the newest matches only

    @property
    def groups(self) -> list[tuple[Consultation | None, list[Hit]]]:
        """The hits grouped by consultation, groups in order of their best hit."""
        order: dict[int | None, list[Hit]] = {}
        for hit in self.hits:
            order.setdefault(hit.consultation.id if hit.consultation else None, []).append(hit)
        return [(hits[0].consultation, hits) for hits in order.values()]


def run(session: Session, user, request: Request, scope: q.Scope | None = None,
        facets: bool = True) -> Page:
    """A page of search results for this user (the web page and the CLI both come here).
    ``facets=False``: without facet counts (the header's drop-down shows none).

    A missing or damaged index (store.DAMAGE) starts a rebuild and gives a page marked
    ``unavailable``; any other failure of the query is logged and gives a page marked
    ``failed``, without a rebuild (one cheap request must not keep a core rebuilding)."""
    # Every consultation, read once: the reader's scope, the hits' and the facets' titles.
    # Held here for the request (the session's identity map holds its objects weakly).
    consultations = list(session.execute(sa.select(Consultation)).scalars())
    known = {c.id: c for c in consultations}
    scope = scope if scope is not None else scope_for(session, user, consultations)
    search = service()
    try:
        found = search.find(request, scope, facets=facets)
    except (IndexUnavailable, FileNotFoundError) as exc:  # missing or damaged: rebuild it
        current_app.logger.warning("search index unusable (%s); rebuilding it", exc)
        search.request_rebuild()
        return Page(request, unavailable=True)
    except Exception:  # noqa: BLE001 - a mistake in the query code: rebuilding cures nothing
        current_app.logger.exception("search failed for %r", request.text)
        return Page(request, failed=True)
    hits = _hits(session, found.keys, found.query, known)
    for hit, score in zip(hits, found.scores, strict=False):
        hit.score = score
    return Page(
        request,
        total=found.total,
        hits=[h for h in hits if h is not None],
        facets=_facets(session, found.facets, request, known) if facets else [],
        page=found.page,
        pages=found.pages if found.total else 0,
        capped=found.capped,
    )


def _hits(session: Session, keys: list[str], user_q,
          consultations: dict[int, Consultation] | None = None) -> list[Hit]:
    """The hits of these index keys ("p12", "m3", "r7", "s4", "d9"), in their order, read in a
    few queries; keys whose rows are gone are left out. ``consultations``: {id: Consultation}
    when the caller holds them (else read here)."""
    ids: dict[str, list[int]] = defaultdict(list)
    for k in keys:
        ids[k[0]].append(int(k[1:]))
    messages = _by_id(session, Message, ids["m"])
    responses = _by_id(session, Response, ids["r"])
    first_point: dict[int, int] = {}
    answered: dict[int, list[str]] = defaultdict(list)  # an answer's point numbers, in order
    if ids["r"]:
        for rid, pid, number in session.execute(
            sa.select(ResponsePoint.response_id, Point.id, Point.number)
            .join(Point, Point.id == ResponsePoint.point_id)
            .where(ResponsePoint.response_id.in_(ids["r"]))
            .order_by(ResponsePoint.response_id, Point.reaction_id, Point.position, Point.id)
        ):
            first_point.setdefault(rid, pid)
            answered[rid].append(number)
    point_ids = set(ids["p"]) | {m.point_id for m in messages.values()} | set(first_point.values())
    points, reactions, stakeholders = _points_with_senders(session, point_ids)
    # An answer without points, a stakeholder hit: what the join above did not bring.
    reactions.update(_by_id(
        session, Reaction,
        {r.reaction_id for r in responses.values() if r.reaction_id} - set(reactions),
        *_REACTION_HEAD))
    pointless = {r.reaction_id for r in responses.values() if r.id not in first_point}
    stakeholders.update(_by_id(
        session, Stakeholder,
        (set(ids["s"]) | {reactions[i].stakeholder_id for i in pointless if i in reactions})
        - set(stakeholders)))
    sections = _section_hits(session, ids["d"], user_q)
    wanted = {r.consultation_id for r in reactions.values()} | {
        r.consultation_id for r in responses.values()}
    if consultations is None or not wanted <= consultations.keys():
        consultations = _by_id(session, Consultation, wanted)
    state = _point_state(session, point_ids)
    paths = _paths_by_consultation(
        _destinations_up(session, {d for _s, dest in state.values() for d in dest}))

    def point_hit(kind, key, point, text):
        reaction = reactions.get(point.reaction_id)
        consultation = consultations.get(reaction.consultation_id) if reaction else None
        status, dest = state.get(point.id, ("open", []))
        return Hit(
            kind=kind,
            key=key,
            consultation=consultation,
            stakeholder=stakeholders.get(point.stakeholder_id or reaction.stakeholder_id),
            reaction=reaction,
            point=point,
            number=point.number,
            status=status,
            destinations=[paths.get(consultation.id, {}).get(d, "") for d in dest]
            if consultation
            else [],
            snippet=q.snippet(text, user_q),
            text=text,
        )

    out: list[Hit] = []
    for k in keys:
        letter, number = k[0], int(k[1:])
        if letter == "p" and number in points:
            p = points[number]
            out.append(point_hit("point", k, p, f"{p.heading + ': ' if p.heading else ''}"
                                                   f"{_plain(p.body)}"))
        elif letter == "m" and number in messages and messages[number].point_id in points:
            m = messages[number]
            hit = point_hit("message", k, points[m.point_id], _plain(m.body))
            hit.message = m
            out.append(hit)
        elif letter == "r" and number in responses:
            r = responses[number]
            point, text = points.get(first_point.get(r.id)), _plain(r.body)
            if point is not None:
                hit = point_hit("response", k, point, text)
                hit.status = r.status
                # "punten 1-3", not the first point's number (the trial saw "punt 1")
                hit.number, hit.count = number_list(answered[r.id]), len(answered[r.id])
            else:
                reaction = reactions.get(r.reaction_id)
                hit = Hit(
                    kind="response",
                    key=k,
                    consultation=consultations.get(r.consultation_id),
                    stakeholder=stakeholders.get(reaction.stakeholder_id) if reaction else None,
                    reaction=reaction,
                    status=r.status,
                    snippet=q.snippet(text, user_q),
                    text=text,
                )
            hit.response = r
            out.append(hit)
        elif letter == "s" and number in stakeholders:
            s = stakeholders[number]
            snippet = q.snippet(s.name, user_q)
            out.append(Hit("stakeholder", k, None, s, snippet=snippet, text=s.name))
        elif letter == "d" and number in sections:
            out.append(sections[number])
    return out


def _section_hits(session: Session, ids: list[int], user_q) -> dict[int, Hit]:
    """Hits for document sections: the section, its destination and consultation, its text
    as the snippet, and the live points landed in it (documents.operations.landed_in)."""
    from ..documents.operations import landed_in

    if not ids:
        return {}
    rows = session.execute(
        sa.select(DocumentSection, DocumentVersion.destination_id,
                  sa.func.substr(DocumentVersion.text, DocumentSection.start + 1,
                                 DocumentSection.end - DocumentSection.start))
        .join(DocumentVersion, DocumentVersion.id == DocumentSection.version_id)
        .where(DocumentSection.id.in_(ids))
    ).all()
    destinations = _by_id(session, Destination, {r[1] for r in rows})
    consultations = _by_id(session, Consultation,
                           {d.consultation_id for d in destinations.values()})
    landed = {d: landed_in(session, d) for d in destinations}
    out = {}
    for section, destination_id, text in rows:
        destination = destinations[destination_id]
        out[section.id] = Hit(
            "section", f"d{section.id}", consultations.get(destination.consultation_id), None,
            snippet=q.snippet(text[:q.SNIPPET_SCAN], user_q), text=text[:q.SNIPPET_SCAN],
            section=section, destination=destination,
            landed=landed[destination_id].get(section.anchor, []))
    return out


def _plain(body: str) -> str:
    """A point's, message's or answer's Markdown as its snippet reads it: plain text with its
    lines (sub-items a./b. each on a line: .snippet keeps them), the HTML a user typed kept
    as literal text (consult.richtext.excerpt), as far as a snippet looks
    (query.SNIPPET_SCAN)."""
    return richtext.excerpt(body, q.SNIPPET_SCAN)


def _by_id(session: Session, model, ids, *options) -> dict:
    """{id: object} of these ids, read in one query."""
    ids = sorted(set(i for i in ids if i is not None))
    if not ids:
        return {}
    query = sa.select(model).where(model.id.in_(ids)).options(*options)
    return {o.id: o for o in session.execute(query).scalars()}


# A reaction's letter as received (original_text) can be pages long: a hit needs its id,
# stakeholder and consultation only (read on access should a template ever need it).
_REACTION_HEAD = (sa.orm.defer(Reaction.original_text), sa.orm.defer(Reaction.draft_points))


def _points_with_senders(session: Session, point_ids) -> tuple[dict, dict, dict]:
    """({id: Point}, {id: Reaction}, {id: Stakeholder}) of these points, their reactions and
    senders (the point's own stakeholder in a joint letter, else the reaction's) in one
    query: a result page's twenty hits cost one round trip, not three."""
    ids = sorted(set(point_ids))
    if not ids:
        return {}, {}, {}
    sender = sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)
    rows = session.execute(
        sa.select(Point, Reaction, Stakeholder)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .outerjoin(Stakeholder, Stakeholder.id == sender)
        .where(Point.id.in_(ids))
        .options(*_REACTION_HEAD)
    ).all()
    points, reactions, stakeholders = {}, {}, {}
    for point, reaction, stakeholder in rows:
        points[point.id] = point
        reactions[reaction.id] = reaction
        if stakeholder is not None:
            stakeholders[stakeholder.id] = stakeholder
    return points, reactions, stakeholders


def _point_state(session: Session, point_ids) -> dict[int, tuple[str, list[int]]]:
    from .documents import _Answers

    if not point_ids:
        return {}
    answers = _Answers(session, sorted(point_ids))
    return {pid: answers.of(pid) for pid in point_ids}


FACET_ORDER = ("kind", "consultation", "stakeholder", "skind", "channel", "destination",
               "status", "year")
FACET_VALUES_SHOWN = 12
FACET_VALUES_ALL = 500  # a facet the reader unfolded ("all 140"): names looked up for these


def _facets(session: Session, counts: dict, request: Request,
            consultations: dict[int, Consultation] | None = None) -> list[Facet]:
    """The facets with their most frequent values (and the chosen one): FACET_VALUES_SHOWN
    of each, FACET_VALUES_ALL of the one the reader unfolded (``request.expand``), with how
    many are left out; names looked up only for what is shown (``consultations``: {id:
    Consultation} when the caller holds them)."""
    shown: dict[str, list[tuple[str, int]]] = {}
    more: dict[str, int] = {}
    for name in FACET_ORDER:
        values = counts.get(name, {})
        if name == "year":
            rows = sorted(values.items(), reverse=True)
        else:
            rows = sorted(values.items(), key=lambda r: (-r[1], r[0]))
        top = rows[:FACET_VALUES_ALL if request.expand == name else FACET_VALUES_SHOWN]
        chosen = request.filters.get(name)
        if chosen and chosen not in {v for v, _n in top} and chosen in values:
            top.append((chosen, values[chosen]))
        shown[name] = top
        more[name] = len(values) - len(top)
    names = {
        "consultation": {str(i): c.title for i, c in (consultations or _by_id(
            session, Consultation, [int(v) for v, _n in shown["consultation"] if v.isdigit()]
        )).items()},
        "stakeholder": _names(session, Stakeholder.id, Stakeholder.name, shown["stakeholder"]),
        "destination": _destination_names(session, [int(v) for v, _n in shown["destination"]]),
    }
    facets = []
    for name in FACET_ORDER:
        # Enum codes get their label in the template (it knows the reader's language).
        rows = [
            (value, names[name].get(value, value) if name in names else None, n)
            for value, n in shown[name]
        ]
        facets.append(Facet(name, rows, request.filters.get(name), more[name]))
    return facets


def _names(session: Session, id_column, name_column, rows) -> dict[str, str]:
    ids = [int(v) for v, _n in rows if v.isdigit()]
    if not ids:
        return {}
    query = sa.select(id_column, name_column).where(id_column.in_(ids))
    return {str(i): n for i, n in session.execute(query)}


def _destination_names(session: Session, ids) -> dict[str, str]:
    """Full paths ("Inkoopplan 2017 › Sturing en monitoring") of these destinations, keyed by
    the id as text."""
    from ..processing import destination_path

    by_id = _destinations_up(session, ids)
    return {str(i): destination_path(by_id[i], by_id) for i in sorted(set(ids)) if i in by_id}


def _destinations_up(session: Session, ids) -> dict[int, Destination]:
    """{id: Destination} of these destinations and all their ancestors, in one recursive
    query (a result page's hits name a few destinations; their consultations hold hundreds)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    up = (sa.select(Destination.id, Destination.parent_id)
          .where(Destination.id.in_(wanted)).cte("up", recursive=True))
    up = up.union(sa.select(Destination.id, Destination.parent_id)
                  .join(up, Destination.id == up.c.parent_id))
    return {d.id: d for d in session.execute(
        sa.select(Destination).where(Destination.id.in_(sa.select(up.c.id)))).scalars()}


def _paths_by_consultation(by_id: dict[int, Destination]) -> dict[int, dict[int, str]]:
    """{consultation id: {destination id: full path}}, each path only through destinations of
    its own consultation (as processing.destination_paths_of gives them)."""
    from ..processing import destination_path

    groups: dict[int, dict[int, Destination]] = defaultdict(dict)
    for i, d in by_id.items():
        groups[d.consultation_id][i] = d
    return {cid: {i: destination_path(d, group) for i, d in group.items()}
            for cid, group in groups.items()}


def similar_points(session: Session, user, point: Point, limit: int = 5):
    """[(Hit, shared words)] for the points most like this one, across consultations; its
    heading is context, not content (query.similar)."""
    scope = scope_for(session, user)
    text = point.body
    try:
        # more than shown: those sharing only heading words are dropped below
        found, terms = service().similar(text, f"p{point.id}", scope, limit * 2,
                                         context=point.heading or "")
    except (IndexUnavailable, FileNotFoundError):
        return []  # being rebuilt (run() starts that): the page says nothing rather than wrong
    except Exception:  # noqa: BLE001 - similar points are a bonus: never break the thread page
        current_app.logger.exception("similar points failed")
        return []
    hits = _hits(session, [k for k, _s, _t in found], None)
    by_key = {h.key: h for h in hits}
    out = []
    for k, _score, shared in found:
        hit = by_key.get(k)
        if hit is None:
            continue
        # The index reads a point with its heading; shared words must be in its own text.
        own, _length = index_terms(hit.point.body)
        shared = [t for t in shared if t in own]
        if len(shared) < q.shared_needed(terms):
            continue
        hit.snippet = q.snippet(hit.text, _terms_query(shared))
        out.append((hit, q.surface_words(text, shared)[:6]))
        if len(out) == limit:
            break
    return out


def _terms_query(terms: list[str]):
    from whoosh import query as wq

    return wq.Or([wq.Term("body", t) for t in terms]) if terms else wq.NullQuery
