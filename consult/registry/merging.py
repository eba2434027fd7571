"""Merging two stakeholders that are one organisation ("Gemeente Katwijk" into "Katwijk").

Everything that points at the one that goes is moved to the one that stays: reactions, points'
own senders, follows, the accounts acting for it, invitations, the stakeholders under it — and
whatever table is added later, because the references are found by walking the foreign keys
of ``SQLModel.metadata`` to ``stakeholder.id``, not listed by hand. A row that cannot move
because the one that stays already has its twin (a unique key: invited to the same
consultation twice) stays with the merged one, archived where the table can archive, and the
history says so; a follow of both by the same person becomes one follow. The merged
stakeholder is archived with ``merged_into_id`` set; the audit trail has one event per kind of
row moved (with the ids), one on each stakeholder, and the search index follows.
Undo is not offered; the history says exactly what moved.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, SQLModel

from .. import audit
from ..intake import bump_revision
from ..models import AuditEvent, Point, Reaction, Stakeholder, User
from ..search import outbox
from .operations import RegistryError, descendants, lock_tree

# What the rows of a reference are, for people (others show as "table.column").
LABELS = {
    ("reaction", "stakeholder_id"): _l("reactions"),
    ("point", "stakeholder_id"): _l("points with their own sender (joint letters)"),
    ("follow", "stakeholder_id"): _l("follows"),
    ("user", "stakeholder_id"): _l("accounts acting for it"),
    ("invitation", "stakeholder_id"): _l("invitations"),
    ("stakeholder", "parent_id"): _l("stakeholders under it"),
    ("stakeholder", "merged_into_id"): _l("stakeholders merged into it before"),
}
# Tables without a unique key where two rows for the same thing are still one too many.
_SAME_THING = {"follow": ("user_id",)}


@dataclass(frozen=True)
class Reference:
    """A column that holds a stakeholder id."""

    table: sa.Table
    column: sa.Column

    @property
    def key(self) -> tuple[str, str]:
        return (self.table.name, self.column.name)

    @property
    def label(self) -> str:
        return str(LABELS.get(self.key, f"{self.table.name}.{self.column.name}"))


def references() -> list[Reference]:
    """Every column of every table that refers to stakeholder.id (from the models' metadata,
    so tables added later are found too), in a stable order."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "stakeholder" and fk.column.name == "id":
                found.append(Reference(table, fk.parent))
    return sorted(found, key=lambda r: r.key)


@dataclass
class Moved:
    """What happened to one kind of row: moved to the stakeholder that stays, or kept with the
    merged one (its twin already belonged to the one that stays)."""

    reference: Reference
    moved: list = field(default_factory=list)
    kept: list = field(default_factory=list)


@dataclass
class MergeReport:
    keep: Stakeholder
    gone: Stakeholder
    rows: list[Moved]

    def count(self, table: str, column: str = "stakeholder_id") -> int:
        """How many rows of one kind moved."""
        return sum(len(m.moved) for m in self.rows if m.reference.key == (table, column))


def preview(session: Session, gone: Stakeholder) -> list[tuple[str, int]]:
    """(label, number of rows) that point at ``gone``, for the confirmation page."""
    out = []
    for ref in references():
        n = session.execute(sa.select(sa.func.count()).select_from(ref.table)
                            .where(ref.column == gone.id)).scalar_one()
        if n:
            out.append((ref.label, n))
    return out


def check(session: Session, keep: Stakeholder, gone: Stakeholder) -> None:
    """Refuse a merge that cannot be done; RegistryError with the reason."""
    if keep.id == gone.id:
        raise RegistryError(_("Choose two different stakeholders to merge."))
    if keep.archived:
        raise RegistryError(_("%(name)s is archived: restore it before merging into it.",
                              name=keep.name))
    if gone.merged_into_id is not None:
        raise RegistryError(_("%(name)s was already merged into another stakeholder.",
                              name=gone.name))
    if keep.id in descendants(session, gone.id):
        raise RegistryError(_(
            "%(keep)s lies under %(gone)s: move %(keep)s out from under it first, then merge.",
            keep=keep.name, gone=gone.name))


def merge(session: Session, actor: User | None, keep: Stakeholder, gone: Stakeholder,
          versions: tuple[int, int] | None = None) -> MergeReport:
    """Move everything of ``gone`` to ``keep`` and archive ``gone`` (merged_into_id = keep).
    ``versions``: (keep, gone) as the confirmation form showed them. Raises RegistryError
    (see ``check``), operations.Stale; StaleDataError at flush when someone changed either
    stakeholder at the same moment. Only flushes."""
    from .operations import Stale

    lock_tree(session)
    check(session, keep, gone)
    for stakeholder, version in zip((keep, gone), versions or (None, None), strict=True):
        if version is not None and version != stakeholder.version:
            raise Stale(stakeholder)
    before_gone, before_keep = audit.snapshot(gone), audit.snapshot(keep)
    # Both rows first, each UPDATE checking its version: of two merges (or a merge and an
    # edit) of these stakeholders at the same moment, the second fails here, before moving.
    keep.version += 1
    gone.version += 1
    gone.archived = True
    gone.merged_into_id = keep.id
    session.add_all([keep, gone])
    session.flush()
    consultations = _consultations_of(session, gone.id)
    rows = [_move(session, ref, keep, gone) for ref in references()]
    rows = [m for m in rows if m.moved or m.kept]
    cleared = _clear_own_senders(session, keep)
    _index(session, rows, cleared)
    for consultation_id in consultations:
        bump_revision(session, consultation_id)
    session.expire_all()  # the rows moved by UPDATEs: reload them from the database
    _record(session, actor, keep, gone, rows, cleared, before_keep, before_gone)
    session.flush()
    return MergeReport(session.get(Stakeholder, keep.id), session.get(Stakeholder, gone.id), rows)


def _ids(session: Session, table: sa.Table, *where) -> list:
    """Primary keys of matching rows: ids, or lists for composite keys (JSON-safe)."""
    cols = list(table.primary_key.columns)
    rows = session.execute(sa.select(*cols).where(*where).order_by(*cols)).all()
    return [r[0] if len(cols) == 1 else list(r) for r in rows]


def _twins(ref: Reference, keep: Stakeholder):
    """A condition on ref.table: the row's twin already exists for ``keep`` (a unique key, or
    the primary key, that includes the reference column; or the same thing in _SAME_THING)."""
    table, column = ref.table, ref.column
    keys = [list(c.columns) for c in table.constraints
            if isinstance(c, sa.UniqueConstraint | sa.PrimaryKeyConstraint)]
    keys += [list(i.columns) for i in table.indexes if i.unique]
    keys += [[column, *(table.c[n] for n in extra)]
             for name, extra in _SAME_THING.items() if name == table.name]
    conditions = []
    for cols in keys:
        if column not in cols:
            continue
        twin = table.alias()
        conditions.append(sa.exists().where(
            twin.c[column.name] == keep.id,
            *(twin.c[c.name] == table.c[c.name] for c in cols if c is not column),
        ))
    return sa.or_(*conditions) if conditions else None


def _move(session: Session, ref: Reference, keep: Stakeholder, gone: Stakeholder) -> Moved:
    """Move the rows of one reference from ``gone`` to ``keep``; twins stay with ``gone``.
    The rows are chosen first and then changed by primary key, so that two rows of ``gone``
    that are each other's twin do not both move."""
    table, column = ref.table, ref.column
    result = Moved(ref)
    twins = _twins(ref, keep)
    if twins is None:
        result.moved = _ids(session, table, column == gone.id)
    else:
        result.kept = _ids(session, table, column == gone.id, twins)
        result.moved = _ids(session, table, column == gone.id, sa.not_(twins))
    values = {column.name: keep.id}
    if table.name == "stakeholder":  # a new parent is a new version of the child
        values["version"] = table.c.version + 1
    for chunk in _chunks(result.moved):
        session.execute(sa.update(table).where(column == gone.id, _in(table, chunk))
                        .values(**values))
    for chunk in _chunks(result.kept):
        if table.name == "follow":  # the same person following both: one follow is enough
            session.execute(sa.delete(table).where(_in(table, chunk)))
        elif "archived" in table.c:
            session.execute(sa.update(table).where(_in(table, chunk)).values(archived=True))
    return result


def _chunks(ids: list, size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _in(table: sa.Table, ids: list):
    """The rows with these primary keys (single ids, or lists for composite keys)."""
    cols = list(table.primary_key.columns)
    if len(cols) == 1:
        return cols[0].in_(ids)
    return sa.tuple_(*cols).in_([tuple(i) for i in ids])


def _clear_own_senders(session: Session, keep: Stakeholder) -> list[int]:
    """A point names its own sender only when that differs from its reaction's (models.Point):
    points of ``keep``'s reactions that now name ``keep`` itself name nobody again."""
    own = sa.select(Reaction.id).where(Reaction.stakeholder_id == keep.id)
    ids = list(session.execute(sa.select(Point.id).where(
        Point.stakeholder_id == keep.id, Point.reaction_id.in_(own)).order_by(Point.id)).scalars())
    if ids:
        session.execute(sa.update(Point).where(Point.id.in_(ids)).values(stakeholder_id=None))
    return ids


def _consultations_of(session: Session, stakeholder_id: int) -> list[int]:
    """Consultations with a reaction or point of the stakeholder (their pages refresh)."""
    via_points = sa.select(Reaction.consultation_id).join(Point, Point.reaction_id == Reaction.id)
    return sorted(set(session.execute(
        sa.select(Reaction.consultation_id).where(Reaction.stakeholder_id == stakeholder_id)
        .union(via_points.where(Point.stakeholder_id == stakeholder_id))).scalars()))


def _index(session: Session, rows: list[Moved], cleared: list[int]) -> None:
    """Search documents carry their stakeholder: refresh those of the moved reactions and
    points (the UPDATEs above bypass the session's own outbox listener)."""
    keys = []
    for m in rows:
        if m.reference.key == ("reaction", "stakeholder_id"):
            keys += [f"R{i}" for i in m.moved]
        elif m.reference.key == ("point", "stakeholder_id"):
            keys += [f"P{i}" for i in m.moved]
    keys += [f"P{i}" for i in cleared]
    outbox.record_keys(session, keys)


def _record(session, actor, keep, gone, rows, cleared, before_keep, before_gone) -> None:
    """The history: one event per kind of row moved (on the merged stakeholder), the merge
    itself on both stakeholders."""
    user_id = getattr(actor, "id", None)
    summary = {}
    for m in rows:
        name = f"{m.reference.table.name}.{m.reference.column.name}"
        summary[name] = len(m.moved)
        after = {"table": m.reference.table.name, "column": m.reference.column.name,
                 "to": keep.id, "moved": m.moved, "kept": m.kept}
        if m.reference.key == ("point", "stakeholder_id"):
            after["cleared"] = cleared
        session.add(AuditEvent(user_id=user_id, action="merge_move", entity="stakeholder",
                               entity_id=gone.id, before={"stakeholder_id": gone.id},
                               after=after))
    audit.record(session, actor, "merge", gone, before_gone)
    session.add(AuditEvent(
        user_id=user_id, action="merge_in", entity="stakeholder", entity_id=keep.id,
        before=before_keep,
        after={**audit.snapshot(keep), "merged": {"id": gone.id, "name": gone.name},
               "moved": summary},
    ))
