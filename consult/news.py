"""What "Nieuw" shows: new thread entries, and for the secretariat the reactions that arrived.

follows.new_since_last_visit finds the threads with unseen entries; a reaction that arrived
(logged by a colleague, submitted by a board) makes one such thread per point, each holding
only its "logged" line. Those are shown as one item per reaction, and counted once in the menu.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from . import follows
from .follows import NewThread
from .models import Consultation, Message, Point, Reaction, Stakeholder, User

COUNT_LIMIT = 99  # the menu says "99+" beyond this


@dataclass
class NewReaction:
    """A reaction that arrived since the reader's last look: its new points' threads."""

    reaction: Reaction
    consultation: Consultation
    sender: Stakeholder
    threads: list[NewThread] = field(default_factory=list)
    points: int = 0  # all its new points (complete()), also those beyond this page

    @property
    def latest(self) -> Message:
        return max((t.latest for t in self.threads), key=lambda m: m.id)

    @property
    def author(self) -> User | None:
        return self.threads[0].author


_arrived = follows.arrived


def grouped(threads: list[NewThread]) -> list[NewThread | NewReaction]:
    """The threads in their order, with the new points of one reaction as one NewReaction
    at the place of its newest point (a reaction's points are logged together, so they are
    neighbours in a newest-first list; one split by a page boundary shows on both pages)."""
    items: list[NewThread | NewReaction] = []
    by_reaction: dict[int, NewReaction] = {}
    for thread in threads:
        if not _arrived(thread.count, thread.latest.event):
            items.append(thread)
            continue
        group = by_reaction.get(thread.reaction.id)
        if group is None:
            group = by_reaction[thread.reaction.id] = NewReaction(
                thread.reaction, thread.consultation, thread.sender)
            items.append(group)
        group.threads.append(thread)
    for group in by_reaction.values():
        group.threads.sort(key=lambda t: (t.point.position, t.point.id))
    return items


def page(session: Session, user: User, readable: set[int], processed: set[int],
         upto: int | None, after: int | None, shown: int | None) -> dict:
    """One page of "Nieuw" for the template: {threads, items (grouped), more, upto (the first
    page's newest entry), after (where the next page starts), shown (an arrived reaction that
    ends this page, told whole, which the next pages leave out while reading)}; see
    follows.new_since_last_visit for ``upto``, ``after`` and ``shown``.

    A reaction an earlier page told is left out of this one however its points fall (one
    moved into another reaction sits among that one's points); ``shown`` only saves reading
    its points again, and counts only when an earlier page did tell it (a ``zonder=`` typed
    into the address hides nothing)."""
    if shown is not None and (after is None or upto is None or not _told_before(
            session, user, readable, processed, shown, upto, after)):
        shown = None
    threads, more = follows.new_since_last_visit(session, user, readable, processed, upto=upto,
                                                 after=after, shown_reaction=shown)
    upto = upto or max((t.latest.id for t in threads), default=0)
    items = complete(session, user, readable, processed, grouped(threads), upto, after)
    last = items[-1] if items else None
    return {"threads": threads, "items": items, "more": more, "upto": upto,
            "after": threads[-1].latest.id if threads else after,
            "shown": last.reaction.id if isinstance(last, NewReaction) else shown}


def _told_before(session: Session, user: User, readable: set[int], processed: set[int],
                 reaction_id: int, upto: int, after: int) -> bool:
    """Whether a page before the one after entry ``after`` told this arrived reaction."""
    found = follows.arrived_points(session, user, readable, processed, [reaction_id], upto)
    return reaction_id in found and found[reaction_id][1] >= after


def complete(session: Session, user: User, readable: set[int], processed: set[int],
             items: list, upto: int, after: int | None = None) -> list:
    """``items`` with each arrived reaction given the number of all its new points (up to
    entry ``upto``), not only of those on this page, and without the reactions a page before
    the one after entry ``after`` already told. One query for the page."""
    groups = [item for item in items if isinstance(item, NewReaction)]
    found = follows.arrived_points(session, user, readable, processed,
                                   [g.reaction.id for g in groups], upto)
    told = set()
    for group in groups:
        n, newest = found.get(group.reaction.id, (0, 0))
        group.points = max(n, len(group.threads))
        if after is not None and newest >= after:
            told.add(group.reaction.id)
    return [item for item in items
            if not (isinstance(item, NewReaction) and item.reaction.id in told)]


def count(session: Session, user: User, readable: set[int], processed: set[int]) -> str:
    """The menu's count of new items ("" for none, "1" ... "99"; "n+" when more threads
    follow than were read): threads with new entries, a newly arrived reaction once. Asked
    after every page, so it reads only what it counts: one page of COUNT_LIMIT + 1 threads'
    (point, new entries, latest entry) and those entries' event and reaction, not the rows
    and names "Nieuw" shows."""
    size = COUNT_LIMIT + 1
    counts = follows.new_counts(session, user, readable, processed, limit=size + 1)
    more, counts = len(counts) > size, counts[:size]
    if not counts:
        return ""
    latest = {entry: (event, reaction) for entry, event, reaction in session.execute(
        sa.select(Message.id, Message.event, Point.reaction_id)
        .join(Point, Point.id == Message.point_id)
        .where(Message.id.in_([last for _point, _n, last in counts])))}
    items = {("reaction", latest[last][1]) if _arrived(n, latest[last][0]) else ("point", point)
             for point, n, last in counts}
    n = min(len(items), COUNT_LIMIT)
    if more or len(counts) > COUNT_LIMIT:
        return f"{n}+"
    return str(n) if n else ""
