"""The parts of a consultation archive (consult/archive.py) beside its reactions and answers:
themes with their points, answer templates, the consultation's own status names, and the
document section a landing names.

In the file (all lists, empty when the consultation has none; a file from before these parts
lacks the keys and imports as before):

- ``themes``: {"title", "description", "position", "archived", "created_at", "points"}, where
  ``points`` names each point as the answers do: [reaction index, point index] in the file's
  ``reactions`` (both from 0), sorted;
- ``answer_templates``: {"title", "body", "archived", "created_at"}, oldest first;
- ``status_labels``: {"status", "label"}, by status;
- a landing's ``section``: {"document", "version", "number", "title", "quote"} (the
  destination whose document it is, the label of the newest version holding the section,
  the section's number or null, its title, and the quoted sentence), or null. The documents
  are not in the file, so an import keeps only the landing's own text (its ``reference``).

An import into a consultation that already has a theme or template of the same title (and
archived flag), or its own word for a status, keeps that one: importing twice adds nothing.
"""

from sqlmodel import Session, select

from .bulk.models import AnswerTemplate, StatusLabel
from .documents.models import DocumentSection, DocumentVersion, SectionLanding
from .models import Consultation, Destination, Point, ResponseStatus
from .themes.models import Theme, ThemePoint

BASE_STATES = tuple(s.value for s in ResponseStatus)


class PartError(ValueError):
    """A part of the archive that cannot be imported; the message is Dutch."""


def _when(value) -> str | None:
    from .archive import _when as when
    return when(value)


# --- export -------------------------------------------------------------------------------


def export_parts(session: Session, consultation: Consultation,
                 point_ref: dict[int, list[int]]) -> dict:
    """The themes, answer templates and status labels of ``consultation`` as the file holds
    them; ``point_ref`` maps a Point id to its [reaction index, point index] in the file
    (points not in the file, e.g. of a draft reaction, are left out of their themes)."""
    themes = session.exec(
        select(Theme).where(Theme.consultation_id == consultation.id)
        .order_by(Theme.position, Theme.id)).all()
    links: dict[int, list[list[int]]] = {t.id: [] for t in themes}
    if themes:
        for theme_id, point_id in session.exec(
                select(ThemePoint.theme_id, ThemePoint.point_id)
                .where(ThemePoint.theme_id.in_(list(links)))):
            if point_id in point_ref:
                links[theme_id].append(point_ref[point_id])
    templates = session.exec(
        select(AnswerTemplate).where(AnswerTemplate.consultation_id == consultation.id)
        .order_by(AnswerTemplate.created_at, AnswerTemplate.id)).all()
    labels = session.exec(
        select(StatusLabel).where(StatusLabel.consultation_id == consultation.id)
        .order_by(StatusLabel.status)).all()
    return {
        "themes": [{
            "title": t.title, "description": t.description, "position": t.position,
            "archived": t.archived, "created_at": _when(t.created_at),
            "points": sorted(links[t.id]),
        } for t in themes],
        "answer_templates": [{
            "title": t.title, "body": t.body, "archived": t.archived,
            "created_at": _when(t.created_at),
        } for t in templates],
        "status_labels": [{"status": x.status, "label": x.label} for x in labels],
    }


def landing_sections(session: Session, landing_ids: list[int]) -> dict[int, dict]:
    """Landing id -> the section it names, as the file holds it (see the module docstring);
    landings naming no section are left out. The version is the newest (by date, then added)
    that holds the section's anchor."""
    if not landing_ids:
        return {}
    found: dict[int, dict] = {}
    rows = session.exec(select(SectionLanding, Destination)
                        .join(Destination, Destination.id == SectionLanding.destination_id)
                        .where(SectionLanding.landing_id.in_(landing_ids))).all()
    for named, destination in rows:
        hit = session.exec(
            select(DocumentSection, DocumentVersion)
            .join(DocumentVersion, DocumentVersion.id == DocumentSection.version_id)
            .where(DocumentVersion.destination_id == named.destination_id,
                   DocumentSection.anchor == named.anchor)
            .order_by(DocumentVersion.dated.desc(), DocumentVersion.id.desc())).first()
        section, version = hit if hit else (None, None)
        found[named.landing_id] = {
            "document": destination.title, "version": version.label if version else None,
            "number": section.number if section else None,
            "title": section.title if section else None, "quote": named.quote,
        }
    return found


# --- import -------------------------------------------------------------------------------


def _created(entry: dict) -> dict:
    """created_at from the file when it has one (else the column's default: now)."""
    from .archive import _moment
    return {"created_at": _moment(entry["created_at"])} if entry.get("created_at") else {}


def _text(value, name: str, most: int, least: int = 0) -> str:
    if not isinstance(value, str) or not least <= len(value) <= most:
        raise PartError(f"{name}: tekst van {least} tot {most} tekens verwacht.")
    return value


def check_parts(data: dict, shape: list[int]) -> None:
    """Check the parts before anything is written: PartError (Dutch) for a theme naming a
    point the file does not hold, a text too long, an unknown status. ``shape`` is the
    number of points of each reaction in the file."""
    for t in data.get("themes", []):
        title = t.get("title") if isinstance(t, dict) else None
        _text(title, "Thema", 200, 1)
        _text(t.get("description", ""), f"Thema “{title}”, beschrijving", 2000)
        for ref in t.get("points", []):
            ok = (isinstance(ref, list) and len(ref) == 2
                  and all(isinstance(i, int) and not isinstance(i, bool) for i in ref)
                  and 0 <= ref[0] < len(shape) and 0 <= ref[1] < shape[ref[0]])
            if not ok:
                raise PartError(f"Thema “{title}” noemt een punt dat niet in het archief "
                                f"staat ({ref}).")
    for t in data.get("answer_templates", []):
        title = t.get("title") if isinstance(t, dict) else None
        _text(title, "Antwoordsjabloon", 200, 1)
        _text(t.get("body"), f"Antwoordsjabloon “{title}”", 20_000, 1)
    for x in data.get("status_labels", []):
        status = x.get("status") if isinstance(x, dict) else None
        if status not in BASE_STATES:
            raise PartError(f"Onbekende status “{status}” bij de statusnamen.")
        _text(x.get("label"), f"Statusnaam voor “{status}”", 60, 1)


def load_parts(session: Session, data: dict, consultation: Consultation,
               points: list[list[Point]]) -> None:
    """Add the file's themes, templates and status labels to ``consultation`` (checked by
    check_parts first; ``points`` are the imported points by [reaction][point]). What the
    consultation has already (same title and archived flag; a status's own word) is kept,
    not doubled. Flushes."""
    have = {(t.title, t.archived): t for t in session.exec(
        select(Theme).where(Theme.consultation_id == consultation.id))}
    for t in data.get("themes", []):
        theme = have.get((t["title"], t.get("archived", False)))
        if theme is None:
            theme = Theme(consultation_id=consultation.id, title=t["title"],
                          description=t.get("description", ""), position=t.get("position", 0),
                          archived=t.get("archived", False), **_created(t))
            session.add(theme)
            session.flush()
            have[(theme.title, theme.archived)] = theme
        inside = set(session.exec(select(ThemePoint.point_id)
                                  .where(ThemePoint.theme_id == theme.id)))
        for r, p in t.get("points", []):
            if points[r][p].id not in inside:
                inside.add(points[r][p].id)
                session.add(ThemePoint(theme_id=theme.id, point_id=points[r][p].id))
    known = {(t.title, t.archived) for t in session.exec(
        select(AnswerTemplate).where(AnswerTemplate.consultation_id == consultation.id))}
    for t in data.get("answer_templates", []):
        if (t["title"], t.get("archived", False)) not in known:
            known.add((t["title"], t.get("archived", False)))
            session.add(AnswerTemplate(
                consultation_id=consultation.id, title=t["title"], body=t["body"],
                archived=t.get("archived", False), **_created(t)))
    own = set(session.exec(select(StatusLabel.status)
                           .where(StatusLabel.consultation_id == consultation.id)))
    for x in data.get("status_labels", []):
        if x["status"] not in own:
            own.add(x["status"])
            session.add(StatusLabel(consultation_id=consultation.id, status=x["status"],
                                    label=x["label"]))
    session.flush()


__all__ = ["PartError", "check_parts", "export_parts", "landing_sections", "load_parts"]
