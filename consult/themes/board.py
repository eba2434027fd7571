"""What the theme board shows: the themes with their points grouped by sender, counts per
stakeholder kind and status, the points without a theme, the stored suggestions, and groups of
near-identical points. Reading only; a few queries for the whole consultation."""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from .. import revisions
from ..models import Consultation, Point, Reaction, Stakeholder
from ..tallies import latest_status
from . import alike, operations
from .models import Theme, ThemePoint, ThemeSuggestion
from .suggest import Item


@dataclass(frozen=True)
class BoardPoint:
    """One point as the board lists it; ``status`` is its latest released answer's status,
    or "open"."""

    id: int
    reaction_id: int
    number: str
    heading: str
    body: str
    sender: str
    kind: str
    status: str
    sender_id: int = 0


@dataclass
class Group:
    """A theme (or the points without one, or a suggestion) on the board."""

    points: list[BoardPoint]
    theme: Theme | None = None
    suggestion: ThemeSuggestion | None = None

    @property
    def by_sender(self) -> list[tuple[str, list[BoardPoint]]]:
        """The points grouped by sender, senders in board order."""
        out: dict[str, list[BoardPoint]] = {}
        for p in self.points:
            out.setdefault(p.sender, []).append(p)
        return list(out.items())

    @property
    def kinds(self) -> list[tuple[str, int]]:
        """How many points per stakeholder kind, most first."""
        return Counter(p.kind for p in self.points).most_common()

    @property
    def statuses(self) -> list[tuple[str, int]]:
        """How many points per status, most first."""
        return Counter(p.status for p in self.points).most_common()


@dataclass
class Board:
    """The whole board of one consultation."""

    themes: list[Group]
    unthemed: Group
    suggestions: list[Group] = field(default_factory=list)
    alike: list[list[BoardPoint]] = field(default_factory=list)
    letters: list[list[BoardPoint]] = field(default_factory=list)  # form letters: 1st points
    theme_titles: dict[int, list[str]] = field(default_factory=dict)  # point id -> its themes


def points(session: Session, consultation_id: int, only: int | None = None,
           theme_id: int | None = None) -> list[BoardPoint]:
    """The consultation's live points in board order (reaction, then position); ``only``: just
    the point with that id (an empty list when it is not a live point of the consultation);
    ``theme_id``: just the points in that theme."""
    own = aliased(Stakeholder)
    query = (
        select(Point.id, Point.reaction_id, Point.number, Point.heading, Point.body,
               sa.func.coalesce(own.name, Stakeholder.name),
               sa.func.coalesce(own.kind, Stakeholder.kind), latest_status(),
               sa.func.coalesce(own.id, Stakeholder.id))
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .outerjoin(own, own.id == Point.stakeholder_id)
        .where(Reaction.consultation_id == consultation_id, Reaction.archived.is_(False),
               Reaction.status == "submitted", Point.archived.is_(False))
        .order_by(Point.reaction_id, Point.position, Point.id))
    if only is not None:
        query = query.where(Point.id == only)
    if theme_id is not None:
        query = query.join(ThemePoint, ThemePoint.point_id == Point.id).where(
            ThemePoint.theme_id == theme_id)
    rows = session.exec(query)
    return [BoardPoint(pid, rid, number, heading or "", body, sender, kind, status or "open",
                       sender_id)
            for pid, rid, number, heading, body, sender, kind, status, sender_id in rows]


def _alike_ids(consultation: Consultation,
               found: list[BoardPoint]) -> tuple[list[list[int]], list[list[int]]]:
    """Ids of near-identical point groups and of form letters (each letter by its first
    point), kept per figures revision (consult.revisions.memo):
    comparing every point with every other costs, and changes only with the points."""
    def compute() -> tuple[list[list[int]], list[list[int]]]:
        items = [Item(p.id, p.reaction_id, p.sender, p.number, p.heading, p.body) for p in found]
        return ([[i.id for i in g.items] for g in alike.alike_points(items)],
                [[i.id for i in g.items] for g in alike.form_letters(items)])

    return revisions.memo(consultation, "themes.alike", compute)


def theme_group(session: Session, consultation: Consultation, theme: Theme) -> Group:
    """One theme as the board shows it (its points in board order), reading only its points:
    the answer page of a theme of 40 points in a 10,000-point consultation read them all."""
    return Group(points(session, consultation.id, theme_id=theme.id), theme=theme)


def board(session: Session, consultation: Consultation, suggestions: bool = True) -> Board:
    """The board of a consultation (``suggestions``: with the stored suggestions, the
    secretariat's)."""
    found = points(session, consultation.id)
    by_id = {p.id: p for p in found}
    themes = operations.themes(session, consultation.id)
    links = session.exec(select(ThemePoint).where(
        ThemePoint.theme_id.in_([t.id for t in themes] or [-1]))).all()
    held: dict[int, set[int]] = {}
    titles: dict[int, list[str]] = {}
    title_of = {t.id: t.title for t in themes}
    for link in links:
        held.setdefault(link.theme_id, set()).add(link.point_id)
        titles.setdefault(link.point_id, []).append(title_of[link.theme_id])
    groups = [Group([p for p in found if p.id in held.get(t.id, ())], theme=t) for t in themes]
    unthemed = Group([p for p in found if p.id not in titles])
    out = Board(groups, unthemed, theme_titles=titles)
    if suggestions:
        for s in operations.suggestions(session, consultation.id):
            chosen = set(s.point_ids)
            out.suggestions.append(Group([p for p in found if p.id in chosen], suggestion=s))
    points_alike, letters = _alike_ids(consultation, found)
    out.alike = [[by_id[i] for i in ids if i in by_id] for ids in points_alike]
    out.letters = [[by_id[i] for i in ids if i in by_id] for ids in letters]
    return out
