"""A destination's document: adding versions (upload or pasted text) with their outline and
stable section anchors, and landing points in a section. Operations only flush."""

import uuid
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlmodel import Session, select

from ..attachments import folder
from ..cleantext import clean_text
from ..extract import LIMITS, ExtractError, content_type, display_name
from ..models import Destination, Landing, Point, Reaction, Stakeholder, User
from ..slugs import slugify
from .models import DocumentSection, DocumentVersion, SectionLanding
from .outline import Section, outline_of_text, read_outline

MAX_LABEL = 100
MAX_QUOTE = 1000
# Two sections with different numbers and titles are the same section when their texts are at
# least this similar (rapidfuzz ratio, 0-100): a section renamed and renumbered keeps its
# anchor; a new section gets a new one.
SAME_TEXT = 60


class DocumentError(ValueError):
    """A version that cannot be added; str(error) is the message for the user."""


@dataclass
class LandedPoint:
    """A point landed in a section: the landing, the point, its letter and its sender."""

    landing: Landing
    quote: str
    point: Point
    reaction: Reaction
    sender: Stakeholder


def versions_of(session: Session, destination_id: int) -> list[DocumentVersion]:
    """The destination's document versions, newest (by date, then added) first."""
    return list(session.exec(
        select(DocumentVersion).where(DocumentVersion.destination_id == destination_id)
        .order_by(DocumentVersion.dated.desc(), DocumentVersion.id.desc())
    ))


def sections_of(session: Session, version_id: int) -> list[DocumentSection]:
    """A version's sections in document order."""
    return list(session.exec(
        select(DocumentSection).where(DocumentSection.version_id == version_id)
        .order_by(DocumentSection.position)
    ))


def section_text(version: DocumentVersion, section: DocumentSection) -> str:
    """The text a section covers in its version, its heading included."""
    return version.text[section.start:section.end]


def _base_anchor(section: Section) -> str:
    """"4.3 Sturing en monitoring" -> "4-3-sturing-en-monitoring" (at most 60 characters)."""
    label = f"{section.number} {section.title}" if section.number else section.title
    return slugify(label)[:60].strip("-") or "sectie"


def _key(number: str | None, title: str) -> tuple[str, str]:
    return (number or "", " ".join(title.lower().split()))


def match_anchors(old: list[tuple[DocumentSection, str]],
                  new: list[tuple[Section, str]]) -> list[str]:
    """The anchor of each new section: an old section's when it is the same section (same
    number and title; else the same title; else text at least SAME_TEXT similar), each old
    anchor used once; otherwise a fresh one from its number and title.

    `old`, `new`: (section, its text) in document order."""
    anchors: list[str | None] = [None] * len(new)
    free = {s.anchor: (s, text) for s, text in old}
    for matches in (
        lambda o, n: _key(o.number, o.title) == _key(n.number, n.title),
        lambda o, n: _key(None, o.title) == _key(None, n.title),
    ):
        for i, (section, _text) in enumerate(new):
            if anchors[i] is None:
                found = next((a for a, (o, _t) in free.items() if matches(o, section)), None)
                if found is not None:
                    anchors[i] = found
                    del free[found]
    for i, (_section, text) in enumerate(new):
        if anchors[i] is None and free:
            scores = {a: fuzz.ratio(text, t) for a, (_o, t) in free.items()}
            best = max(scores, key=scores.get)
            if scores[best] >= SAME_TEXT:
                anchors[i] = best
                del free[best]
    taken = {a for a in anchors if a} | {s.anchor for s, _t in old}
    for i, (section, _text) in enumerate(new):
        if anchors[i] is None:
            base = candidate = _base_anchor(section)
            n = 1
            while candidate in taken:
                n += 1
                candidate = f"{base}-{n}"
            anchors[i] = candidate
            taken.add(candidate)
    return anchors  # type: ignore[return-value]


def _outline(filename: str | None, data: bytes | None, text: str | None):
    """(text, sections) of an upload or pasted text; DocumentError (Dutch) when unusable."""
    if filename and data is not None and not data:
        raise DocumentError("Het bestand is leeg.")
    if data:
        try:
            return read_outline(filename or "document", data)
        except ExtractError as exc:
            raise DocumentError(str(exc)) from exc
    # Cleaned before the outline is read: the sections are positions in the text as stored,
    # and the database layer would take control characters out afterwards, shifting every
    # section after them (the attack: "\x01" * 40 moved §2's text into §1).
    text = clean_text((text or "").replace("\r\n", "\n"))
    if not text.strip():
        raise DocumentError("Upload een bestand of plak de tekst van het document.")
    if len(text) > LIMITS.text_chars:
        raise DocumentError("Deze tekst is te lang (meer dan 2 miljoen tekens).")
    return text, outline_of_text(text)


def add_version(session: Session, actor: User | None, files_path: str,
                destination: Destination, label: str, dated: date | None, *,
                filename: str | None = None, data: bytes | None = None,
                text: str | None = None) -> DocumentVersion:
    """A new version of the destination's document from an upload (`filename`, `data`) or
    pasted `text`, with its outline; sections that were in the latest earlier version keep
    their anchors. The original upload is kept under a generated name.

    Raises DocumentError with a Dutch message (no label, no date, an unreadable file ...)."""
    label = " ".join(clean_text(label or "").split())
    if not label or len(label) > MAX_LABEL:
        raise DocumentError("Geef de versie een naam (bijvoorbeeld concept of definitief) van "
                            "hoogstens 100 tekens.")
    if dated is None or not 1900 <= dated.year <= 2200:
        raise DocumentError("Geef een geldige datum van deze versie.")
    body, outline = _outline(filename, data, text)
    previous = versions_of(session, destination.id)
    old = []
    if previous:
        latest = previous[0]
        old = [(s, section_text(latest, s)) for s in sections_of(session, latest.id)]
    anchors = match_anchors(old, [(s, body[s.start:s.end]) for s in outline])
    version = DocumentVersion(destination_id=destination.id, label=label, dated=dated,
                              text=body, created_by_id=getattr(actor, "id", None))
    if data:
        version.stored_name = uuid.uuid4().hex
        version.filename = display_name(filename or "document")
        version.content_type, version.size = content_type(data), len(data)
        (folder(files_path) / version.stored_name).write_bytes(data)
    session.add(version)
    session.flush()
    for position, (section, anchor) in enumerate(zip(outline, anchors, strict=True)):
        session.add(DocumentSection(
            version_id=version.id, anchor=anchor, position=position, number=section.number,
            title=section.title[:300], level=section.level, start=section.start,
            end=section.end))
    session.flush()  # no audit snapshot: the row itself says who added it when, and never changes
    return version


def section_label(section: DocumentSection) -> str:
    """"§4.3 Sturing en monitoring", or the title alone for an unnumbered section."""
    return f"§{section.number} {section.title}" if section.number else section.title


def reference(destination: Destination, section: DocumentSection) -> str:
    """Where a point landed, as every page and letter tells it: "Inkoopplan 2017, §4.3
    Sturing en monitoring"."""
    return f"{destination.title}, {section_label(section)}"[:500]


def document_destination(session: Session, destination: Destination) -> Destination | None:
    """The destination whose document a point routed here lands in: this one if it has a
    document, else its nearest ancestor that has one ("Inkoopplan 2017" for "Inkoopplan 2017 ›
    Privacy"); None when there is none."""
    seen: set[int] = set()
    current = destination
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if session.exec(select(DocumentVersion.id).where(
                DocumentVersion.destination_id == current.id).limit(1)).first() is not None:
            return current
        current = session.get(Destination, current.parent_id) if current.parent_id else None
    return None


def find_section(session: Session, destination_id: int, choice: str) -> DocumentSection | None:
    """The section of the destination's newest version named by `choice`: its anchor or
    the label the type-ahead offers ("§4.3 Sturing en monitoring"); None if none is."""
    versions = versions_of(session, destination_id)
    if not versions or not choice.strip():
        return None
    choice = " ".join(choice.split())
    for section in sections_of(session, versions[0].id):
        if choice in (section.anchor, section_label(section)):
            return section
    return None


def land_in_section(session: Session, landing: Landing, section: DocumentSection,
                    quote: str = "") -> SectionLanding:
    """Record the section (and the quoted sentence) a landing names."""
    version = session.get(DocumentVersion, section.version_id)
    row = SectionLanding(landing_id=landing.id, destination_id=version.destination_id,
                         anchor=section.anchor, quote=" ".join(quote.split())[:MAX_QUOTE])
    session.add(row)
    session.flush()
    return row


def landed_in(session: Session, destination_id: int) -> dict[str, list[LandedPoint]]:
    """The live landings of live points at this destination that name a section, by section
    anchor, in the table's order (letter, then point)."""
    sender = sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)
    rows = session.exec(
        select(SectionLanding, Landing, Point, Reaction, Stakeholder)
        .join(Landing, Landing.id == SectionLanding.landing_id)
        .join(Point, Point.id == Landing.point_id)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == sender)
        .where(SectionLanding.destination_id == destination_id,
               # an archived point or reaction is gone from every page, this one too
               Landing.archived == False, Point.archived == False,  # noqa: E712
               Reaction.archived == False)  # noqa: E712
        .order_by(Reaction.position, Reaction.id, Point.position, Point.id)
    ).all()
    found: dict[str, list[LandedPoint]] = {}
    for section_landing, landing, point, reaction, stakeholder in rows:
        found.setdefault(section_landing.anchor, []).append(
            LandedPoint(landing, section_landing.quote, point, reaction, stakeholder))
    return found


def choices(session: Session, destination_id: int) -> list[str]:
    """The labels of the newest version's sections ("§4.3 Sturing en monitoring"), in order,
    for the type-ahead where a point is marked done; [] when the destination has no document."""
    versions = versions_of(session, destination_id)
    if not versions:
        return []
    return [section_label(s) for s in sections_of(session, versions[0].id)]


def told(reference: str) -> str:
    """Where a point was taken in, in the words the thread, the answered table (page, Word,
    Excel, CSV) and the answer letter all use: the landing's reference ("Inkoopplan 2017,
    §4.3 Sturing en monitoring", the free text when the document is not in consult, or both:
    "Inkoopplan 2017, §4.3 Sturing en monitoring — bijlage 2"), white space made single."""
    return " ".join(reference.split())


def landed_references(session: Session, reaction_ids: list[int],
                      batch: int = 50) -> dict[int, list[str]]:
    """Where the points of these reactions were taken in (their live landings, oldest first,
    as `told`): point id -> ["Inkoopplan 2017, §4.3 Sturing en monitoring", ...]; points
    without any are left out. Bound by reaction (a page of the table has a few reactions and
    hundreds of points), at most ``batch`` ids a statement."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(reaction_ids), batch):
        rows = session.exec(
            select(Landing.point_id, Landing.reference)
            .join(Point, Point.id == Landing.point_id)
            .where(Point.reaction_id.in_(reaction_ids[start:start + batch]),
                   Landing.archived == False)  # noqa: E712
            .order_by(Landing.created_at, Landing.id)
        ).all()
        for point_id, reference in rows:
            found.setdefault(point_id, []).append(told(reference))
    return found
