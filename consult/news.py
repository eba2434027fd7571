"""What "Nieuw" shows: new thread entries, and for the secretariat the reactions that arrived.

follows.new_since_last_visit finds the threads with unseen entries; a reaction that arrived
(logged by a colleague, submitted by a board) makes one such thread per point, each holding
only its "logged" line. Those are shown as one item per reaction, and counted once in the menu.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from . import follows, revisions
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
         upto: int | None, after: int | None) -> dict:
    """One page of "Nieuw" for the template: {threads, items (grouped), more, upto (the first
    page's newest entry), after (where the next page starts)}; see
    follows.new_since_last_visit for ``upto`` and ``after``. A reaction that arrived is told
    once, with all its new points (``complete``), on the page of its newest one; the pages
    after pass its other points over, however they fall (follows._page_counts)."""
    threads, more = follows.new_since_last_visit(session, user, readable, processed, upto=upto,
                                                 after=after)
    upto = upto or max((t.latest.id for t in threads), default=0)
    items = grouped(threads)
    complete(session, user, readable, processed, items, upto)
    return {"threads": threads, "items": items, "more": more, "upto": upto,
            "after": threads[-1].latest.id if threads else after}


def kept_page(session: Session, user: User, readable: set[int], processed: set[int],
              upto: int | None, after: int | None, view: tuple,
              render: Callable[[dict], str]) -> dict:
    """``page``'s figures with its items rendered: {html (``render(page)``, the list's items
    as HTML), shown (how many items), more, upto, after}, kept per process and machine
    (revisions.remember, on the readers' shelf) while nothing it depends on changes, so that
    a reader who opens "Nieuw" again sees it at the cost of reading the key.

    The key holds everything the list is made of: the reader (their board, news floor and
    start, and ``marks_revision``, raised by every write of their thread marks), their
    follows, the consultations they read and process, each at its ``revision`` (raised by
    every write in it, a thread message and a renamed stakeholder included), the paging
    (``upto``, ``after``) and ``view`` (the caller's language, time zone, address root and
    list start: what the rendering depends on). Authors' names are not in it: the app never
    changes an account's name. The key is read before and again after computing (a write
    committed in between is then not kept under the key of before it); nothing is kept while
    the request's transaction raised a revision (revisions.remember)."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # else the key's read flushes them, raising a revision after the check
    statements = _key_statements()

    def key_now() -> tuple:
        return ("news.page", user.id, tuple(sorted(processed)), upto, after, follows.NEW_PAGE,
                view,
                tuple(session.execute(statements[0], {"user": user.id}).one()),
                tuple(session.execute(follows.follows_key(), {"user": user.id}).all()),
                tuple(session.execute(statements[1], {"ids": sorted(readable)}).all()))

    def build() -> dict:
        found = page(session, user, readable, processed, upto, after)
        return {"html": str(render(found)), "shown": len(found["items"]),
                "more": found["more"], "upto": found["upto"], "after": found["after"]}

    key = key_now()
    return revisions.remember(key, build, shelf="readers", still=lambda: key_now() == key)


@functools.cache
def _key_statements():
    """kept_page's reads of the reader's row and of the consultations' revisions (built
    once: they only take parameters)."""
    return (
        sa.select(User.stakeholder_id, User.news_floor, User.news_since, User.marks_revision)
        .where(User.id == sa.bindparam("user")),
        sa.select(Consultation.id, Consultation.revision, Consultation.created_at)
        .where(Consultation.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(Consultation.id),
    )


def complete(session: Session, user: User, readable: set[int], processed: set[int],
             items: list, upto: int) -> None:
    """Give each arrived reaction among ``items`` the number of all its new points (up to
    entry ``upto``), not only of those on this page. One query for the page."""
    groups = [item for item in items if isinstance(item, NewReaction)]
    found = follows.arrived_points(session, user, readable, processed,
                                   [g.reaction.id for g in groups], upto)
    for group in groups:
        group.points = max(found.get(group.reaction.id, (0, 0))[0], len(group.threads))


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
