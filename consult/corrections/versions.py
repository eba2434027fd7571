"""A point's versions: every saved wording kept, and stale edits refused.

A point is ``Versioned`` (consult.models): every ORM update of it carries ``WHERE version =
<the version this session read>``, so two people saving the same version cannot both win. The
application bumps the version for each change of content (number, heading, text, sender,
reaction); archiving alone does not.
"""

import time
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from .. import audit
from ..models import Point, Reaction, Stakeholder, User, utcnow
from ..text import plain_html, render_markdown
from .models import PointVersion

# Fields of a point that are not part of its wording: left out of a version's state.
_NOT_STATE = {"id", "version", "created_at", "updated_at", "body_html"}  # HTML: made again


class CorrectionError(ValueError):
    """A correction that cannot be made as asked; the message says why, in the user's
    language. Nothing of the request is kept."""


class PointConflict(CorrectionError):
    """Someone else saved the point after the form was opened (or at the same moment)."""

    def __init__(self, point: Point):
        super().__init__()
        self.point = point

    def __str__(self) -> str:
        # Read when shown: the caller rolls back and refreshes ``point`` first, so the message
        # names the version that is saved now.
        return _("Someone else changed this point in the meantime (now version %(v)s). "
                 "Your text is kept below; compare and save again.", v=self.point.version)


class NumberTaken(CorrectionError):
    """The number is used by another point of the reaction; ``proposal`` is a free one."""

    def __init__(self, message: str, proposal: str | None = None):
        super().__init__(message)
        self.proposal = proposal


def state(point: Point) -> dict:
    """The point's own fields as JSON-safe values, without id, version and timestamps (any
    column added to Point later is kept too)."""
    return {k: v for k, v in audit.snapshot(point).items() if k not in _NOT_STATE}


def expect(point: Point, expected_version: int) -> None:
    """Refuse a correction that started from another version than the one saved now."""
    if point.version != expected_version:
        raise PointConflict(point)


@dataclass
class Before:
    """A point as it was before a change: its version, its state, its audit snapshot."""

    point: Point
    version: int
    state: dict
    audit: dict


def before(point: Point) -> Before:
    """Remember the point as it is, before anything of it is changed."""
    return Before(point, point.version, state(point), audit.snapshot(point))


def keep(session: Session, point: Point, action: str, author: User | None) -> PointVersion:
    """Store the point's current state as its current version."""
    version = PointVersion(point_id=point.id, version=point.version, action=action,
                           state=state(point), author_id=author.id if author else None)
    session.add(version)
    return version


def save(session: Session, author: User | None, action: str, *changed: Before) -> None:
    """Write changed points, each as its next version, made by ``action``: first ``UPDATE ...
    WHERE version = <read>`` (before anything else of the change is written), then the
    versions: the state before, if it was never kept (a point's wording as logged is stored
    at its first correction), and the new state.

    Raises PointConflict when another transaction saved one of the points first (the second
    of two saves at the same moment waits for the first, then finds no such row),
    NumberTaken when another point of the reaction took the number at the same moment."""
    number = changed[0].point.number  # read now: after a failed flush the row cannot be read
    for b in changed:
        b.point.version = b.version + 1
        b.point.updated_at = utcnow()
        session.add(b.point)
    try:
        session.flush()
    except StaleDataError:
        raise PointConflict(changed[0].point) from None
    except IntegrityError:
        raise NumberTaken(_("Number %(n)s was just given to another point of this reaction. "
                            "Choose another number.", n=number)) from None
    for b in changed:
        kept = session.exec(select(PointVersion.id).where(
            PointVersion.point_id == b.point.id, PointVersion.version == b.version)).first()
        if kept is None:
            session.add(PointVersion(point_id=b.point.id, version=b.version, action="logged",
                                     state=b.state, created_at=b.point.created_at))
        keep(session, b.point, action, author)


# Seconds of CPU for the Markdown of all earlier wordings on one versions page together; the
# rest is shown as plain text. Each text has text.py's budget, but a point corrected 60 times
# with a text that needs all of it made the page take 3 s of CPU (11 s on a busy machine).
PAGE_BUDGET = 0.25


@dataclass
class _PageClock:
    deadline: float = field(default_factory=lambda: time.thread_time() + PAGE_BUDGET)


@dataclass
class ShownVersion:
    """One version as the versions page shows it: the wording, where it stood, who saved it."""

    version: PointVersion
    author: User | None
    reaction: Reaction | None
    sender: Stakeholder | None
    clock: _PageClock = field(default_factory=_PageClock)

    @property
    def state(self) -> dict:
        return self.version.state or {}

    @property
    def body_html(self):
        """The wording as HTML; within text.py's CPU budget, as every saved text (earlier
        wordings are not stored as HTML: only this page shows them), and within the page's
        ``PAGE_BUDGET`` for all of them: after it, as plain text."""
        body = self.state.get("body") or ""
        if time.thread_time() > self.clock.deadline:
            return Markup(plain_html(body))
        return render_markdown(body)


def history(session: Session, point: Point) -> list[ShownVersion]:
    """Every saved version of the point, newest first; a point never corrected has one, its
    wording as logged (not stored until the first correction)."""
    rows = list(session.exec(
        select(PointVersion).where(PointVersion.point_id == point.id)
        .order_by(PointVersion.version.desc())
    ))
    if not rows:
        rows = [PointVersion(point_id=point.id, version=point.version, action="logged",
                             state=state(point), created_at=point.created_at)]
    people = _by_id(session, User, {v.author_id for v in rows})
    reactions = _by_id(session, Reaction, {v.state.get("reaction_id") for v in rows})
    senders = _by_id(session, Stakeholder,
                     {v.state.get("stakeholder_id") for v in rows}
                     | {r.stakeholder_id for r in reactions.values()})
    shown, clock = [], _PageClock()
    for v in rows:
        reaction = reactions.get(v.state.get("reaction_id"))
        sender_id = v.state.get("stakeholder_id") or (reaction.stakeholder_id if reaction else None)
        shown.append(ShownVersion(v, people.get(v.author_id), reaction, senders.get(sender_id),
                                  clock))
    return shown


def _by_id(session: Session, model, ids) -> dict:
    ids = sorted(i for i in ids if isinstance(i, int))
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(ids)))}
