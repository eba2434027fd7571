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


@dataclass(frozen=True)
class Latest:
    """A thread of a page of "Nieuw" as read for its item's key: its point, unseen entries and
    latest one (with its event), and its reaction and consultation (at its revision)."""

    point: int
    count: int
    last: int
    event: str | None
    reaction: int
    consultation: int
    revision: int
    created: object  # the consultation's creation time: an id used again is another one


def _latest(session: Session, counts: list[tuple[int, int, int]]) -> list[Latest]:
    """``counts`` (follows.page_counts) as Latest, in their order: one small query."""
    if not counts:
        return []
    rows = {row[0]: row[1:] for row in session.execute(
        sa.select(Message.id, Message.event, Point.reaction_id, Reaction.consultation_id,
                  Consultation.revision, Consultation.created_at)
        .join(Point, Point.id == Message.point_id)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .where(Message.id.in_([last for _p, _n, last in counts])))}
    return [Latest(point, n, last, *rows[last]) for point, n, last in counts]


def _items(latest: list[Latest]) -> list[list[Latest]]:
    """The page's items, each as its threads: one thread, or the arrived points of one
    reaction together at the place of its newest (as ``grouped`` does with the rows)."""
    items: list[list[Latest]] = []
    by_reaction: dict[int, list[Latest]] = {}
    for thread in latest:
        if not _arrived(thread.count, thread.event):
            items.append([thread])
        elif thread.reaction in by_reaction:
            by_reaction[thread.reaction].append(thread)
        else:
            items.append(by_reaction.setdefault(thread.reaction, [thread]))
    return items


def _item_key(threads: list[Latest], points: dict[int, tuple[int, int]], look: tuple) -> tuple:
    """What one item of "Nieuw" shows is made of: its threads (point, unseen entries, latest
    entry), for an arrived reaction how many of its points arrived in all, its
    consultation at its revision (every write in it raises that: an entry edited or archived,
    a point or reaction changed; a renamed sender raises every consultation's) and ``look``
    (language, time zone, address root). The same for every reader: an item shows nothing of
    who reads it."""
    first = threads[0]
    arrived = _arrived(first.count, first.event)
    return ("news.item", look, first.consultation, first.revision, first.created,
            tuple(sorted((t.point, t.count, t.last) for t in threads)),
            points.get(first.reaction, (0, 0))[0] if arrived else None)


def page(session: Session, user: User, readable: set[int], processed: set[int],
         upto: int | None, after: int | None, look: tuple,
         render_item: Callable[[NewThread | NewReaction], str]) -> dict:
    """One page of "Nieuw": {items_html (each item's HTML, ``render_item`` of a NewThread or
    NewReaction), shown (how many items), more, upto (the first page's newest entry), after
    (where the next page starts)}; see follows.page_counts for ``upto`` and ``after``. A
    reaction that arrived is told once, with all its new points (``complete``), on the page
    of its newest one; the pages after pass its other points over, however they fall
    (follows._page_counts).

    Each item's HTML is kept (revisions.recall / keep, the "news" shelf) under _item_key, so
    a page worked out again after a change elsewhere reads and renders only the items that
    changed: the rows of the others (follows.threads_of: 2 ms for 20 at 120k points) and
    their rendering (2 ms) are skipped. Nothing is kept while the request's transaction
    raised a revision (it may still roll back)."""
    counts, more = follows.page_counts(session, user, readable, processed, upto, after)
    upto = upto or max((last for _p, _n, last in counts), default=0)
    items = _items(_latest(session, counts))
    reactions = [t[0].reaction for t in items if _arrived(t[0].count, t[0].event)]
    points = follows.arrived_points(session, user, readable, processed, reactions, upto)
    keys = [_item_key(threads, points, look) for threads in items]
    settled = not session.info.get("revised")
    html = [revisions.recall(key, "news") if settled else revisions.MISSING for key in keys]
    missing = [i for i, found in enumerate(html) if found is revisions.MISSING]
    if missing:
        threads = follows.threads_of(session, [(t.point, t.count, t.last)
                                               for i in missing for t in items[i]])
        for i, item in zip(missing, grouped(threads), strict=True):
            if isinstance(item, NewReaction):
                item.points = max(points.get(item.reaction.id, (0, 0))[0], len(item.threads))
            html[i] = str(render_item(item))
            if settled:
                revisions.keep(keys[i], html[i], "news")
    return {"items_html": html, "shown": len(items), "more": more, "upto": upto,
            "after": counts[-1][2] if counts else after}


def kept_page(session: Session, user: User, readable: set[int], processed: set[int],
              upto: int | None, after: int | None, look: tuple, start: int,
              render: Callable[[dict], str],
              render_item: Callable[[NewThread | NewReaction], str]) -> dict:
    """``page`` with its list rendered: {html (``render(page)``: the items and the link to the
    next page), shown, more, upto, after}, kept per process and machine (revisions.remember,
    on the "nieuw" shelf) while nothing it depends on changes, so that a reader who opens
    "Nieuw" again sees it at the cost of reading the key.

    The key holds everything the list is made of: the reader (their board, news floor and
    start as this request loaded them, and ``marks_revision`` as it is now, raised by every
    write of their thread marks), their
    follows, the consultations they read and process, each at its ``revision`` (raised by
    every write in it, a thread message and a renamed stakeholder included), the paging
    (``upto``, ``after``, the page size, the list's ``start``) and ``look`` (the caller's
    language, time zone and address root: what the rendering depends on). Authors' names are
    not in it: the app never changes an account's name. The key is read before and again
    after computing (a write committed in between is then not kept under the key of before
    it); nothing is kept while the request's transaction raised a revision."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # else the key's read flushes them, raising a revision after the check
    statements = _key_statements()

    def key_now() -> tuple:
        # The reader as this request loaded them (what the page is worked out with: a board
        # changed meanwhile is the next request's), and their marks as they are now.
        return ("news.page", user.id, tuple(sorted(processed)), upto, after, follows.NEW_PAGE,
                look, start, user.stakeholder_id, user.news_floor, user.news_since,
                session.execute(statements[0], {"user": user.id}).scalar_one(),
                tuple(session.execute(follows.follows_key(), {"user": user.id}).all()),
                tuple(session.execute(statements[1], {"ids": sorted(readable)}).all()))

    def build() -> dict:
        found = page(session, user, readable, processed, upto, after, look, render_item)
        return {"html": str(render(found)), "shown": found["shown"],
                "more": found["more"], "upto": found["upto"], "after": found["after"]}

    if session.info.get("revised"):
        return build()
    key = key_now()
    return revisions.remember(key, build, shelf="nieuw", still=lambda: key_now() == key)


@functools.cache
def _key_statements():
    """kept_page's reads of the reader's marks revision and of the consultations' revisions
    (built once: they only take parameters)."""
    return (
        sa.select(User.marks_revision).where(User.id == sa.bindparam("user")),
        sa.select(Consultation.id, Consultation.revision, Consultation.created_at)
        .where(Consultation.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(Consultation.id),
    )


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
