"""Reading ids, numbers and return paths from a request without trusting them."""

import re
from datetime import date

from flask import request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from .. import submissions
from ..db import get_session

MAX_ID = 2**31 - 1  # ids are INTEGER columns: the largest a PostgreSQL integer can hold
_DIGITS = re.compile(r"[0-9]+")
_ID = re.compile(r"[0-9]{1,10}")  # ASCII digits only: "²" and "①" are digits to str.isdigit()


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs, but never a number the database cannot compare (a 404, not a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def to_id(value) -> int | None:
    """A positive whole number written in ASCII digits that fits an id column, else None."""
    if isinstance(value, str) and _ID.fullmatch(value.strip()):
        number = int(value.strip())
        return number if 0 < number <= MAX_ID else None
    return None


def to_date(value: str | None) -> date | None:
    """A date typed as YYYY-MM-DD (what <input type=date> sends); None for nothing or for
    something that is no date (the form then says a date is needed)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def form_id(name: str) -> int | None:
    """One id from the submitted form."""
    return to_id(request.form.get(name))


def form_ids(name: str) -> list[int]:
    """All valid ids under one form name (checkboxes); anything else is ignored."""
    return [i for i in (to_id(v) for v in request.form.getlist(name)) if i is not None]


def arg_number(name: str, default: int = 0) -> int:
    """A whole number from the query string (poll cursors, pages): ASCII digits, at most
    MAX_ID (a longer number is MAX_ID too); anything else is the default."""
    value = request.args.get(name, "")
    if _DIGITS.fullmatch(value) and len(value) > 10:
        return MAX_ID  # a huge number is the largest, as 999999 is: not the default
    return min(int(value), MAX_ID) if _ID.fullmatch(value) else default


LIST_START_MAX = 100_000  # no list of news or answers is read this far by scrolling


def list_start(paged: bool) -> int:
    """The number of a page's first item (``vanaf``, which the "more" link carries so that a
    page opened without JavaScript numbers on): 1 on a first page (``paged`` false) whatever
    the address says; otherwise the number, from 1 to LIST_START_MAX (a larger one, "²" or
    junk: 1 or the largest, never an absurd list number)."""
    if not paged:
        return 1
    return min(max(arg_number("vanaf", 1), 1), LIST_START_MAX)


def safe_next(target: str | None) -> str:
    """A local path to go back to, never another site: "/x" yes; "//x", "/\\x", "/\\t/x" no."""
    if (
        target
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and "\\" not in target
        and not any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return target
    return url_for("consultations.index")


def submitted_form() -> tuple[str | None, str]:
    """The form's one-time key and a digest of everything else it sent (path, fields, files);
    uploads are rewound so the view can still read them."""
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in (submissions.FIELD, "csrf_token")]
    files = []
    for name, upload in request.files.items(multi=True):
        upload.stream.seek(0)  # the view may have read it already
        content = upload.stream.read()
        upload.stream.seek(0)
        files.append((name, upload.filename or "", content))
    digest = submissions.fingerprint(request.path, fields, files)
    return request.form.get(submissions.FIELD), digest


def claim_form(session) -> submissions.Claim:
    """Claim this request's one-time form key for the current user, before anything is written:
    ``.repeated`` means this very form was handled before. Raises submissions.Resubmitted."""
    return submissions.claim(session, current_user, *submitted_form())


def handled_form():
    """The earlier handling of this request's form by the current user (a models.FormSubmission
    with the id it created in ``target_id``), or None; claims nothing."""
    return submissions.handled(get_session(), current_user, *submitted_form())


def fresh_key() -> dict[str, str]:
    """The header that hands a form staying on the page its next one-time key (consult.js)."""
    return {"X-Form-Key": submissions.new_key()}
