"""Display names for the stored enum values, in the user's language."""

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
