"""Which points a bulk action works on: a consultation's live points narrowed by filters
(sender, sender kind, status, destination, theme, a search query), all of them or some.

``matching_ids`` gives every matching point id in table order (not one page of them): "select
all" means all that match when the action is taken, so points archived in the meantime drop
out by themselves.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session

from ..cleantext import clean_value
from ..models import (
    Point,
    Reaction,
    ReactionStatus,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseStatus,
    Stakeholder,
    StakeholderKind,
)
from ..processing import destinations_of
from ..tallies import latest_status
from ..themes.models import Theme, ThemePoint
from ..views.inputs import to_id

PAGE_SIZE = 50
OPEN = "open"
STATUSES = (OPEN, *(s.value for s in ResponseStatus if s != ResponseStatus.draft))
# The most points one search may narrow a selection to (a consultation has ~10,000).
SEARCH_LIMIT = 200_000


class SelectionError(ValueError):
    """A selection that cannot be used as asked; the message says why (Dutch)."""


@dataclass
class Filters:
    """The narrowing of a selection, as the page's form sends it (all optional)."""

    stakeholder: int | None = None
    kind: str = ""
    status: str = ""
    destination: int | None = None
    theme: int | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args) -> "Filters":
        """From request args or form data; unknown or malformed values are ignored."""
        def number(name):
            return to_id(args.get(name) or "")
        status, kind = args.get("status") or "", args.get("kind") or ""
        return cls(stakeholder=number("stakeholder"),
                   kind=kind if kind in {k.value for k in StakeholderKind} else "",
                   status=status if status in STATUSES else "",
                   destination=number("destination"), theme=number("theme"),
                   q=" ".join(str(clean_value(args.get("q") or "")).split())[:500])

    def args(self) -> dict[str, str]:
        """The filters as query arguments (empty ones left out), for links and hidden fields."""
        values = {"stakeholder": self.stakeholder, "kind": self.kind, "status": self.status,
                  "destination": self.destination, "theme": self.theme, "q": self.q}
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    @property
    def any(self) -> bool:
        return bool(self.args())


@dataclass
class Row:
    """One listed point: its sender, reaction, status (its latest released answer's, else
    "open") and the titles of its answers' destinations."""

    point: Point
    reaction: Reaction
    sender: Stakeholder
    status: str = OPEN
    destinations: list[str] = field(default_factory=list)


def _sender():
    return sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)


def _live_points(consultation_id: int):
    return (
        sa.select(Point.id)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .where(Reaction.consultation_id == consultation_id, Reaction.archived == sa.false(),
               Reaction.status == ReactionStatus.submitted, Point.archived == sa.false())
    )


def _subtree(session: Session, consultation_id: int, destination_id: int) -> list[int]:
    """The destination and every destination under it."""
    ids, inside = [], None
    for dest, depth in destinations_of(session, consultation_id, archived=True):
        if inside is not None and depth <= inside:
            break
        if dest.id == destination_id:
            inside = depth
        if inside is not None:
            ids.append(dest.id)
    return ids


def _searched(session: Session, user, consultation_id: int, text: str) -> set[int]:
    """Ids of the consultation's points the search index finds for ``text``."""
    from .. import search
    from ..search import query as q

    request = q.Request(text, filters={"kind": "point", "consultation": str(consultation_id)},
                        size=SEARCH_LIMIT)
    scope = search.scope_for(session, user)
    try:
        # Every match, through the backend's own find (the PostgreSQL backend has no Whoosh
        # store to read, and would otherwise rank only the newest matches of a common word).
        found = search.service().find(request, scope, facets=False, every=True)
    except Exception:  # noqa: BLE001 - a missing or broken index: say so, never a 500
        raise SelectionError(_("Search is not available right now; filter without a search "
                               "text or try again in a minute.")) from None
    return {int(k[1:]) for k in found.keys if k[0] in "pP"}


def matching_ids(session: Session, user, consultation_id: int, filters: Filters) -> list[int]:
    """Every live point of the consultation that matches ``filters``, in table order
    (reaction position, point position). Raises SelectionError when search is down."""
    query = _live_points(consultation_id)
    if filters.stakeholder:
        query = query.where(_sender() == filters.stakeholder)
    if filters.kind:
        query = query.join(Stakeholder, Stakeholder.id == _sender()).where(
            Stakeholder.kind == filters.kind)
    if filters.status:
        query = query.where(sa.func.coalesce(latest_status(), OPEN) == filters.status)
    if filters.destination:
        routed = (
            sa.select(ResponsePoint.point_id)
            .join(Response, Response.id == ResponsePoint.response_id)
            .join(ResponseDestination, ResponseDestination.response_id == Response.id)
            .where(Response.archived == sa.false(), ResponseDestination.destination_id.in_(
                _subtree(session, consultation_id, filters.destination)))
        )
        query = query.where(Point.id.in_(routed))
    if filters.theme:
        query = query.where(Point.id.in_(_theme_points(filters.theme, consultation_id)))
    ids = session.execute(query.order_by(Reaction.position, Reaction.id, Point.position,
                                         Point.id)).scalars().all()
    if filters.q:
        found = _searched(session, user, consultation_id, filters.q)
        ids = [i for i in ids if i in found]
    return list(ids)


def _theme_points(theme_id: int, consultation_id: int):
    """The points of a live theme of this consultation (a subquery; a deleted theme keeps
    its links for its undo, and holds no points meanwhile)."""
    return (sa.select(ThemePoint.point_id).join(Theme, Theme.id == ThemePoint.theme_id)
            .where(Theme.id == theme_id, Theme.consultation_id == consultation_id,
                   Theme.archived == sa.false()))


def chosen_ids(session: Session, consultation_id: int, ids: list[int]) -> tuple[list[int], int]:
    """Of the ticked point ids, those still live in this consultation (table order), and how
    many were ticked but are gone (archived or merged since). Raises LookupError when one is
    no point of this consultation at all."""
    wanted = set(ids)
    if not wanted:
        return [], 0
    live, own = [], 0
    for chunk in _chunks(sorted(wanted)):
        live += session.execute(
            _live_points(consultation_id).where(Point.id.in_(chunk))
            .add_columns(Reaction.position, Point.position)).all()
        own += session.execute(
            sa.select(sa.func.count(Point.id)).join(Reaction, Reaction.id == Point.reaction_id)
            .where(Point.id.in_(chunk), Reaction.consultation_id == consultation_id)).scalar_one()
    if own != len(wanted):
        raise LookupError("a point of another consultation")
    live.sort(key=lambda r: (r[1], r[2], r[0]))
    return [r[0] for r in live], len(wanted) - len(live)


def _chunks(ids: list[int], size: int = 900):
    """Id lists short enough for one IN (SQLite allows ~32,000 variables; stay well below)."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def rows(session: Session, point_ids: list[int]) -> list[Row]:
    """The listed points (one page of them) with sender, status and destinations."""
    if not point_ids:
        return []
    found = session.execute(
        sa.select(Point, Reaction, Stakeholder)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == _sender())
        .where(Point.id.in_(point_ids))).all()
    by_id = {p.id: Row(p, r, s) for p, r, s in found}
    links = session.execute(
        sa.select(ResponsePoint.point_id, Response.id, Response.status)
        .join(Response, Response.id == ResponsePoint.response_id)
        .where(ResponsePoint.point_id.in_(point_ids), Response.archived == sa.false())
        .order_by(Response.position, Response.id)).all()
    titles = _destination_titles(session, [r for _p, r, _s in links])
    for point_id, response_id, status in links:
        row = by_id[point_id]
        if status != ResponseStatus.draft:
            row.status = status
        for title in titles.get(response_id, []):
            if title not in row.destinations:
                row.destinations.append(title)
    return [by_id[i] for i in point_ids if i in by_id]


def _destination_titles(session: Session, response_ids: list[int]) -> dict[int, list[str]]:
    from ..models import Destination

    if not response_ids:
        return {}
    titles: dict[int, list[str]] = {}
    for response_id, title in session.execute(
        sa.select(ResponseDestination.response_id, Destination.title)
        .join(Destination, Destination.id == ResponseDestination.destination_id)
        .where(ResponseDestination.response_id.in_(set(response_ids)))
        .order_by(Destination.position, Destination.id)):
        titles.setdefault(response_id, []).append(title)
    return titles
