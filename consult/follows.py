"""Following a stakeholder's points, a destination's points or one point (what happens to them
then shows in the inbox), and what a user has seen of each thread (the rest is unread)."""

import functools
from array import array
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.aliased)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from . import revisions
from .db import IdList, among, kept, unindexed
from .models import (
    Consultation,
    Follow,
    Message,
    MessageKind,
    Point,
    Reaction,
    ReactionStatus,
    Stakeholder,
    ThreadVisit,
    User,
    aware,
    utcnow,
)

_TARGETS = ("point_id", "stakeholder_id", "destination_id")


def _query(user: User, **target):
    conditions = [Follow.user_id == user.id]
    for name in _TARGETS:
        column = getattr(Follow, name)
        value = target.get(name)
        conditions.append(column == value if value is not None else column.is_(None))
    return select(Follow).where(*conditions)


def follows(session: Session, user: User, point_id=None, stakeholder_id=None,
            destination_id=None) -> bool:
    """Whether the user follows this point, stakeholder or destination."""
    target = {"point_id": point_id, "stakeholder_id": stakeholder_id,
              "destination_id": destination_id}
    return session.exec(_query(user, **target)).first() is not None


def toggle(session: Session, user: User, point_id=None, stakeholder_id=None,
           destination_id=None) -> bool:
    """Follow, or stop following; returns whether the user now follows."""
    target = {"point_id": point_id, "stakeholder_id": stakeholder_id,
              "destination_id": destination_id}
    found = session.exec(_query(user, **target)).all()
    if found:
        for row in found:  # every one: two tabs following at the same moment made two
            session.delete(row)  # a preference, not domain data
        session.flush()
        return False
    session.add(Follow(user_id=user.id, **target))
    _baseline(session, user, **target)
    session.flush()
    return True


def _baseline(session: Session, user: User, point_id=None, stakeholder_id=None,
              destination_id=None) -> None:
    """Following starts the clock: threads the user never opened count as seen up to now, so
    what happens next (answers, changes, log lines included) shows as new."""
    from .models import ResponseDestination, ResponsePoint

    if point_id is not None:
        points = sa.select(Point.id).where(Point.id == point_id)
    elif stakeholder_id is not None:
        points = sa.select(Point.id).join(Reaction, Reaction.id == Point.reaction_id).where(
            sa.or_(Reaction.stakeholder_id == stakeholder_id,
                   Point.stakeholder_id == stakeholder_id))
    else:
        points = sa.select(ResponsePoint.point_id).join(
            ResponseDestination, ResponseDestination.response_id == ResponsePoint.response_id
        ).where(ResponseDestination.destination_id == destination_id)
    opened = sa.select(ThreadVisit.point_id).where(ThreadVisit.user_id == user.id)
    latest = session.execute(
        sa.select(Message.point_id, sa.func.max(Message.id))
        .where(Message.point_id.in_(points), Message.point_id.not_in(opened))
        .group_by(Message.point_id)
    ).all()
    if latest:  # a thread opened meanwhile (another tab) keeps its own mark
        _marks_moved(session, user.id)
        session.execute(_insert(session).values([
            {"user_id": user.id, "point_id": pid, "seen_message_id": last, "seen_at": utcnow()}
            for pid, last in latest
        ]).on_conflict_do_nothing())


def _insert(session: Session):
    """INSERT for ThreadVisit with the backend's ON CONFLICT clause."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(ThreadVisit)


# --- read and unread ----------------------------------------------------------------------


def seen(session: Session, user: User, point_id: int, message_id: int) -> None:
    """The user has seen the point's thread up to this entry (the mark never moves back).

    One statement inserts the mark or moves it forward: the same reader's two tabs, or a page
    and its poll, may record the first visit at the same moment, and a plain insert then failed
    on the primary key (a 500, found by bench/load.py)."""
    visit = session.get(ThreadVisit, (user.id, point_id))
    if visit is not None and visit.seen_message_id >= message_id:
        return
    _move_marks(session, user, [(point_id, message_id)])
    if visit is not None:
        session.expire(visit)


def _move_marks(session: Session, user: User, marks: list[tuple[int, int]]) -> None:
    """Insert each (point, entry) mark, or move an existing one forward (never back)."""
    if marks:
        _upsert_marks(session, user, _insert(session).values([
            {"user_id": user.id, "point_id": point_id, "seen_message_id": message_id,
             "seen_at": utcnow()} for point_id, message_id in marks
        ]))


def _upsert_marks(session: Session, user: User, statement) -> None:
    """Run an INSERT of the user's thread marks that moves an existing mark forward, never
    back."""
    _marks_moved(session, user.id)
    session.execute(statement.on_conflict_do_update(
        index_elements=[ThreadVisit.user_id, ThreadVisit.point_id],
        set_={"seen_message_id": statement.excluded.seen_message_id,
              "seen_at": statement.excluded.seen_at},
        where=ThreadVisit.seen_message_id < statement.excluded.seen_message_id,
    ))


def _marks_moved(session: Session, user_id: int) -> None:
    """Raise the user's ``marks_revision`` in this transaction: their thread marks are being
    written (Core statements, which no flush listener sees). Every write of marks comes
    through here; a kept page of "Nieuw" is keyed by it (news.kept_page). Called before the
    marks are written, so that every transaction writing a user's marks takes that user's
    row first: "Mark all as read" (two statements) and a thread's "seen" in another tab then
    wait for each other instead of each holding a mark or the row the other needs (a
    deadlock on PostgreSQL)."""
    session.execute(sa.update(User).where(User.id == user_id)
                    .values(marks_revision=User.marks_revision + 1))
    for obj in session.identity_map.values():
        if isinstance(obj, User) and obj.id == user_id:
            session.expire(obj, ["marks_revision"])


def entries_in_context():
    """Thread entries with their point, reaction, consultation and author (None for the
    log's own lines): the rows of a list of news. The long texts a list of news never shows
    (a letter's original text, the consultation's description and letter opening) are left
    unread until asked for: 40 threads of "Nieuw" read 120 kB of letters for their titles."""
    return (
        select(Message, Point, Reaction, Consultation, User)
        .join(Point, Point.id == Message.point_id)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Consultation, Consultation.id == Reaction.consultation_id)
        .outerjoin(User, User.id == Message.author_id)
        .options(defer(Reaction.original_text), defer(Consultation.description),
                 defer(Consultation.description_html), defer(Consultation.letter_opening))
    )


def _unread_query(user: User, internal_in: set[int]):
    """Per point: (point id, unseen entries, latest unseen entry id), before narrowing.

    A thread the user never opened counts what people wrote in it, not its log lines; once
    opened, every later entry counts (an answer or status change too). Internal notes count
    only in consultations in ``internal_in`` (the secretariat's); the user's own never."""
    return _unread_entries(
        user, internal_in, Message.point_id, sa.func.count().label("n"),
        sa.func.max(Message.id).label("last"),
    ).group_by(Message.point_id)


def _unread_entries(user: User, internal_in: set[int], *columns, everywhere: bool = False):
    """The unseen entries themselves (``columns`` of them), ungrouped; see _unread_query.

    ``everywhere``: entries of every consultation, their point and reaction checked in a
    correlated EXISTS instead of joined, for a newest-first read of the message table that
    stops after a few rows. Joined, SQLite 3.40 first built Bloom filters over every point and
    reaction of the installation (67 ms at 120k points, for 340 messages read; 0.7 ms as
    EXISTS). Otherwise the caller narrows the joined reaction to its consultations."""
    visit = sa.orm.aliased(ThreadVisit)
    opened_or_written = [visit.point_id.is_not(None), Message.kind != MessageKind.system]
    entry = _entry(user, visit, internal_in)
    # The status through unindexed(): as a plain column SQLite drives the secretariat's
    # newest-first read through ix_reaction_table_order and sorts every message of the
    # consultations (193 ms at 120k points, 86 ms with the hint).
    thread = [
        kept(Point.archived),
        kept(Reaction.archived),
        unindexed(Reaction.status) == ReactionStatus.submitted,
    ]
    if internal_in:
        processed = Reaction.consultation_id.in_(sorted(internal_in))
        thread.append(sa.or_(Message.kind != MessageKind.internal_note, processed))
        if not everywhere:  # a newly logged point is news only where the user processes
            thread.append(sa.or_(*opened_or_written, processed))
    else:
        thread.append(Message.kind != MessageKind.internal_note)
    seen = _seen(user, visit)
    if everywhere:
        exists = (sa.exists().where(Point.id == Message.point_id, Reaction.id == Point.reaction_id,
                                    *thread)
                  .correlate(Message))
        return sa.select(*columns).select_from(Message).outerjoin(visit, seen).where(*entry, exists)
    return (
        sa.select(*columns)
        .join(Point, Point.id == Message.point_id)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .outerjoin(visit, seen)
        .where(*entry, *thread)
    )


def _entry(user: "User | _Reader", visit, internal_in: set[int]) -> list:
    """The conditions on an entry itself (``visit``: the user's mark on its thread, outer
    joined by ``_seen``): kept, someone else's, after the mark and the user's news floor; in a
    thread never opened only what people wrote (and, for the secretariat, a newly logged
    point: _logged_news)."""
    entry = [
        kept(Message.archived),
        Message.author_id.is_distinct_from(user.id),
        Message.id > sa.func.coalesce(visit.seen_message_id, 0),
        sa.or_(visit.point_id.is_not(None), Message.kind != MessageKind.system,
               *_logged_news(user, internal_in)),
    ]
    if isinstance(user.news_floor, sa.sql.ClauseElement) or user.news_floor:  # a parameter
        entry.append(Message.id > user.news_floor)
    return entry


def _seen(user: "User | _Reader", visit):
    """The join condition of the user's mark (``visit``, an alias of ThreadVisit) on an
    entry's thread."""
    return sa.and_(visit.point_id == Message.point_id, visit.user_id == user.id)


def _logged_news(user: User, internal_in: set[int]) -> list:
    """For the secretariat (``internal_in``: the consultations the user processes): a point
    logged by someone else since ``user.news_since`` (a colleague's letter, a board's advice)
    is news even in a thread never opened. [] for everyone else."""
    if not internal_in:
        return []
    since = aware(user.news_since or user.created_at)
    return [sa.and_(Message.event == "logged", Message.created_at > since)]


def unread(session: Session, user: User, point_ids: list[int],
           internal_in: set[int] | None = None) -> dict[int, int]:
    """Per point: how many thread entries the user has not seen (points with none left out).
    Internal notes count only in the consultations in ``internal_in``."""
    if not point_ids:
        return {}
    query = _unread_query(user, internal_in or set()).where(Message.point_id.in_(point_ids))
    return {point_id: n for point_id, n, _last in session.execute(query)}


def unread_per_reaction(session: Session, user: User, consultation_id: int,
                        internal: bool, reaction_ids: list[int] | None = None) -> dict[int, int]:
    """Per reaction of a consultation: unseen thread entries in its points (for the channel);
    of the reactions in ``reaction_ids`` only, when given (the ones a page shows)."""
    query = _unread_query(user, {consultation_id} if internal else set()).where(
        Reaction.consultation_id == consultation_id)
    if reaction_ids is not None:
        if not reaction_ids:
            return {}
        query = query.where(Point.reaction_id.in_(reaction_ids))
    counts = query.subquery()
    rows = session.execute(
        sa.select(Point.reaction_id, sa.func.sum(counts.c.n))
        .join(counts, counts.c.point_id == Point.id).group_by(Point.reaction_id)
    )
    return {reaction_id: int(n) for reaction_id, n in rows}


@dataclass
class NewThread:
    """A thread with entries the user has not seen yet."""

    point: Point
    reaction: Reaction
    consultation: Consultation
    sender: Stakeholder
    count: int
    latest: Message
    author: User | None


def interesting_points(user: User, consultation_ids: list[int]):
    """Subquery of the ids of the points in these consultations the user cares about (followed
    points, the points of followed stakeholders and destinations, and their own board's
    points; followed points and destinations anywhere), as a UNION
    of branches that each run on an index: followed points, points answered to a followed
    destination, and the points of followed stakeholders and of the user's own board (sent in
    their letter, or sent by them in someone else's)."""
    from .models import ResponseDestination, ResponsePoint

    def followed(column):
        return select(column).where(Follow.user_id == user.id, column.is_not(None))

    inside = unindexed(Reaction.consultation_id).in_(consultation_ids)
    senders = followed(Follow.stakeholder_id)
    if user.stakeholder_id is not None:
        senders = sa.union(senders, sa.select(sa.literal(user.stakeholder_id)))
    return sa.union(
        followed(Follow.point_id),
        sa.select(ResponsePoint.point_id)
        .join(ResponseDestination, ResponseDestination.response_id == ResponsePoint.response_id)
        .where(ResponseDestination.destination_id.in_(followed(Follow.destination_id))),
        sa.select(Point.id).where(
            Point.stakeholder_id.in_(senders),
            sa.exists().where(Reaction.id == Point.reaction_id, inside).correlate(Point)),
        sa.select(Point.id).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Reaction.stakeholder_id.in_(senders), inside),
    )


KEPT_INTERESTING = 5_000  # points of interest kept per reader; more: asked each time


def live_interesting(user: User, consultation_ids: list[int]):
    """Subquery of the ids of ``interesting_points(user, consultation_ids)`` that are live
    points of live, submitted reactions of those consultations (the followed points and
    destinations elsewhere left out): the threads whose entries count as the user's news
    there."""
    return (
        select(Point.id).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Point.id.in_(interesting_points(user, consultation_ids)),
               kept(Point.archived), kept(Reaction.archived),
               unindexed(Reaction.status) == ReactionStatus.submitted,
               unindexed(Reaction.consultation_id).in_(consultation_ids))
    )


def _kept_interesting(session: Session, user: User, consultation_ids: list[int]):
    """The ids of ``live_interesting(user, consultation_ids)`` (a sorted array), kept per
    process (revisions.remember, on the readers' shelf) while the reader's follows and those
    consultations' figures revisions stay the same: every write that can change the set (a
    point, reaction, its status, an answer route or stakeholder) raises a figures revision,
    and the follows are part of the key. Gathering the set costs what the reader's board
    holds (1,569 council points at 120k points: 2-3 ms of SQL on each "Nieuw"); the key
    costs two small indexed reads. None (ask the subquery itself) when the set holds more
    than KEPT_INTERESTING points, or inside a transaction that raised a figures revision (it
    may still roll back; see revisions.memo)."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # else the key's read flushes them, raising the revision after the check
    if session.info.get("refigured"):
        return None
    follows_of, figures_of = _key_statements()

    def key_now() -> tuple:
        return ("follows.live_interesting", user.id, user.stakeholder_id,
                tuple(session.execute(follows_of, {"user": user.id}).all()),
                tuple(session.execute(figures_of, {"ids": consultation_ids}).all()))

    def gather():  # 8 bytes an id: 128 readers of 5,000 points hold 5 MB
        ids = session.execute(live_interesting(user, consultation_ids)
                              .limit(KEPT_INTERESTING + 1)).scalars().all()
        return array("q", sorted(ids)) if len(ids) <= KEPT_INTERESTING else None

    # Read again after gathering: a follow or a write committed in between (the menu's count
    # in another tab) would be kept under the key of before it, and met again when that key
    # comes back (unfollowing what was just followed). Each follow's id and time are in the
    # key, so following again is a new key.
    key = key_now()
    return revisions.remember(key, gather, shelf="readers", still=lambda: key_now() == key)


@functools.cache
def follows_key():
    """The read of a user's follows (bind ``user``) for a cache key: each follow's id, time
    and target (following again is a new id)."""
    return (select(Follow.id, Follow.created_at, Follow.point_id, Follow.stakeholder_id,
                   Follow.destination_id)
            .where(Follow.user_id == sa.bindparam("user")).order_by(Follow.id))


@functools.cache
def _key_statements():
    """The two reads that key _interesting (built once: they only take parameters): the
    user's follows, and the figures revisions of the consultations."""
    return (
        follows_key(),
        select(Consultation.id, Consultation.figures_revision, Consultation.created_at)
        .where(Consultation.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(Consultation.id),
    )


def new_counts(session: Session, user: User, readable: set[int], processed: set[int],
                upto: int | None = None, limit: int = 200,
                after: int | None = None) -> list[tuple[int, int, int]]:
    """(point id, unseen entries, latest unseen entry id) of the threads that concern the
    user, newest first; ``upto`` ignores entries after that id; ``after``: only threads whose
    latest unseen entry (up to ``upto``) is older than that entry (the next page).

    Every thread of the consultations the user processes; elsewhere only the threads of the
    points of interest, whose messages are then found by their point (message.point_id), not
    by grouping every unseen message of the installation and filtering it afterwards."""
    if not readable:
        return []
    found: list[tuple[int, int, int]] = []
    if processed:
        # Processing every consultation (one secretariat's installation), the newest entries of
        # the whole message table are the ones wanted: read them newest first and stop. Else
        # that read would pass every newer entry of the others' consultations (a hosted
        # installation of many regions), so the entries are found through the consultations.
        everywhere = session.execute(sa.select(sa.func.count()).select_from(Consultation)
                                     .where(Consultation.id.not_in(sorted(processed)))
                                     ).scalar_one() == 0
        newest = _newest_threads(session, user, processed, Window(upto, after, limit),
                                 everywhere)
        if newest:
            query = _unread_query(user, processed).where(Message.point_id.in_(newest))
            found.extend(session.execute(
                query.where(Message.id <= upto) if upto is not None else query).all())
    others = sorted(readable - processed)
    if others:
        ids = _kept_interesting(session, user, others)
        params = {"reader": user.id, "floor": user.news_floor, "upto": upto, "after": after,
                  "limit": limit, "ids": ids}
        query = _newest_elsewhere(
            user.news_floor > 0, upto is not None, after is not None,
            None if ids is not None else live_interesting(user, others))
        found.extend(session.execute(query, params).all())
    return sorted(found, key=lambda row: row[2], reverse=True)[:limit]


@dataclass(frozen=True)
class _Reader:
    """The parts of a user the entry conditions read (_entry, _seen), as bound parameters."""

    id: object
    news_floor: object


def _newest_elsewhere(floored: bool, upto: bool, after: bool, interesting=None):
    """new_counts' query for the consultations the user does not process: the threads of
    interest with unseen entries, newest first, with everything that varies bound
    (``reader``, ``floor``, ``upto``, ``after``, ``limit``, and ``ids``: the kept points of
    interest). Built once per shape (floor, upto, after given or not): building and
    compiling it anew was a third of its cost on each "Nieuw" (0.5 ms). ``interesting``: the
    subquery instead of kept ids (then built each time)."""
    if interesting is None:
        return _newest_elsewhere_kept(floored, upto, after)
    return _newest_elsewhere_built(floored, upto, after, Message.point_id.in_(interesting))


@functools.lru_cache(maxsize=8)
def _newest_elsewhere_kept(floored: bool, upto: bool, after: bool):
    return _newest_elsewhere_built(
        floored, upto, after, among(Message.point_id, sa.bindparam("ids", type_=IdList())))


def _newest_elsewhere_built(floored: bool, upto: bool, after: bool, interesting):
    reader = _Reader(sa.bindparam("reader"), sa.bindparam("floor") if floored else 0)
    query = _unread_elsewhere(reader, interesting)
    if upto:
        query = query.where(Message.id <= sa.bindparam("upto"))
    if after:
        query = query.having(sa.func.max(Message.id) < sa.bindparam("after"))
    return query.order_by(sa.desc("last")).limit(sa.bindparam("limit"))


def _unread_elsewhere(user: User | _Reader, interesting):
    """_unread_query for the consultations the user does not process, whose threads of
    interest are ``interesting`` (a condition on Message.point_id that holds only live points
    of live, submitted reactions of those consultations: _interesting): the entries are read
    by their point and their thread mark only, not joined to their point and reaction each
    (4,211 entries of a council's 1,569 points: 3.5 ms joined, 1.6 ms without)."""
    visit = sa.orm.aliased(ThreadVisit)
    return (
        sa.select(Message.point_id, sa.func.count().label("n"),
                  sa.func.max(Message.id).label("last"))
        .select_from(Message)
        .outerjoin(visit, _seen(user, visit))
        .where(*_entry(user, visit, set()), Message.kind != MessageKind.internal_note,
               interesting)
        .group_by(Message.point_id)
    )


@dataclass
class Window:
    """Which threads a read of "Nieuw" wants: entries up to id ``upto`` (None: all), threads
    whose latest such entry is older than entry ``after`` (None: from the newest), at most
    ``limit`` of them."""

    upto: int | None
    after: int | None
    limit: int


NEWEST_WINDOW = 2000  # at most this many unseen entries read at a time, newest first


def _newest_threads(session: Session, user: User, processed: set[int], window: Window,
                    everywhere: bool) -> list[int]:
    """The ``window.limit`` points whose latest unseen entry (up to id ``window.upto``) is
    newest, below entry ``window.after`` when given, in the consultations the user processes.

    Unseen entries are read newest first, from ``after`` down, a batch at a time, until that
    many threads are found; a point met there that also has an unseen entry at or above
    ``after`` belonged to an earlier page and is passed over (one indexed query per batch).
    So a page costs what it shows, however deep: reading every thread of the earlier pages
    again cost 0.25 s at 10,000 threads shown and stopped there. Grouping every unseen entry
    of those consultations first cost what the installation holds (324k messages: 0.4 s). The
    first batch is four entries a thread wanted, each next one twice the last, at most
    NEWEST_WINDOW. ``everywhere``: the user processes every consultation (see new_counts
    and _unread_entries)."""
    def unseen(*columns):
        if everywhere:
            return _unread_entries(user, processed, *columns, everywhere=True)
        return _unread_entries(user, processed, *columns).where(
            Reaction.consultation_id.in_(sorted(processed)))

    entries = unseen(Message.point_id, Message.id)
    points: dict[int, None] = {}
    passed: set[int] = set()
    below = window.after  # read below this entry; up to ``upto`` itself on the first batch
    size = min(NEWEST_WINDOW, 4 * window.limit)
    while len(points) < window.limit:
        if below is not None:
            batch = entries.where(Message.id < below)
        elif window.upto is not None:  # not "< upto + 1": upto may be the largest integer
            batch = entries.where(Message.id <= window.upto)
        else:
            batch = entries
        rows = session.execute(batch.order_by(Message.id.desc()).limit(size)).all()
        met = {point_id for point_id, _id in rows} - passed - points.keys()
        if met and window.after is not None:
            later = unseen(Message.point_id).where(Message.point_id.in_(sorted(met)),
                                                   Message.id >= window.after)
            if window.upto is not None:
                later = later.where(Message.id <= window.upto)
            passed.update(session.execute(later.distinct()).scalars())
        for point_id, _id in rows:
            if point_id not in passed:
                points.setdefault(point_id)
                if len(points) == window.limit:
                    break
        if len(rows) < size:
            break
        below = rows[-1][1]
        size = min(NEWEST_WINDOW, 2 * size)
    return list(points)


NEW_PAGE = 20  # threads "Nieuw" lists at once (a screenful or two); the next load on scrolling


def arrived(count: int, event: str | None) -> bool:
    """A thread whose only new entry (``count`` 1) is its "logged" line: its point just
    arrived, and "Nieuw" tells it as part of its reaction (news.grouped)."""
    return count == 1 and event == "logged"


def new_since_last_visit(session: Session, user: User, readable: set[int], processed: set[int],
                         upto: int | None = None, after: int | None = None,
                         size: int | None = None) -> tuple[list[NewThread], bool]:
    """One page of the threads with unseen entries that concern this user, newest first (every
    thread of the consultations they process, elsewhere the points they follow or their board
    sent), and whether more follow: ``page_counts`` with each thread's rows (``threads_of``)."""
    counts, more = page_counts(session, user, readable, processed, upto, after, size)
    return threads_of(session, counts), more


def page_counts(session: Session, user: User, readable: set[int], processed: set[int],
                upto: int | None = None, after: int | None = None,
                size: int | None = None) -> tuple[list[tuple[int, int, int]], bool]:
    """One page of (point id, unseen entries, latest unseen entry id) of the threads that
    concern this user, newest first, and whether more follow.

    Paging: entries after id ``upto`` (those that came in after the first page) are left out;
    the next page holds the threads whose latest entry is older than entry ``after``, the
    latest of the threads listed before it (keyset paging: a page reads ``size + 1`` threads,
    however many came before it, not every unseen entry of the installation). A reaction
    that arrived and was told whole on an earlier page (with all its new points: news.page)
    is passed over (_page_counts)."""
    size = size or NEW_PAGE
    counts = _page_counts(session, user, readable, processed, Window(upto, after, size + 1))
    return counts[:size], len(counts) > size


def threads_of(session: Session, counts: list[tuple[int, int, int]]) -> list[NewThread]:
    """The threads of ``page_counts``' rows, in their order, with their latest entry, point,
    reaction, consultation, sender and the entry's author (three queries)."""
    if not counts:
        return []
    latest_ids = [last for _p, _n, last in counts]
    rows = session.exec(entries_in_context().where(Message.id.in_(latest_ids))).all()
    by_point = {point.id: (m, point, r, c, u) for m, point, r, c, u in rows}
    stakeholder_ids = {point.stakeholder_id or r.stakeholder_id
                       for _m, point, r, _c, _u in by_point.values()}
    stakeholders = {s.id: s for s in session.exec(
        select(Stakeholder).where(Stakeholder.id.in_(stakeholder_ids)))}
    found = []
    for point_id, n, _last in counts:
        m, point, r, c, u = by_point[point_id]
        found.append(NewThread(point, r, c, stakeholders[point.stakeholder_id or r.stakeholder_id],
                               n, m, u))
    return found


SKIP_BATCH = 500  # threads read at a time while passing over a told letter (an IN list of them)


def _page_counts(session: Session, user: User, readable: set[int], processed: set[int],
                 window: Window) -> list[tuple[int, int, int]]:
    """new_counts' ``window.limit`` threads; on a page after the first, without the arrived
    points of the reactions an earlier page told whole (news.complete): read in batches
    twice as large each time, each batch's latest entries checked by id (their event and
    reaction: one small query) and its reactions once (arrived_points). A letter of 2,000
    points told on one page would otherwise fill a hundred pages that show nothing, and a
    letter whose points are not neighbours (one moved into another letter) came twice."""
    if window.after is None or window.upto is None:
        return new_counts(session, user, readable, processed, window.upto, limit=window.limit,
                          after=window.after)
    kept: list[tuple[int, int, int]] = []
    told: dict[int, bool] = {}
    after, batch = window.after, window.limit
    while True:
        counts = new_counts(session, user, readable, processed, window.upto, limit=batch,
                            after=after)
        latest = {entry: (event, reaction) for entry, event, reaction in session.execute(
            sa.select(Message.id, Message.event, Point.reaction_id)
            .join(Point, Point.id == Message.point_id)
            .where(Message.id.in_([last for _p, _n, last in counts])))} if counts else {}
        met = {latest[last][1] for _p, n, last in counts if arrived(n, latest[last][0])}
        if met - told.keys():
            found = arrived_points(session, user, readable, processed,
                                   sorted(met - told.keys()), window.upto)
            told.update({r: found.get(r, (0, 0))[1] >= window.after for r in met - told.keys()})
        for point_id, n, last in counts:
            event, reaction = latest[last]
            if arrived(n, event) and told[reaction]:
                continue
            kept.append((point_id, n, last))
            if len(kept) == window.limit:
                return kept
        if len(counts) < batch:
            return kept
        after, batch = counts[-1][2], min(2 * batch, SKIP_BATCH)


def arrived_points(session: Session, user: User, readable: set[int], processed: set[int],
                   reaction_ids: list[int], upto: int) -> dict[int, tuple[int, int]]:
    """Per reaction: (how many of its points arrived unseen, the newest of their "logged"
    entries), up to entry ``upto`` (a point arrived when its only unseen entry is its "logged"
    line; see ``arrived``). Counted in SQL, not from the threads a page happens to hold: a
    reaction of 30 points split by a page boundary read "20 points" and then "10 points" again
    on the next page. The newest entry tells whether a page before (whose threads are newer
    than its ``after``) already told the reaction."""
    if not reaction_ids or not readable:
        return {}
    logged = sa.func.max(sa.case((Message.event == "logged", 1), else_=0))
    per_point = (
        _unread_entries(user, processed, Point.reaction_id.label("reaction"),
                        sa.func.count().label("n"), logged.label("logged"),
                        sa.func.max(Message.id).label("last"))
        .where(Point.reaction_id.in_(reaction_ids), Message.id <= upto,
               Reaction.consultation_id.in_(sorted(readable)))
        .group_by(Message.point_id, Point.reaction_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(per_point.c.reaction, sa.func.count(), sa.func.max(per_point.c.last))
        .where(per_point.c.n == 1, per_point.c.logged == 1)
        .group_by(per_point.c.reaction))
    return {reaction: (int(n), int(last)) for reaction, n, last in rows}


def mark_seen(session: Session, user: User, readable: set[int], processed: set[int],
              upto: int) -> None:
    """Everything "new since your last visit" up to entry ``upto`` has been seen, on every
    page of it, not only the first (it stopped at 200 threads); what came after stays new.
    Two INSERT ... SELECT statements (the consultations the user processes, the points of
    interest elsewhere): 19,602 threads at 120k points in 0.5 s on SQLite, where reading the
    marks into Python and writing them back took 1.7 s."""
    unseen = _unread_entries(
        user, processed, sa.literal(user.id), Message.point_id, sa.func.max(Message.id),
        sa.literal(utcnow(), type_=ThreadVisit.__table__.c.seen_at.type),
    ).where(Message.id <= upto).group_by(Message.point_id)
    queries = []
    if processed:
        queries.append(unseen.where(Reaction.consultation_id.in_(sorted(processed))))
    others = sorted(readable - processed)
    if others:
        queries.append(unseen.where(Reaction.consultation_id.in_(others),
                                    Message.point_id.in_(interesting_points(user, others))))
    columns = ["user_id", "point_id", "seen_message_id", "seen_at"]
    for query in queries:  # INSERT ... SELECT: the marks never travel through Python
        _upsert_marks(session, user, _insert(session).from_select(columns, query))
    if upto > user.news_floor:  # nothing up to here is news any more: later reads stop here
        user.news_floor = upto
        session.add(user)
        session.flush()
