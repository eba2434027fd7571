"""Keeping the stakeholder registry: create, change (rename, kind, re-parent, contact e-mail),
archive and restore. Merging two stakeholders is in ``merging``.

Every change is audited and only flushed; the request commits. Edits name the version their
form showed (``Stakeholder.version``): a form that is behind gets ``Stale``, and two saves at
the same moment are told apart by the version check of the UPDATE itself (StaleDataError).
Changes to the tree (a new parent, a merge) first take the registry's tree lock, so that two
re-parentings at the same moment cannot together make a cycle that neither saw.
"""

import re
import unicodedata

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import audit
from ..hierarchy import with_descendants
from ..intake import create_stakeholder
from ..models import Stakeholder, StakeholderKind, User
from ..slugs import unique_slug

MAX_NAME = 300
MAX_EMAIL = 320
# Any advisory lock key will do, as long as nothing else in the app uses it: "regi".
_TREE_LOCK = 0x72656769
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


class RegistryError(ValueError):
    """A change the registry refuses; the message says why, in the user's language."""


class Stale(RegistryError):
    """The form showed an older version of the stakeholder than the one stored now."""

    def __init__(self, current: Stakeholder):
        self.current = current
        super().__init__(_(
            "Someone else changed %(name)s in the meantime. Nothing was saved; your changes "
            "are still in the form. Check the current details and save again.",
            name=current.name))


def clean_name(raw: str | None) -> str:
    """A stakeholder name as stored: white space collapsed to single spaces. Raises
    RegistryError when empty, longer than 300 characters, or holding control or invisible
    characters (they break the Word and Excel exports and cannot be typed by anyone)."""
    text = raw or ""
    if len(text) > 10 * MAX_NAME:  # not a name: do not even look at it
        raise RegistryError(_("A name has at most %(max)s characters.", max=MAX_NAME))
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise RegistryError(_("Fill in the stakeholder's name."))
    if len(name) > MAX_NAME:
        raise RegistryError(_("A name has at most %(max)s characters.", max=MAX_NAME))
    if _CONTROL.search(name):
        raise RegistryError(_("The name contains invisible or control characters; type it "
                              "again without them."))
    return name


def clean_email(raw: str | None) -> str:
    """The organisation's contact address, normalised ("" when left empty). Checked by
    email-validator for its form only (no DNS look-up: intranets). Raises RegistryError."""
    text = (raw or "").strip()
    if not text:
        return ""
    if len(text) > MAX_EMAIL:
        raise RegistryError(_("An e-mail address has at most %(max)s characters.", max=MAX_EMAIL))
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise RegistryError(_(
            "\"%(value)s\" is not an e-mail address (like secretariaat@katwijk.nl).",
            value=text[:80])) from None


def clean_kind(raw: str | None) -> str:
    """One of the stakeholder kinds; RegistryError otherwise."""
    if raw not in {k.value for k in StakeholderKind}:
        raise RegistryError(_("Choose the kind of stakeholder."))
    return raw


def live_parent(session: Session, parent_id: int | None) -> Stakeholder | None:
    """The chosen parent (None for none). Raises RegistryError when it does not exist or is
    archived: nothing new goes under an archived stakeholder."""
    if parent_id is None:
        return None
    parent = session.get(Stakeholder, parent_id)
    if parent is None:
        raise RegistryError(_("The stakeholder to put it under does not exist (any more)."))
    if parent.archived:
        raise RegistryError(_("%(name)s is archived: nothing can be put under it.",
                              name=parent.name))
    return parent


def create(session: Session, actor: User | None, *, name: str, kind: str,
           parent_id: int | None = None, email: str = "") -> Stakeholder:
    """Add a stakeholder to the registry (raw form values are checked here). Raises
    RegistryError. Close matches are the caller's question (matching.close_matches), asked
    before this."""
    name = clean_name(name)
    kind = clean_kind(kind)
    email = clean_email(email)
    parent = live_parent(session, parent_id)
    return create_stakeholder(
        session, actor, slug=unique_slug(session, Stakeholder, name), name=name, kind=kind,
        parent_id=parent.id if parent else None, email=email,
    )


def lock_tree(session: Session) -> None:
    """Serialise changes to the stakeholder tree until this transaction ends: PostgreSQL an
    advisory transaction lock, SQLite its write lock (taken by a write that changes nothing)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_TREE_LOCK)))
    else:
        session.execute(sa.update(Stakeholder).where(sa.false()).values(version=Stakeholder.version))


def parents(session: Session) -> dict[int, int | None]:
    """Every stakeholder's parent id, read fresh from the database (not the session's cache)."""
    return dict(session.execute(sa.select(Stakeholder.id, Stakeholder.parent_id)).all())


def descendants(session: Session, stakeholder_id: int) -> set[int]:
    """The ids of everything under the stakeholder (not the stakeholder itself)."""
    rows = [_Node(i, p) for i, p in parents(session).items()]
    return with_descendants(stakeholder_id, rows) - {stakeholder_id}


class _Node:
    __slots__ = ("id", "parent_id")

    def __init__(self, id_: int, parent_id: int | None):
        self.id, self.parent_id = id_, parent_id


def _check_parent(session: Session, stakeholder: Stakeholder, parent: Stakeholder | None):
    """Refuse a parent that is the stakeholder itself or lies under it (a cycle)."""
    if parent is None:
        return
    if parent.id == stakeholder.id:
        raise RegistryError(_("A stakeholder cannot be part of itself."))
    if parent.id in descendants(session, stakeholder.id):
        raise RegistryError(_(
            "%(parent)s lies under %(name)s, so %(name)s cannot be put under it (that would "
            "make a circle). Move %(parent)s first.", parent=parent.name, name=stakeholder.name))


def _touch(stakeholder: Stakeholder, version: int | None) -> None:
    """Check the form's version and bump it: the UPDATE then only applies to that version."""
    if version is not None and version != stakeholder.version:
        raise Stale(stakeholder)
    stakeholder.version += 1


def change(session: Session, actor: User | None, stakeholder: Stakeholder, *, version: int | None,
           name: str, kind: str, parent_id: int | None, email: str) -> bool:
    """Rename, change the kind, re-parent or change the contact e-mail of a stakeholder, from
    the form that showed ``version``. Returns whether anything changed (one audit event
    "change" with before and after). Raises RegistryError, Stale; StaleDataError at flush when
    someone saved the same version at the same moment."""
    if stakeholder.merged_into_id is not None:
        raise RegistryError(_("%(name)s was merged into another stakeholder and cannot be "
                              "changed.", name=stakeholder.name))
    name, kind, email = clean_name(name), clean_kind(kind), clean_email(email)
    if version is not None and version != stakeholder.version:
        raise Stale(stakeholder)
    new = {"name": name, "kind": kind, "parent_id": parent_id, "email": email}
    if all(getattr(stakeholder, k) == v for k, v in new.items()):
        return False
    if parent_id != stakeholder.parent_id:
        lock_tree(session)
        parent = live_parent(session, parent_id)
        _check_parent(session, stakeholder, parent)
    before = audit.snapshot(stakeholder)
    for key, value in new.items():
        setattr(stakeholder, key, value)
    _touch(stakeholder, version)
    session.add(stakeholder)
    session.flush()
    audit.record(session, actor, "change", stakeholder, before)
    return True


def set_archived(session: Session, actor: User | None, stakeholder: Stakeholder, archived: bool,
                 version: int | None = None) -> bool:
    """Archive (hide from the composer and the registry's list) or restore a stakeholder; its
    reactions and points stay as they are. Returns whether anything changed. Refused: archiving
    one with live parts under it, restoring a merged one or one under an archived parent."""
    if stakeholder.archived == archived:
        return False
    if archived:
        live_children = session.exec(select(Stakeholder.name).where(
            Stakeholder.parent_id == stakeholder.id, Stakeholder.archived == sa.false())).all()
        if live_children:
            raise RegistryError(_(
                "%(name)s still has parts that are not archived (%(parts)s): archive, move or "
                "merge those first.", name=stakeholder.name, parts=", ".join(live_children[:5])))
    else:
        if stakeholder.merged_into_id is not None:
            raise RegistryError(_("%(name)s was merged into another stakeholder; a merge cannot "
                                  "be undone here.", name=stakeholder.name))
        parent = session.get(Stakeholder, stakeholder.parent_id) if stakeholder.parent_id else None
        if parent is not None and parent.archived:
            raise RegistryError(_("%(name)s lies under %(parent)s, which is archived: restore "
                                  "%(parent)s first.", name=stakeholder.name, parent=parent.name))
    before = audit.snapshot(stakeholder)
    stakeholder.archived = archived
    _touch(stakeholder, version)
    session.add(stakeholder)
    session.flush()
    audit.record(session, actor, "archive" if archived else "restore", stakeholder, before)
    return True


def registry_tree(session: Session, archived: bool = False) -> list[tuple[Stakeholder, int]]:
    """Every stakeholder (the archived ones too when ``archived``) as (stakeholder, depth),
    each under its parent, siblings by name. A stakeholder whose parent is not shown is a top."""
    query = select(Stakeholder).order_by(Stakeholder.name, Stakeholder.id)
    if not archived:
        query = query.where(Stakeholder.archived == sa.false())
    rows = session.exec(query).all()
    shown = {s.id for s in rows}
    children: dict[int | None, list[Stakeholder]] = {}
    for s in rows:
        children.setdefault(s.parent_id if s.parent_id in shown else None, []).append(s)
    out: list[tuple[Stakeholder, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for s in children.get(parent_id, []):
            if s.id not in seen:  # a cycle in old data shows once, never loops
                seen.add(s.id)
                out.append((s, depth))
                walk(s.id, depth + 1)

    walk(None, 0)
    out.extend((s, 0) for s in rows if s.id not in seen)
    return out
