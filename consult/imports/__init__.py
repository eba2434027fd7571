"""Importing an answered table (.xlsx, .csv) or a consultation archive (.json) in the browser.

The secretary uploads a file on the consultation page; the dry run shows the table that would
be created, every row error ("Rij 4, kolom status: ...") and which stakeholder each name stands
for; one click imports it. The reading and checking are consult.rowimport's and
consult.archive's; this package keeps the upload between the two steps (`uploads`), matches
stakeholder names (`match_stakeholder`) and serves the pages (`views`).
"""

import re
import unicodedata

from sqlmodel import Session, select

from ..models import Stakeholder

_PREFIX = re.compile(r"^(gemeente|gem\.)\s+")


def normalised(name: str) -> str:
    """A stakeholder name as compared: case and accents folded, hyphens, slashes and
    punctuation as spaces, a leading "Gemeente" dropped ("Gemeente Katwijk" is Katwijk,
    "Wmo-adviesraad Leiden" is "WMO Adviesraad Leiden")."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = " ".join(re.sub(r"[^a-z0-9&]+", " ", text).split())
    return _PREFIX.sub("", text) or text


def match_stakeholder(session: Session, name: str) -> Stakeholder | None:
    """The existing (not archived) stakeholder a typed name stands for, or None for a new one:
    the same name in any case first, else the same normalised name (`normalised`).

    TODO(i13-registry): once consult.registry.matching.close_matches(session, name, limit=5)
    lands, take its best match above its threshold here (rapidfuzz), so that imports use the
    same duplicate matching as the composer and the registry.
    """
    return stakeholder_matcher(session)(name)


def stakeholder_matcher(session: Session):
    """`match_stakeholder` for many names: the registry read once (an import names hundreds)."""
    index: dict[tuple[str, str], Stakeholder] = {}
    for stakeholder in session.exec(
        select(Stakeholder).where(Stakeholder.archived == False).order_by(Stakeholder.id)  # noqa: E712
    ):
        index.setdefault(("exact", " ".join(stakeholder.name.split()).lower()), stakeholder)
        index.setdefault(("normal", normalised(stakeholder.name)), stakeholder)

    def match(name: str) -> Stakeholder | None:
        wanted = " ".join(name.split()).lower()
        return index.get(("exact", wanted)) or index.get(("normal", normalised(name)))

    return match
