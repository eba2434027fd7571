"""The outbox: every data change that the index must follow, recorded in the same transaction.

A session listener looks at what each flush wrote and adds outbox rows for it, so no operation
has to remember the index. Keys name what to refresh:

    p12  the point 12, its answers' state and its messages   (P12 is the same)
    r7   the response 7 and the points it covers
    m40  the message 40
    s3   the stakeholder 3
    R5   every point of reaction 5
    C2   everything of consultation 2 (published, archived)

Applying a key always re-reads the database, so applying twice, or late, is harmless.
"""

import logging
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from ..documents.models import DocumentSection, DocumentVersion
from ..models import (
    Consultation,
    Destination,
    Message,
    MessageKind,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    SearchOutbox,
    Stakeholder,
    utcnow,
)
from . import documents

log = logging.getLogger("consult.search")

_WATCHED = {
    Consultation: ("archived", "status", "title"),
    Reaction: ("archived", "status", "channel", "stakeholder_id", "received_on"),
    Stakeholder: ("archived", "name", "kind"),
    Destination: ("archived",),  # its document's sections leave search with it
}


def _changed(obj, attributes) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def keys_for(obj, is_new: bool) -> list[str]:
    """The outbox keys one written object calls for."""
    if isinstance(obj, Point):
        return [f"P{obj.id}"]
    if isinstance(obj, Message):
        return [] if obj.kind == MessageKind.system else [f"m{obj.id}"]
    if isinstance(obj, Response):
        return [f"r{obj.id}"]
    if isinstance(obj, ResponsePoint):
        return [f"r{obj.response_id}", f"P{obj.point_id}"]
    if isinstance(obj, ResponseDestination):
        return [f"r{obj.response_id}"]
    if isinstance(obj, Stakeholder) and (is_new or _changed(obj, _WATCHED[Stakeholder])):
        return [f"s{obj.id}"]
    if isinstance(obj, Reaction) and not is_new and _changed(obj, _WATCHED[Reaction]):
        return [f"R{obj.id}"]
    if isinstance(obj, Consultation) and not is_new and _changed(obj, _WATCHED[Consultation]):
        return [f"C{obj.id}"]
    if isinstance(obj, DocumentVersion):  # a new newest version: its sections replace the old
        return [f"D{obj.destination_id}"]  # (and a removed or restored one: see documents)
    if isinstance(obj, Destination) and not is_new and _changed(obj, _WATCHED[Destination]):
        return [f"D{obj.id}"]
    return []


def _after_flush(session: OrmSession, _context) -> None:
    keys: list[str] = []
    for obj in session.new:
        keys.extend(keys_for(obj, True))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            keys.extend(keys_for(obj, False))
    for obj in session.deleted:
        keys.extend(keys_for(obj, False) if not isinstance(obj, (Point, Message)) else [])
    record_keys(session, keys)


def record_keys(session: OrmSession, keys: Iterable[str]) -> None:
    """Add outbox rows for these keys in the session's transaction (once per key and
    transaction); they are applied after the commit. For changes made by bulk UPDATEs, which
    the flush listener does not see."""
    written = session.info.setdefault("search_keys", set())
    fresh = [k for k in dict.fromkeys(keys) if k not in written]
    if not fresh:
        return
    written.update(fresh)
    if _direct_for(session) is not None:  # applied in this transaction, just before commit
        session.info.setdefault("search_direct", []).extend(fresh)
        return
    now = utcnow()
    session.connection().execute(
        sa.insert(SearchOutbox.__table__), [{"key": k, "created_at": now} for k in fresh]
    )


_hooks: list = []


def _after_commit(session: OrmSession) -> None:
    if session.info.pop("search_keys", None):
        for hook in _hooks:
            try:
                hook(session)
            except Exception:  # the data is committed; the rows wait for the next drain
                log.exception("applying the search outbox after commit failed")


def _after_rollback(session: OrmSession) -> None:
    session.info.pop("search_keys", None)
    session.info.pop("search_direct", None)


# Engines whose search documents are written in the changing transaction itself (the
# PostgreSQL backend, pgsearch.py): id(engine) -> apply(session, keys).
_direct: dict[int, object] = {}


def direct(engine, apply) -> None:
    """Write this engine's search changes in the same transaction, just before each commit:
    ``apply(session, keys)`` instead of outbox rows."""
    _direct[id(engine)] = apply
    if not event.contains(OrmSession, "before_commit", _before_commit):
        event.listen(OrmSession, "before_commit", _before_commit)


def _direct_for(session: OrmSession):
    bind = session.bind
    return _direct.get(id(getattr(bind, "engine", bind))) if bind is not None else None


def _before_commit(session: OrmSession) -> None:
    if not session.info.get("search_direct") and not session.new and not session.dirty \
            and not session.deleted:
        return
    apply = _direct_for(session)
    if apply is None:
        return
    session.flush()  # what is still pending adds its keys first
    while keys := session.info.pop("search_direct", None):
        apply(session, keys)


def listen(on_commit) -> None:
    """Record outbox rows for every session; call ``on_commit`` after a commit that wrote some."""
    if not event.contains(OrmSession, "after_flush", _after_flush):
        event.listen(OrmSession, "after_flush", _after_flush)
        event.listen(OrmSession, "after_commit", _after_commit)
        event.listen(OrmSession, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    if on_commit not in _hooks:
        _hooks.append(on_commit)


def unlisten(on_commit) -> None:
    if on_commit in _hooks:
        _hooks.remove(on_commit)


# --- expanding keys into search documents -----------------------------------------------


def expand(session: Session, keys: Iterable[str]) -> set[str]:
    """Outbox keys -> the document keys (p/r/m/s + id) to refresh.

    A fixed number of statements per 500 keys of a letter (an import of 10,000 points writes
    thousands of response and point keys: one query each made the outbox, not the index,
    the slow part)."""
    out: set[str] = set()
    point_ids: set[int] = set()
    by_letter: dict[str, set[int]] = {"r": set(), "R": set(), "C": set(), "D": set()}
    for k in keys:
        letter, number = k[0], int(k[1:])
        if letter in "pP":
            point_ids.add(number)
        elif letter in "msd":
            out.add(k)
        elif letter in by_letter:
            by_letter[letter].add(number)
    out.update(f"r{i}" for i in by_letter["r"])
    for chunk in _chunks(sorted(by_letter["r"]), 500):
        point_ids.update(session.execute(
            sa.select(ResponsePoint.point_id).where(ResponsePoint.response_id.in_(chunk))
        ).scalars())
    for chunk in _chunks(sorted(by_letter["R"]), 500):
        point_ids.update(session.execute(
            sa.select(Point.id).where(Point.reaction_id.in_(chunk))
        ).scalars())
        out.update(f"r{i}" for i in session.execute(
            sa.select(Response.id).where(Response.reaction_id.in_(chunk))
        ).scalars())
    destinations = set(by_letter["D"])
    for chunk in _chunks(sorted(by_letter["C"]), 500):
        destinations.update(session.execute(
            sa.select(Destination.id).where(Destination.consultation_id.in_(chunk))).scalars())
        point_ids.update(session.execute(
            sa.select(Point.id)
            .join(Reaction, Reaction.id == Point.reaction_id)
            .where(Reaction.consultation_id.in_(chunk))
        ).scalars())
        out.update(f"r{i}" for i in session.execute(
            sa.select(Response.id).where(Response.consultation_id.in_(chunk))
        ).scalars())
    for chunk in _chunks(sorted(destinations), 500):  # every version's sections: old ones go
        out.update(f"d{i}" for i in session.execute(
            sa.select(DocumentSection.id)
            .join(DocumentVersion, DocumentVersion.id == DocumentSection.version_id)
            .where(DocumentVersion.destination_id.in_(chunk))).scalars())
    for chunk in _chunks(sorted(point_ids), 500):
        out.update(f"p{i}" for i in chunk)
        # An answer is findable while it answers a live point: archiving or restoring a point
        # or reaction changes that (documents.response_documents).
        out.update(
            f"r{i}"
            for i in session.execute(
                sa.select(ResponsePoint.response_id).where(ResponsePoint.point_id.in_(chunk))
            ).scalars()
        )
        out.update(
            f"m{i}"
            for i in session.execute(
                sa.select(Message.id).where(
                    Message.point_id.in_(chunk), Message.kind != MessageKind.system
                )
            ).scalars()
        )
    return out


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pending(session: Session, limit: int = 1_000) -> list[SearchOutbox]:
    return list(
        session.execute(
            sa.select(SearchOutbox)
            .where(SearchOutbox.done_at.is_(None))
            .order_by(SearchOutbox.id)
            .limit(limit)
        ).scalars()
    )


def pending_count(session: Session) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(SearchOutbox).where(SearchOutbox.done_at.is_(None))
    ).scalar_one()


def documents_for_keys(session: Session, keys: Iterable[str]):
    """(documents to write, keys to delete) for these outbox keys."""
    doc_keys = expand(session, keys)
    found: list[dict] = []
    gone: list[str] = []
    for chunk in _chunks(sorted(doc_keys), 500):
        docs, removed = documents.documents_for(session, chunk)
        found.extend(docs)
        gone.extend(removed)
    return found, gone
