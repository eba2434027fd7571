"""The life of a consultation: created as a concept, opened for reactions, closed and
processed, decided, published, archived — one step at a time, each in the audit trail.

Operations only flush; the request commits. Who may take a step is access.py's question
(``can_change_state``); which steps exist from which state is this module's (``STEPS``).
``published`` and ``archived`` (the flags that search and many queries read) are written here
only, always in step with ``status``.
"""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from .. import attachments, audit
from ..extract import MAX_UPLOAD_BYTES, display_name
from ..files import Files
from ..intake import bump_revision
from ..labels import STATES
from ..models import (
    Attachment,
    AuditEvent,
    Consultation,
    ConsultationCreate,
    ConsultationStatus,
    Destination,
    Membership,
    Reaction,
    User,
    aware,
    utcnow,
)
from ..processing import create_destination, destinations_of
from ..slugs import unique_slug

S = ConsultationStatus

# The words of the states live with every other state's word and colour (labels.STATES).
STATE_LABELS = {value: word for (kind, value), (word, _tone) in STATES.items()
                if kind == "consultation"}

# Who sees a consultation in each state (access.can_view says it in code).
STATE_AUDIENCE = {
    S.concept.value: _l("Only members of this consultation see it."),
    S.open.value: _l("Members can read it; advisory boards can send their advice."),
    S.closed.value: _l("Only members see it; reactions that still come in are marked late."),
    S.decided.value: _l("Only members see it, with the decision."),
    S.published.value: _l("Everyone sees the public page and the answered table, also "
                          "without an account."),
    S.archived.value: _l("Only administrators see it."),
}


@dataclass(frozen=True)
class Step:
    """One action of the lifecycle: from which states, to which (None: back to where it was
    before archiving), its button, what it does in one line, and its line in the history."""

    name: str
    path: str  # the URL part: /consultaties/<slug>/status/<path>
    sources: tuple[str, ...]
    target: str | None
    label: object
    explanation: object
    done: object
    back: bool = False  # a step back (shown apart from the way forward)


STEPS = {step.name: step for step in (
    Step("open", "openen", (S.concept,), S.open, _l("Open for reactions"),
         _l("Members can log reactions and advisory boards can send their advice."),
         _l("Opened")),
    Step("close", "sluiten", (S.open,), S.closed, _l("Close for reactions"),
         _l("The secretariat processes the reactions; what still comes in is marked late."),
         _l("Closed")),
    Step("reopen", "heropenen", (S.closed,), S.open, _l("Reopen for reactions"),
         _l("Reactions can be sent again; advisory boards can submit advice."),
         _l("Reopened"), back=True),
    Step("decide", "besluiten", (S.closed,), S.decided, _l("Record the decision"),
         _l("Which body decided on the answered table, and when."), _l("Decided")),
    Step("undo_decision", "besluit-terugdraaien", (S.decided,), S.closed,
         _l("Undo the decision"),
         _l("Back to processing; the body and date of the decision are cleared."),
         _l("Decision undone"), back=True),
    Step("publish", "publiceren", (S.decided,), S.published, _l("Publish"),
         _l("Everyone, also without an account, sees the public page and the answered table."),
         _l("Published")),
    Step("unpublish", "publicatie-intrekken", (S.published,), S.decided, _l("Unpublish"),
         _l("Only members see the consultation again."), _l("Unpublished"), back=True),
    Step("archive", "archiveren", (S.published, S.concept), S.archived, _l("Archive"),
         _l("Nothing is deleted; only administrators see it and can restore it."),
         _l("Archived")),
    Step("restore", "herstellen", (S.archived,), None, _l("Restore"),
         _l("Back to the state it was in before it was archived."), _l("Restored"),
         back=True),
)}
STEP_BY_PATH = {step.path: step for step in STEPS.values()}

# Old statuses (before the lifecycle) and what they mean now (migration 0013, old archives).
LEGACY_STATES = {"processing": S.closed, "answered": S.decided}


class LifecycleError(ValueError):
    """Input that cannot be saved as it is: ``errors`` maps a form field to a Dutch message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class StateConflict(ValueError):
    """The step does not fit the state the consultation is in now (someone else took a step
    in the meantime, or at the same moment). Nothing was changed."""

    def __init__(self, consultation: Consultation):
        super().__init__()
        self.consultation = consultation

    def __str__(self) -> str:
        return _("This step is not possible now: the consultation is %(state)s. Someone may "
                 "have changed it in the meantime; nothing was changed.",
                 state=state_label(self.consultation.status))


class FactsConflict(ValueError):
    """Someone else saved the consultation after the editor opened the form."""

    def __init__(self, consultation: Consultation):
        super().__init__()
        self.consultation = consultation

    def __str__(self) -> str:
        return _("Someone else changed this consultation in the meantime. Your text is kept "
                 "below; compare it with what is saved now and save again.")


def state_label(state: str) -> str:
    """The Dutch (or English) name of a state: "open voor reacties"."""
    return str(STATE_LABELS.get(state, state))


def steps_from(consultation: Consultation) -> list[Step]:
    """The steps that can be taken from the consultation's current state, forward ones first."""
    found = [s for s in STEPS.values() if consultation.status in s.sources]
    return sorted(found, key=lambda s: s.back)


def legacy_state(status: str, published: bool = False, archived: bool = False) -> str:
    """An old status (and the old flags) as a lifecycle state, as migration 0013 maps them."""
    if archived:
        return S.archived
    if published:
        return S.published
    state = LEGACY_STATES.get(status, status)
    return state if state in STATE_LABELS else S.concept


# --- the facts: what a secretary fills in ---------------------------------------------------


@dataclass
class Facts:
    """What the create and edit forms say about a consultation. ``upload`` is (file name,
    bytes) of a new document under consultation; ``document_url`` a link to it instead."""

    title: str
    organiser: str = ""
    document: str = ""
    document_url: str = ""
    description: str = ""
    closes_on: date | None = None
    upload: tuple[str, bytes] | None = None

    def fields(self) -> dict:
        """The columns these facts set."""
        return {"title": self.title, "organiser": self.organiser, "document": self.document,
                "document_url": self.document_url, "description": self.description,
                "closes_on": self.closes_on}


_DOCUMENT_KINDS = frozenset({".pdf", ".docx"})


def _printable(value) -> str:
    """The text without control characters (but its line breaks and tabs): one of them in a
    title would break every Word and Excel export that includes it (lxml refuses them)."""
    return "".join(ch for ch in str(value or "")
                   if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def _one_line(value, limit: int, name: str, errors: dict, label: str) -> str:
    text = " ".join(_printable(value).split())
    if len(text) > limit:
        errors[name] = _("%(field)s is at most %(num)s characters.", field=label, num=limit)
    return text


def _day(value, name: str, errors: dict) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = _("Fill in a date as day, month and year (for example 16-12-2015).")
        return None


def check_link(url: str) -> bool:
    """An http or https address with a host, and nothing that could run (javascript:, data:)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(
        ch.isspace() or ord(ch) < 32 for ch in url)


def check_upload(filename: str, data: bytes) -> str | None:
    """Why this file cannot be the document under consultation (a Dutch message), or None.
    Only .docx and .pdf, at most 10 MB, and the content must be what the name says (a PDF
    starts with %PDF-, a .docx is a zip archive); the file is stored, never parsed here."""
    suffix = PurePosixPath(display_name(filename)).suffix.lower()
    if suffix not in _DOCUMENT_KINDS:
        return _("Upload the document as a Word (.docx) or PDF (.pdf) file.")
    if not data:
        return _("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        return _("The file is larger than 10 MB. Upload a smaller file or give a link.")
    if suffix == ".pdf" and b"%PDF-" not in data[:1024]:
        return _("This file is not a readable PDF.")
    if suffix == ".docx" and not data.startswith(b"PK\x03\x04"):
        return _("This file is not a readable Word file (.docx).")
    return None


def read_facts(form: Mapping, upload: tuple[str, bytes] | None = None) -> Facts:
    """The facts from a submitted form (strings), checked; raises LifecycleError with a Dutch
    message per field. Limits are the columns' (title 300, description 100,000 characters)."""
    errors: dict[str, str] = {}
    title = _one_line(form.get("title"), 300, "title", errors, _("The title"))
    if not title and "title" not in errors:
        errors["title"] = _("Give the consultation a title.")
    facts = Facts(
        title=title,
        organiser=_one_line(form.get("organiser"), 300, "organiser", errors, _("The organiser")),
        document=_one_line(form.get("document"), 500, "document", errors,
                           _("The name of the document")),
        document_url=(form.get("document_url") or "").strip(),
        description=_printable((form.get("description") or "").replace("\r\n", "\n")).strip(),
        closes_on=_day(form.get("closes_on"), "closes_on", errors),
        upload=upload,
    )
    if facts.document_url and (len(facts.document_url) > 500 or not check_link(facts.document_url)):
        errors["document_url"] = _("A link starts with https:// or http:// (at most 500 "
                                   "characters).")
    if len(facts.description) > 100_000:
        errors["description"] = _("The description is at most 100,000 characters.")
    if upload is not None:
        problem = check_upload(*upload)
        if problem:
            errors["file"] = problem
        elif facts.document_url:
            errors["document_url"] = _("Upload a file or give a link, not both.")
    if errors:
        raise LifecycleError(errors)
    return facts


# --- create and edit ---------------------------------------------------------------------


# Paths under /consultaties/ that are pages, not consultations.
RESERVED_SLUGS = frozenset({"nieuw"})


def new_slug(session: Session, title: str) -> str:
    """A slug made from the title, unique among consultations (never a reserved page name)."""
    slug = unique_slug(session, Consultation, title)
    return slug if slug not in RESERVED_SLUGS else unique_slug(session, Consultation,
                                                               f"{title} 2")


def create(session: Session, actor: User | None, facts: Facts, files: Files | None = None,
           copy_from: Consultation | None = None, slug: str | None = None) -> Consultation:
    """A new consultation as a concept, its creator a member (secretary) of it; with the
    destination tree (and invited stakeholders) of ``copy_from`` when given. ``slug`` is for
    the demo and imports; people never type one (it is made from the title)."""
    consultation = Consultation.model_validate(ConsultationCreate.model_validate({
        **facts.fields(), "slug": slug or new_slug(session, facts.title), "status": S.concept,
    }))
    session.add(consultation)
    session.flush()
    if actor is not None and getattr(actor, "id", None):
        session.add(Membership(consultation_id=consultation.id, user_id=actor.id))
    if facts.upload is not None:
        _store_document(session, actor, files, consultation, facts.upload)
    audit.record(session, actor, "create", consultation)
    if copy_from is not None:
        copy_destinations(session, actor, copy_from, consultation)
        copy_invitations(session, actor, copy_from, consultation)
    session.flush()
    return consultation


def _store_document(session, actor, files, consultation, upload) -> Attachment:
    consultation.document_url = ""  # the newest document counts: a file replaces a link
    if not consultation.document:
        consultation.document = display_name(upload[0]).rsplit(".", 1)[0][:500]
    return attachments.store(session, actor, files, None, *upload,
                             consultation=consultation)


def edit(session: Session, actor: User | None, consultation: Consultation,
         expected_version: int, facts: Facts, files: Files | None = None) -> bool:
    """Change the consultation's facts (and its document); False when nothing changed.
    Raises FactsConflict when the form was made from an older version, or someone saved at
    the same moment (UPDATE ... WHERE version = the one read, models.Versioned)."""
    if consultation.version != expected_version:
        raise FactsConflict(consultation)
    before = audit.snapshot(consultation)
    changes = {k: v for k, v in facts.fields().items() if getattr(consultation, k) != v}
    if not changes and facts.upload is None:
        return False
    for key, value in changes.items():
        setattr(consultation, key, value)
    consultation.version += 1
    session.add(consultation)
    try:
        session.flush()
    except StaleDataError:
        raise FactsConflict(consultation) from None
    if facts.upload is not None:
        _store_document(session, actor, files, consultation, facts.upload)
    bump_revision(session, consultation.id)
    session.flush()
    audit.record(session, actor, "change", consultation, before)
    return True


def document_file(session: Session, consultation: Consultation) -> Attachment | None:
    """The uploaded document under consultation (the newest upload), unless a link replaced
    it; None when there is none."""
    if consultation.document_url:
        return None
    return session.exec(
        select(Attachment).where(Attachment.consultation_id == consultation.id,
                                 Attachment.reaction_id.is_(None))
        .order_by(Attachment.id.desc())
    ).first()


def copy_destinations(session: Session, actor: User | None, source: Consultation,
                      target: Consultation) -> int:
    """Copy the live destination tree of an earlier consultation: titles, kinds, order and
    nesting, with fresh slugs. Returns how many were copied."""
    new_ids: dict[int, int] = {}
    tree = destinations_of(session, source.id)  # parents before children
    for destination, _depth in tree:
        copy = create_destination(
            session, actor, consultation_id=target.id,
            parent_id=new_ids.get(destination.parent_id),
            slug=unique_slug(session, Destination, destination.title,
                             consultation_id=target.id),
            title=destination.title, kind=destination.kind, position=destination.position,
        )
        new_ids[destination.id] = copy.id
    return len(tree)


def copy_invitations(session: Session, actor: User | None, source: Consultation,
                     target: Consultation) -> int:
    """Invite the stakeholders the earlier consultation invited (regions repeat the same round
    every year), through consult/invitations (audited). Returns how many were invited."""
    from ..invitations.operations import copy_invitations as copy

    return copy(session, actor, source, target)


# --- the steps ---------------------------------------------------------------------------


def _set_state(consultation: Consultation, state: str) -> None:
    """The only place that writes the state, and the archive flag that mirrors it (the flag
    every record shares, read by the archive and search; ``published`` is derived)."""
    consultation.status = S(state).value
    consultation.archived = state == S.archived


def read_decision(decided_by: str | None, decided_on: str | None,
                  today: date | None = None) -> tuple[str, date]:
    """The body and date of a decision from the form; raises LifecycleError (Dutch) when the
    body is missing or too long, or the date is missing, not a date or in the future."""
    errors: dict[str, str] = {}
    body = _one_line(decided_by, 300, "decided_by", errors, _("The body"))
    if not body and "decided_by" not in errors:
        errors["decided_by"] = _("Fill in which body decided (for example PHO Jeugdhulp).")
    day = _day(decided_on, "decided_on", errors)
    if day is None and "decided_on" not in errors:
        errors["decided_on"] = _("Fill in the date of the decision.")
    elif day is not None and day > (today or local_today()):
        errors["decided_on"] = _("The date of the decision lies in the future.")
    if errors:
        raise LifecycleError(errors)
    return body, day


def take_step(session: Session, actor: User | None, consultation: Consultation, name: str,
              expected_state: str | None = None, decided_by: str | None = None,
              decided_on: str | None = None) -> Consultation:
    """Take one step of the lifecycle (``STEPS``), recorded as a "transition" in the audit
    trail. ``expected_state`` is the state the page showed: a step taken from another state
    (someone was quicker) raises StateConflict and changes nothing, as does losing a race
    (the UPDATE names the version read). The decision needs its body and date
    (LifecycleError); undoing it clears both. When a step was taken is the audit trail's
    (``history``), not a column: ``opened_on`` stays the fact it was entered as."""
    step = STEPS[name]
    if consultation.status not in step.sources or (
            expected_state is not None and expected_state != consultation.status):
        raise StateConflict(consultation)
    before = audit.snapshot(consultation)
    if step.name == "decide":
        consultation.decided_by, consultation.decided_on = read_decision(decided_by, decided_on)
    elif step.name == "undo_decision":
        consultation.decided_by, consultation.decided_on = "", None
    _set_state(consultation, step.target or restore_state(session, consultation))
    consultation.version += 1
    session.add(consultation)
    try:
        session.flush()
    except StaleDataError:  # the caller rolls back and refreshes before showing the message
        raise StateConflict(consultation) from None
    bump_revision(session, consultation.id)
    audit.record(session, actor, "transition", consultation, before)
    session.flush()
    return consultation


def restore_state(session: Session, consultation: Consultation) -> str:
    """Where an archived consultation goes back to: the state it was archived from (the audit
    trail's last step into "archived"); for one archived before the lifecycle existed,
    published if it was decided, else concept."""
    for before, after in session.exec(
        select(AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.entity == "consultation", AuditEvent.entity_id == consultation.id,
               AuditEvent.action == "transition")
        .order_by(AuditEvent.id.desc())
    ):
        if (after or {}).get("status") == S.archived and (before or {}).get("status") in (
                S.published, S.concept):
            return before["status"]
    return S.published if consultation.decided_on else S.concept


# --- what happened, and late reactions -----------------------------------------------------


@dataclass
class HistoryLine:
    """One line of the consultation's history: "Opened on 3 January 2027 by Sanne"."""

    at: datetime
    what: object  # a lazy label
    who: User | None
    step: Step | None = None
    extra: dict = field(default_factory=dict)


def _step_of(before: dict, after: dict) -> Step | None:
    for step in STEPS.values():
        if before.get("status") in step.sources and (
                step.target == after.get("status") or step.target is None
                and before.get("status") == S.archived):
            return step
    return None


def history(session: Session, consultation: Consultation, limit: int = 20) -> list[HistoryLine]:
    """Created, changed and every step taken, oldest first (at most the newest ``limit``)."""
    rows = session.exec(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.entity == "consultation", AuditEvent.entity_id == consultation.id,
               AuditEvent.action.in_(("create", "change", "transition")))
        .order_by(AuditEvent.id.desc()).limit(limit)
    ).all()
    lines = []
    for event, user in reversed(rows):
        if event.action == "transition":
            step = _step_of(event.before or {}, event.after or {})
            extra = {}
            if step is not None and step.name == "decide":
                extra = {"decided_by": (event.after or {}).get("decided_by", ""),
                         "decided_on": _iso_day((event.after or {}).get("decided_on"))}
            lines.append(HistoryLine(event.at, step.done if step else _l("State changed"),
                                     user, step, extra))
        else:
            what = _l("Created") if event.action == "create" else _l("Details changed")
            lines.append(HistoryLine(event.at, what, user))
    return lines


def _iso_day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Europe/Amsterdam")


def local_today() -> date:
    """Today where the secretariat works (the app's time zone, Europe/Amsterdam)."""
    return utcnow().astimezone(_zone()).date()


def is_late(reaction: Reaction, consultation: Consultation) -> bool:
    """A reaction that came after the deadline ("Reageren kan tot"): its received date, else
    the day it was logged (in the app's time zone), lies after ``closes_on``. Derived, never
    stored: moving the deadline moves the marks."""
    if consultation.closes_on is None:
        return False
    day = reaction.received_on
    if day is None:
        logged = aware(reaction.created_at) or utcnow()
        day = logged.astimezone(_zone()).date()
    return day > consultation.closes_on


def days_left(consultation: Consultation, today: date | None = None) -> int | None:
    """Days until the deadline (0 on the last day, negative after it); None without one."""
    if consultation.closes_on is None:
        return None
    return (consultation.closes_on - (today or local_today())) // timedelta(days=1)
