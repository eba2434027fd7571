"""The demo consultation: the real 2016 Holland Rijnland round, loaded from a data file."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlmodel import Session, select

from ..intake import create_consultation, create_reaction, create_stakeholder
from ..models import Consultation, Destination, Point, ResponseStatus, Stakeholder
from ..processing import create_destination, create_response
from ..ranges import parse_selection

DATA_FILE = Path(__file__).with_name("holland_rijnland_2016.yaml")


@dataclass
class LoadResult:
    consultation: Consultation
    created: bool
    stakeholders: int = 0
    reactions: int = 0
    points: int = 0
    responses: int = 0


def read_data(path: Path = DATA_FILE) -> dict:
    """Parse the demo data file."""
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def original_text(reaction: dict) -> str:
    """The reaction's text as received: intro, the points under their headings, outro."""
    parts: list[str] = []
    if reaction.get("intro"):
        parts.append(reaction["intro"])
    heading = None
    for point in reaction["points"]:
        if point.get("heading") and point["heading"] != heading:
            heading = point["heading"]
            parts.append(heading)
        parts.append(f"{point['number']}. {point['body']}")
    if reaction.get("outro"):
        parts.append(reaction["outro"])
    return "\n\n".join(parts)


def _stakeholders(session: Session, entries: list[dict]) -> dict[str, Stakeholder]:
    """Create missing stakeholders (they are shared across consultations) and map slug -> row."""
    existing = {s.slug: s for s in session.exec(select(Stakeholder))}
    by_slug: dict[str, Stakeholder] = {}
    for entry in entries:
        row = existing.get(entry["key"])
        if row is None:
            parent = by_slug[entry["parent"]] if entry.get("parent") else None
            row = create_stakeholder(
                session,
                slug=entry["key"],
                name=entry["name"],
                kind=entry["kind"],
                parent_id=parent.id if parent else None,
            )
        by_slug[entry["key"]] = row
    return by_slug


def _destinations(session: Session, consultation: Consultation, entries, parent=None):
    """Create the destination tree depth-first; map slug -> row."""
    by_slug: dict[str, Destination] = {}
    for position, entry in enumerate(entries, start=1):
        row = create_destination(
            session,
            consultation_id=consultation.id,
            parent_id=parent.id if parent else None,
            slug=entry["key"],
            title=entry["title"],
            kind=entry["kind"],
            position=position,
        )
        by_slug[entry["key"]] = row
        by_slug.update(_destinations(session, consultation, entry.get("children", []), row))
    return by_slug


def load(
    session: Session, data: dict | None = None, progress: Callable[[str], None] | None = None
) -> LoadResult:
    """Load the demo consultation unless it is there already; flushes, never commits."""
    data = data or read_data()
    meta = data["consultation"]
    found = session.exec(select(Consultation).where(Consultation.slug == meta["slug"])).first()
    if found is not None:
        return LoadResult(found, created=False)

    consultation = create_consultation(session, **meta)
    stakeholders = _stakeholders(session, data["stakeholders"])
    destinations = _destinations(session, consultation, data["destinations"])
    result = LoadResult(consultation, created=True, stakeholders=len(stakeholders))
    response_position = 0
    for position, entry in enumerate(data["reactions"], start=1):
        reaction = create_reaction(
            session,
            consultation_id=consultation.id,
            stakeholder_id=stakeholders[entry["stakeholder"]].id,
            channel=entry["channel"],
            received_on=entry.get("received_on"),
            title=entry["title"],
            original_text=original_text(entry),
            position=position,
            points=[
                {
                    "number": p["number"],
                    "heading": p.get("heading"),
                    "body": p["body"],
                    "stakeholder_id": stakeholders[p["stakeholder"]].id
                    if p.get("stakeholder")
                    else None,
                }
                for p in entry["points"]
            ],
        )
        points = {
            p.number: p
            for p in session.exec(select(Point).where(Point.reaction_id == reaction.id))
        }
        numbers = [p["number"] for p in entry["points"]]
        for answer in entry["responses"]:
            chosen = parse_selection(answer["points"], numbers) if answer["points"] else []
            response_position += 1
            create_response(
                session,
                points=[points[n] for n in chosen],
                destinations=[destinations[key] for key in answer["destinations"]],
                consultation_id=consultation.id,
                reaction_id=reaction.id,
                body=answer["text"],
                status=ResponseStatus.adopted,
                decided_by=meta.get("decided_by", ""),
                decided_on=meta.get("decided_on"),
                position=response_position,
            )
            result.responses += 1
        result.reactions += 1
        result.points += len(numbers)
        if progress:
            progress(entry["key"])
    return result
