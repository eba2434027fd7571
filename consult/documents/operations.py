"""A destination's document: adding versions (upload or pasted text) with their outline and
stable section anchors, and landing points in a section. Operations only flush."""

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlmodel import Session, select

from ..cleantext import clean_text
from ..extract import LIMITS, ExtractError, content_type, display_name
from ..files import Files
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
# A version dated further ahead than this is a typo (2199 stayed "the newest" for good).
MAX_AHEAD = timedelta(days=366)
# A quoted sentence is "in the section" when this similar to some stretch of it (rapidfuzz
# partial ratio, 0-100, after folding case, whitespace and quotes).
SAME_QUOTE = 90


class DocumentError(ValueError):
    """A version that cannot be added; str(error) is the message for the user."""


class StaleVersion(DocumentError):
    """The form showed an older label or date of the version than the one stored now."""


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
        select(DocumentVersion).where(DocumentVersion.destination_id == destination_id,
                                      DocumentVersion.removed == False)  # noqa: E712
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
                  new: list[tuple[Section, str]], taken: set[str] | None = None) -> list[str]:
    """The anchor of each new section: an earlier section's when it is the same section (same
    number and title; else the same title; else text at least SAME_TEXT similar), each anchor
    used once; otherwise a fresh one from its number and title, not in `taken`.

    `old`: (section, its text) of every earlier version, the newest version first (an anchor
    may come several times, once per version it is in: any of them matches); `new`: (section,
    its text) in document order. Number and title are looked up in dicts, and only sections
    left over are compared by text (rapidfuzz, each anchor's newest text once), so five
    versions of 300 sections cost about what one does."""
    anchors: list[str | None] = [None] * len(new)
    by_key: dict[tuple[str, str], list[str]] = {}
    by_title: dict[tuple[str, str], list[str]] = {}
    texts: dict[str, str] = {}
    for section, text in old:
        by_key.setdefault(_key(section.number, section.title), []).append(section.anchor)
        by_title.setdefault(_key(None, section.title), []).append(section.anchor)
        texts.setdefault(section.anchor, text)
    for index, key in ((by_key, lambda n: _key(n.number, n.title)),
                       (by_title, lambda n: _key(None, n.title))):
        for i, (section, _text) in enumerate(new):
            if anchors[i] is None:
                found = next((a for a in index.get(key(section), ()) if a in texts), None)
                if found is not None:
                    anchors[i] = found
                    del texts[found]
    for i, (_section, text) in enumerate(new):
        if anchors[i] is None and texts:
            best = process.extractOne(text, texts, scorer=fuzz.ratio, score_cutoff=SAME_TEXT)
            if best is not None:
                anchors[i] = best[2]
                del texts[best[2]]
    taken = {a for a in anchors if a} | {s.anchor for s, _t in old} | (taken or set())
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


def earlier_sections(session: Session, destination_id: int
                     ) -> tuple[list[tuple[DocumentSection, str]], set[str]]:
    """(section, its text) of every live version of the destination's document, the newest
    version first and each in document order; and every anchor any version ever had (removed
    versions too: a removal can be undone, its landings must find their section again)."""
    versions = versions_of(session, destination_id)
    by_id = {v.id: v for v in versions}
    rows = session.exec(
        select(DocumentSection).join(DocumentVersion,
                                     DocumentVersion.id == DocumentSection.version_id)
        .where(DocumentVersion.destination_id == destination_id)
    ).all()
    order = {v.id: n for n, v in enumerate(versions)}
    live = sorted((s for s in rows if s.version_id in by_id),
                  key=lambda s: (order[s.version_id], s.position))
    return ([(s, section_text(by_id[s.version_id], s)) for s in live],
            {s.anchor for s in rows})


def check_date(dated: date | None) -> date:
    """The version's date, or DocumentError (Dutch) for none, before 1900, or more than a
    year ahead (a typo such as 2199 would stay "the newest" for good)."""
    if dated is None or dated.year < 1900:
        raise DocumentError("Geef een geldige datum van deze versie.")
    if dated > date.today() + MAX_AHEAD:
        raise DocumentError(
            "Deze datum ligt meer dan een jaar in de toekomst; is het een tikfout? Geef de "
            "datum van deze versie.")
    return dated


def check_label(label: str) -> str:
    """The version's label, whitespace folded; DocumentError (Dutch) if empty or too long."""
    label = " ".join(clean_text(label or "").split())
    if not label or len(label) > MAX_LABEL:
        raise DocumentError("Geef de versie een naam (bijvoorbeeld concept of definitief) van "
                            "hoogstens 100 tekens.")
    return label


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


def add_version(session: Session, actor: User | None, files: Files,
                destination: Destination, label: str, dated: date | None, *,
                filename: str | None = None, data: bytes | None = None,
                text: str | None = None) -> DocumentVersion:
    """A new version of the destination's document from an upload (`filename`, `data`) or
    pasted `text`, with its outline; sections that were in any earlier version keep their
    anchors. The original upload is kept in ``files`` under a generated name.

    Raises DocumentError with a Dutch message (no label, no date, an unreadable file ...)."""
    label, dated = check_label(label), check_date(dated)
    body, outline = _outline(filename, data, text)
    old, taken = earlier_sections(session, destination.id)
    anchors = match_anchors(old, [(s, body[s.start:s.end]) for s in outline], taken)
    version = DocumentVersion(destination_id=destination.id, label=label, dated=dated,
                              text=body, created_by_id=getattr(actor, "id", None))
    if data:
        version.stored_name = uuid.uuid4().hex
        version.filename = display_name(filename or "document")
        version.content_type, version.size = content_type(data), len(data)
        files.put(session, "uploads", version.stored_name, data)
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


def _fold(text: str) -> str:
    """Text as a person would compare it: case, accents, quotes, whitespace and the
    punctuation at either end folded away ("  Hoe sturen wé daarop?" -> "hoe sturen we
    daarop")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_QUOTES)
    return " ".join(text.split()).strip(" .,;:!?-–—")


_QUOTES = str.maketrans({c: None for c in "\"'‘’‚‛“”„‟«»`´"})


def _number(choice: str) -> str | None:
    """"6", "§6", "§ 6", "6.", "par. 6" -> "6"; None when the choice is no number alone."""
    folded = _fold(choice).removeprefix("§").removeprefix("par").strip(" .")
    parts = folded.split(".")
    return folded if folded and all(p.isdigit() for p in parts) else None


def matching_sections(session: Session, destination_id: int,
                      choice: str) -> list[DocumentSection]:
    """The sections of the destination's newest version that `choice` names: its anchor or the
    label the type-ahead offers ("§4.3 Sturing en monitoring") exactly; else its number ("6",
    "§6", "§ 6") or its title ("hoe sturen we daarop", case, accents, quotes and punctuation at
    the ends aside), or number and title together. [] when none does."""
    versions = versions_of(session, destination_id)
    if not versions or not choice.strip():
        return []
    sections = sections_of(session, versions[0].id)
    choice = " ".join(choice.split())
    exact = [s for s in sections if choice in (s.anchor, section_label(s))]
    if exact:
        return exact[:1]
    number, bare = _number(choice), _bare(choice)
    return [s for s in sections
            if (number is not None and s.number == number)
            or bare in (_fold(s.title), _bare(section_label(s)))]


def _bare(label: str) -> str:
    """A label folded, "§" and the dot after its number left out: "§ 6. Hoe?" -> "6 hoe"."""
    return re.sub(r"^§?\s*(\d+(?:\.\d+)*)\.?\s+", r"\1 ", _fold(label))


def find_section(session: Session, destination_id: int, choice: str) -> DocumentSection | None:
    """The one section of the destination's newest version `choice` names (see
    matching_sections); None when none or several do."""
    found = matching_sections(session, destination_id, choice)
    return found[0] if len(found) == 1 else None


def pick_section(session: Session, destination_id: int, choice: str) -> DocumentSection:
    """The one section `choice` names (see matching_sections). DocumentError (Dutch) when
    none does, or when several do (the message lists them, at most ten)."""
    found = matching_sections(session, destination_id, choice)
    if len(found) == 1:
        return found[0]
    if not found:
        raise DocumentError("Kies het onderdeel uit de lijst van onderdelen van het document "
                            "(een nummer zoals 4.3 of een titel), of laat het leeg en zeg waar "
                            "het punt is verwerkt.")
    names = "; ".join(section_label(s) for s in found[:10])
    more = f" en nog {len(found) - 10}" if len(found) > 10 else ""
    raise DocumentError(f"“{choice.strip()}” past bij {len(found)} onderdelen: {names}{more}. "
                        "Kies er een uit de lijst.")


def check_quote(version: DocumentVersion, section: DocumentSection, quote: str) -> str:
    """The quoted sentence, whitespace folded, when it occurs in the section (case, quotes
    and whitespace aside, or at least SAME_QUOTE similar to a stretch of it); "" for none.
    DocumentError (Dutch) when it is not in the section."""
    quote = " ".join(clean_text(quote or "").split())
    if not quote:
        return ""
    wanted, text = _fold(quote), _fold(section_text(version, section))
    if wanted and (wanted in text or fuzz.partial_ratio(wanted, text) >= SAME_QUOTE):
        return quote
    raise DocumentError(f"Deze zin staat niet in {section_label(section)} van de versie "
                        f"“{version.label}”. Kopieer de zin uit het document, of laat het veld "
                        "leeg.")


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


def _check_form(version: DocumentVersion, shown: int | None) -> None:
    """StaleVersion when the form showed another state of the version than the stored one."""
    if shown is not None and shown != version.version:
        raise StaleVersion(
            f"Iemand anders heeft deze versie intussen gewijzigd (nu “{version.label}” van "
            f"{version.dated.strftime('%d-%m-%Y')}). Er is niets opgeslagen; wat u typte staat "
            "nog in het formulier. Bekijk de versie en sla opnieuw op.")


def change_version(session: Session, version: DocumentVersion, label: str, dated: date | None,
                   shown: int | None) -> bool:
    """Rename and re-date a version from a form that showed its state `shown` (None: no
    check). Returns whether anything changed. DocumentError (Dutch) for a bad label or date,
    StaleVersion when the form is behind; StaleDataError at flush when another save of the
    same state came first."""
    if version.removed:
        raise DocumentError("Deze versie is verwijderd; zet haar eerst terug.")
    label, dated = check_label(label), check_date(dated)
    _check_form(version, shown)
    if (version.label, version.dated) == (label, dated):
        return False
    version.label, version.dated = label, dated
    version.version += 1
    session.add(version)
    session.flush()
    return True


def stranded_sections(session: Session, version: DocumentVersion) -> list[DocumentSection]:
    """The sections of `version` with live points landed in them that no other live version
    of the document has: removing the version would hide those points from the document."""
    landed = landed_in(session, version.destination_id)
    others = {s.anchor for v in versions_of(session, version.destination_id)
              if v.id != version.id for s in sections_of(session, v.id)}
    return [s for s in sections_of(session, version.id)
            if s.anchor in landed and s.anchor not in others]


def set_removed(session: Session, version: DocumentVersion, removed: bool,
                shown: int | None = None) -> bool:
    """Remove a version (kept, so that it can be put back) or put it back. Returns whether
    anything changed. Refused (DocumentError, Dutch, naming the sections) when points landed
    in a section that no other version has: they would vanish from the document view.
    StaleVersion when the form is behind."""
    if version.removed == removed:
        return False
    _check_form(version, shown)
    if removed:
        stranded = stranded_sections(session, version)
        if stranded:
            names = "; ".join(section_label(s) for s in stranded[:10])
            raise DocumentError(
                f"De versie “{version.label}” kan niet weg: er zijn punten verwerkt in "
                f"{names}, en dat onderdeel staat in geen andere versie. Die punten zouden "
                "uit het document verdwijnen. Voeg eerst een versie toe met dat onderdeel, of "
                "maak het verwerken van die punten ongedaan.")
    version.removed = removed
    version.version += 1
    session.add(version)
    session.flush()
    return True
