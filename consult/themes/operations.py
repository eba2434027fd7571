"""Changing themes: create, rename/describe, delete, put points in or take them out, and turn
a suggestion into a theme. Every change is checked against the consultation (a point of
another consultation is refused), audited, and raises the consultation's revision so that open
pages refresh. Operations only flush; the request commits.

Names other packages rely on (stable): ``Theme``, ``ThemePoint``, ``add_points(session, theme,
points, actor=None)`` and ``remove_points(session, theme, points, actor=None)``.
"""

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import audit, revisions
from ..models import AuditEvent, Point, Reaction, User
from .models import Theme, ThemePoint, ThemeSuggestion

MAX_TITLE = 200
MAX_DESCRIPTION = 2000


class ThemeError(ValueError):
    """A change that cannot be made; ``str(error)`` is the message for the secretary."""


def _clean(text: str | None) -> str:
    """One line of typed text: control characters out, spaces collapsed."""
    return " ".join("".join(c for c in (text or "") if c.isprintable() or c in "\t\n").split())


def checked_title(title: str | None) -> str:
    """A theme's title as it will be saved; ThemeError when empty or longer than MAX_TITLE."""
    title = _clean(title)
    if not title:
        raise ThemeError(_("Give the theme a title."))
    if len(title) > MAX_TITLE:
        raise ThemeError(_("A theme title is at most %(n)d characters.", n=MAX_TITLE))
    return title


def checked_description(description: str | None) -> str:
    """A theme's description (line breaks kept); ThemeError when too long."""
    text = "\n".join(_clean(line) for line in (description or "").splitlines()).strip()
    if len(text) > MAX_DESCRIPTION:
        raise ThemeError(_("A theme description is at most %(n)d characters.",
                           n=MAX_DESCRIPTION))
    return text


def create_theme(session: Session, consultation_id: int, title: str, description: str = "",
                 actor: User | None = None) -> Theme:
    """Add a theme at the end of the consultation's board. Raises ThemeError on bad input."""
    last = session.exec(select(sa.func.max(Theme.position)).where(
        Theme.consultation_id == consultation_id, Theme.archived.is_(False))).one()
    theme = Theme(consultation_id=consultation_id, title=checked_title(title),
                  description=checked_description(description), position=(last or 0) + 1)
    session.add(theme)
    session.flush()
    audit.record(session, actor, "created", theme)
    revisions.bump(session, [consultation_id])
    return theme


class ThemeConflict(ThemeError):
    """The theme was renamed or described by someone else since the form was read."""


def seen(theme: Theme) -> str:
    """What a form showed of the theme, as a short token (sha256 of title and description):
    a change made with an older token is refused (ThemeConflict), never written over."""
    return hashlib.sha256(f"{theme.title}\0{theme.description}".encode()).hexdigest()[:32]


def update_theme(session: Session, theme: Theme, title: str, description: str,
                 actor: User | None = None, shown: str | None = None) -> Theme:
    """Rename and/or describe a theme. ``shown``: the form's ``seen`` token. Raises
    ThemeError on bad input, ThemeConflict when the theme changed since the form was read
    (two tabs); nothing changed then."""
    title, description = checked_title(title), checked_description(description)
    if shown is not None and shown != seen(theme):
        raise ThemeConflict(_conflict())
    before = audit.snapshot(theme)
    # Conditional: only while it is still as read, so of two saves at once the second is told.
    changed = session.execute(
        sa.update(Theme).where(Theme.id == theme.id, Theme.title == theme.title,
                               Theme.description == theme.description)
        .values(title=title, description=description).returning(Theme.id)).first()
    if changed is None:
        raise ThemeConflict(_conflict())
    session.refresh(theme)
    audit.record(session, actor, "changed", theme, before)
    revisions.bump(session, [theme.consultation_id])
    return theme


def made(suggestion: ThemeSuggestion) -> str:
    """A token of one computed suggestion (when it was made and its points): a form read
    before the themes were suggested again carries another one, even where SQLite gave the
    new suggestion the same id."""
    return hashlib.sha256(f"{suggestion.created_at}\0{suggestion.point_ids}".encode()
                          ).hexdigest()[:32]


def _conflict() -> str:
    return _("Someone else changed this theme in the meantime, so nothing was saved. Your "
             "text is still in the form, with their version above it: save again to replace "
             "theirs.")


def delete_theme(session: Session, theme: Theme, actor: User | None = None) -> None:
    """Archive a theme: it leaves the board, the bulk filters and the table per theme, and its
    points show as they are elsewhere. Its point links are kept (the answers given to its
    points are the points' own and stay too), so restore_theme brings it back whole."""
    audit.change(session, actor, "archived", theme, {"point_ids": point_ids(session, theme)},
                 archived=True)
    revisions.bump(session, [theme.consultation_id])


def restore_theme(session: Session, theme: Theme, actor: User | None = None) -> bool:
    """Bring an archived theme back in its place on the board, with the points it held
    (those archived meanwhile stay out of sight, as everywhere). Returns whether it was
    archived (False: a repeat, nothing changed)."""
    if not theme.archived:
        return False
    audit.change(session, actor, "restored", theme, archived=False)
    revisions.bump(session, [theme.consultation_id])
    return True


def point_ids(session: Session, theme: Theme) -> list[int]:
    """The ids of the points in a theme, in the order they were added."""
    return list(session.exec(select(ThemePoint.point_id).where(ThemePoint.theme_id == theme.id)
                             .order_by(ThemePoint.added_at, ThemePoint.point_id)))


def _own_points(session: Session, consultation_id: int, points: Iterable[Point | int]) -> set[int]:
    """The ids of ``points`` (objects or ids), checked to be live points of the consultation.
    Raises ThemeError naming how many are not."""
    ids = {p if isinstance(p, int) else p.id for p in points}
    if not ids:
        return set()
    found = set(session.exec(
        select(Point.id).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Point.id.in_(ids), Point.archived.is_(False), Reaction.archived.is_(False),
               Reaction.consultation_id == consultation_id)))
    if found != ids:
        raise ThemeError(_("%(n)d of the chosen points do not belong to this consultation "
                           "or were archived.", n=len(ids - found)))
    return ids


def is_own_point(session: Session, consultation_id: int, point_id: int) -> bool:
    """Whether ``point_id`` is a live point of a live reaction of the consultation."""
    try:
        return bool(_own_points(session, consultation_id, [point_id]))
    except ThemeError:
        return False


def _log_points(session: Session, actor: User | None, action: str, theme: Theme,
                ids: set[int]) -> None:
    """One audit event on the theme naming the points put in or taken out."""
    session.add(AuditEvent(user_id=getattr(actor, "id", None), action=action, entity="theme",
                           entity_id=theme.id, after={"point_ids": sorted(ids)}))


def add_points(session: Session, theme: Theme, points: Iterable[Point | int],
               actor: User | None = None) -> int:
    """Put points (Point objects or ids) into a theme; those already in it are left alone.
    Returns how many were added. Raises ThemeError when a point is not a live point of the
    theme's consultation (then nothing is added)."""
    ids = _own_points(session, theme.consultation_id, points)
    present = set(session.exec(select(ThemePoint.point_id).where(
        ThemePoint.theme_id == theme.id, ThemePoint.point_id.in_(ids)))) if ids else set()
    new = ids - present
    for point_id in sorted(new):
        session.add(ThemePoint(theme_id=theme.id, point_id=point_id))
    if new:
        session.flush()
        _log_points(session, actor, "points_added", theme, new)
        revisions.bump(session, [theme.consultation_id])
    return len(new)


def remove_points(session: Session, theme: Theme, points: Iterable[Point | int],
                  actor: User | None = None) -> int:
    """Take points (objects or ids) out of a theme; returns how many were in it."""
    ids = {p if isinstance(p, int) else p.id for p in points}
    present = set(session.exec(select(ThemePoint.point_id).where(
        ThemePoint.theme_id == theme.id, ThemePoint.point_id.in_(ids)))) if ids else set()
    if present:
        session.exec(sa.delete(ThemePoint).where(ThemePoint.theme_id == theme.id,
                                                 ThemePoint.point_id.in_(present)))
        session.flush()
        _log_points(session, actor, "points_removed", theme, present)
        revisions.bump(session, [theme.consultation_id])
    return len(present)


def themes_of_point(session: Session, consultation_id: int, point_id: int) -> list[int]:
    """The ids of the live themes of the consultation that hold the point."""
    return list(session.exec(select(ThemePoint.theme_id).join(
        Theme, Theme.id == ThemePoint.theme_id).where(
        ThemePoint.point_id == point_id, Theme.consultation_id == consultation_id,
        Theme.archived.is_(False))))


def themes(session: Session, consultation_id: int) -> list[Theme]:
    """The consultation's live themes in board order."""
    return list(session.exec(select(Theme).where(
        Theme.consultation_id == consultation_id, Theme.archived.is_(False))
        .order_by(Theme.position, Theme.id)))


def theme_of(session: Session, consultation_id: int, theme_id: int) -> Theme | None:
    """A live theme of this consultation by id (None when missing, archived or elsewhere)."""
    theme = session.get(Theme, theme_id)
    if theme is None or theme.archived or theme.consultation_id != consultation_id:
        return None
    return theme


# --- suggestions ---------------------------------------------------------------------------


def replace_suggestions(session: Session, consultation_id: int,
                        groups: list[tuple[str, list[int]]]) -> list[ThemeSuggestion]:
    """Store freshly computed suggestions (label, point ids), replacing the earlier ones."""
    session.exec(sa.delete(ThemeSuggestion).where(
        ThemeSuggestion.consultation_id == consultation_id))
    rows = [ThemeSuggestion(consultation_id=consultation_id, label=label[:MAX_TITLE],
                            point_ids=list(ids), position=n)
            for n, (label, ids) in enumerate(groups, start=1)]
    session.add_all(rows)
    session.flush()
    return rows


def suggestions(session: Session, consultation_id: int) -> list[ThemeSuggestion]:
    """The stored suggestions of a consultation in board order."""
    return list(session.exec(select(ThemeSuggestion).where(
        ThemeSuggestion.consultation_id == consultation_id)
        .order_by(ThemeSuggestion.position, ThemeSuggestion.id)))


def rename_suggestion(session: Session, suggestion: ThemeSuggestion, label: str) -> None:
    """Give a suggestion another name. Raises ThemeError on bad input."""
    suggestion.label = checked_title(label)
    session.add(suggestion)
    session.flush()


def merge_suggestions(session: Session, into: ThemeSuggestion, other: ThemeSuggestion) -> None:
    """Put the points of ``other`` into ``into`` (order kept, no doubles) and drop ``other``."""
    if into.id == other.id or into.consultation_id != other.consultation_id:
        raise ThemeError(_("Choose another suggestion to merge with."))
    into.point_ids = list(dict.fromkeys([*into.point_ids, *other.point_ids]))
    session.add(into)
    session.delete(other)
    session.flush()


def drop_suggestion(session: Session, suggestion: ThemeSuggestion) -> None:
    """Forget a suggestion."""
    session.delete(suggestion)
    session.flush()


def accept_suggestion(session: Session, suggestion: ThemeSuggestion,
                      actor: User | None = None) -> Theme:
    """Make a theme of a suggestion (its label as title, its live points) and drop it."""
    theme = create_theme(session, suggestion.consultation_id, suggestion.label, actor=actor)
    # archived since the suggestion was made, alone or with their letter: left out (they
    # made "2 van de gekozen punten horen niet bij deze consultatie", the attack)
    live = set(session.exec(select(Point.id).join(Reaction, Reaction.id == Point.reaction_id)
                            .where(Point.id.in_(suggestion.point_ids or [-1]),
                                   Point.archived.is_(False), Reaction.archived.is_(False))))
    add_points(session, theme, [i for i in suggestion.point_ids if i in live], actor)
    drop_suggestion(session, suggestion)
    return theme
