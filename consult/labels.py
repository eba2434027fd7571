"""Display names for the stored enum values, in the user's language, and what each state means:
one word and one colour ("tone") per state, the same on every page (``STATES``)."""

from dataclasses import dataclass

from flask import g, has_app_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

LABELS = {
    # consultation status
    "open": _l("open"),
    "processing": _l("being processed"),
    "answered": _l("answered"),
    "closed": _l("closed"),
    # stakeholder kinds
    "municipality": _l("municipality (officials)"),
    "executive": _l("executive (college)"),
    "council": _l("council"),
    "council_faction": _l("council faction"),
    "advisory_board": _l("advisory board"),
    "working_group": _l("working group"),
    "joint_group": _l("joint group / subregion"),
    "care_provider": _l("care provider"),
    "other": _l("other"),
    # channels
    "ambtelijke_uitvraag": _l("officials' survey"),
    "collegebrief": _l("executive's letter"),
    "raadsbesluit": _l("council decision / motion"),
    "advies": _l("advice"),
    "zienswijze": _l("view (zienswijze)"),
    "gezamenlijke_reactie": _l("joint reaction"),
    # destination kinds
    "document_section": _l("document section"),
    "standing_body": _l("standing body"),
    "decision": _l("decision / meeting"),
    "not_adopted": _l("not adopted"),
    "noted": _l("noted"),
    # response status
    "draft": _l("draft"),
    "proposed": _l("proposed"),
    "adopted": _l("adopted"),
    "done": _l("done"),
    # commitment status (open and done as above)
    "cancelled": _l("cancelled"),
    # kinds of search result
    "point": _l("point"),
    "response": _l("answer"),
    "message": _l("message"),
    "stakeholder": _l("stakeholder"),
    "section": _l("document section"),
    # message kinds
    "comment": _l("comment"),
    "question": _l("question"),
    "answer": _l("answer"),
    "internal_note": _l("internal note"),
    "system": _l("event"),
    # audit actions
    "create": _l("created"),
    "change": _l("changed"),
    "archive": _l("archived"),
    "restore": _l("restored"),
    "submit": _l("submitted"),
    "merge": _l("merged"),
    "merge_move": _l("moved by a merge"),
    "merge_in": _l("merged in"),
    # corrections of points: audit actions and what made a point's version
    "move": _l("moved"),
    "split": _l("split"),
    "logged": _l("as logged"),
    "corrected": _l("corrected"),
    "moved": _l("moved"),
    "merged": _l("merged"),
    # roles
    "admin": _l("administrator"),
    "secretary": _l("secretary"),
    "councillor": _l("councillor"),
    "advisory_member": _l("advisory board member"),
    "viewer": _l("reader"),
}


def label(value: str | None) -> str:
    """The display name of an enum value (the value itself when unknown).

    Each label is translated once per request and language: ``str()`` of a lazy string runs a
    full gettext lookup, and a municipality's page asked for thousands of them (issue 15)."""
    if value is None:
        return ""
    key = str(value)
    if not has_app_context():
        return str(LABELS.get(key, value))
    resolved = g.setdefault("consult_labels", {}).setdefault(str(get_locale()), {})
    found = resolved.get(key)
    if found is None:
        found = resolved[key] = str(LABELS.get(key, value))
    return found


# --- States: one word and one tone each (README, "Wat de statussen betekenen") ---------------
#
# The tones, and the only colours a state word is ever shown in (static/consult.css, the block
# "Status colours"):
#   action  orange: someone has to act now (a point without an answer, an open commitment, late)
#   done    green: settled as asked (answered, adopted, done)
#   pending blue: under way, waiting for its next step (proposed, to do at a destination, a
#           consultation's running phases)
#   neutral grey: no action and no adoption (draft, not adopted, cancelled, concept, archived)
ACTION, DONE, PENDING, NEUTRAL = "action", "done", "pending", "neutral"
TONES = (ACTION, DONE, PENDING, NEUTRAL)
TONE_MEANINGS = {
    ACTION: _l("someone has to act"),
    DONE: _l("settled as asked"),
    PENDING: _l("under way, waiting for its next step"),
    NEUTRAL: _l("nothing to do, and not adopted or not yet in play"),
}

STATES = {
    # a point: answered means it has a live answer that is not a draft (dashboard._answered)
    ("point", "open"): (_l("open"), ACTION),
    ("point", "answered"): (_l("answered"), DONE),
    # an answer (Response.status): the point shows its latest answer's status
    ("answer", "draft"): (_l("draft"), NEUTRAL),
    ("answer", "proposed"): (_l("proposed"), PENDING),
    ("answer", "adopted"): (_l("adopted"), DONE),
    ("answer", "done"): (_l("done"), DONE),
    ("answer", "not_adopted"): (_l("not adopted"), NEUTRAL),
    # a point routed to a destination: done there (a landing), or still to do
    ("destination", "done"): (_l("done"), DONE),
    ("destination", "to_do"): (_l("to do"), PENDING),
    # a commitment (toezegging)
    ("commitment", "open"): (_l("open"), ACTION),
    ("commitment", "overdue"): (_l("overdue"), ACTION),
    ("commitment", "done"): (_l("done"), DONE),
    ("commitment", "cancelled"): (_l("cancelled"), NEUTRAL),
    # a reaction
    ("reaction", "draft"): (_l("draft"), NEUTRAL),
    ("reaction", "submitted"): (_l("submitted"), NEUTRAL),
    ("reaction", "late"): (_l("late"), ACTION),
    # a consultation's lifecycle (consult/lifecycle): phases, never a verdict on its points
    ("consultation", "concept"): (_l("concept"), NEUTRAL),
    ("consultation", "open"): (_l("open for reactions"), PENDING),
    ("consultation", "closed"): (_l("closed, being processed"), PENDING),
    ("consultation", "decided"): (_l("decided"), PENDING),
    ("consultation", "published"): (_l("published"), NEUTRAL),
    ("consultation", "archived"): (_l("archived"), NEUTRAL),
}


@dataclass(frozen=True)
class State:
    """A state as shown: ``word`` in the reader's language, ``tone`` one of TONES, ``key``
    "kind:value" (the page's data-state attribute)."""

    word: str
    tone: str
    key: str


def state(kind: str, value: str | None) -> State:
    """The word and tone of ``value`` as a state of ``kind`` ("point", "answer", "destination",
    "commitment", "reaction", "consultation"). A point's value may be an answer status (the
    status of its latest answer). Unknown values come back neutral, under their label.
    Resolved once per request and language, as ``label`` (a channel page shows hundreds)."""
    value = str(value or "")
    if kind == "point" and value not in ("open", "answered"):
        kind = "answer"
    if not has_app_context():
        return _state(kind, value)
    own = _own_word(kind, value)
    if own:
        base = _state(kind, value)
        return State(own, base.tone, base.key)
    resolved = g.setdefault("consult_states", {}).setdefault(str(get_locale()), {})
    found = resolved.get((kind, value))
    if found is None:
        found = resolved[(kind, value)] = _state(kind, value)
    return found


def own_words() -> dict[str, str]:
    """The current consultation's own words for answer states ({base state: word}; {} when
    the page has none, or outside a request): what ``state`` shows instead of the standard
    word."""
    if not has_app_context():
        return {}
    words = g.get("consult_state_words")
    if callable(words):
        words = g.consult_state_words = words()
    return dict(words or {})


def _own_word(kind: str, value: str) -> str | None:
    """The consultation's own word for an answer state on its pages (consult/bulk/
    statuslabels.py): ``g.consult_state_words`` is a loader, called at the first need."""
    words = g.get("consult_state_words")
    if kind != "answer" or words is None:
        return None
    if callable(words):
        words = g.consult_state_words = words()
    return words.get(value)


def _state(kind: str, value: str) -> State:
    found = STATES.get((kind, value))
    if found is None:
        return State(label(value), NEUTRAL, f"{kind}:{value}")
    return State(str(found[0]), found[1], f"{kind}:{value}")


def legend() -> list[tuple[str, str, list[str]]]:
    """Every tone with its meaning and its words, for the page that explains the colours:
    [(tone, meaning, [word, ...]), ...] in TONES order, each word once."""
    rows = []
    for tone in TONES:
        words = list(dict.fromkeys(str(w) for w, t in STATES.values() if t == tone))
        rows.append((tone, str(TONE_MEANINGS[tone]), words))
    return rows
