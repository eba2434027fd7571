"""The demo consultation: the real 2016 Holland Rijnland round, loaded from a data file."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from sqlmodel import Session, select

from ..accounts import create_user, hash_password, user_by_email
from ..intake import DraftPoint, create_consultation, create_stakeholder, log_reaction
from ..models import (
    Consultation,
    Destination,
    Membership,
    Point,
    ResponseStatus,
    Role,
    Stakeholder,
)
from ..processing import answer, create_destination
from ..ranges import parse_selection

DATA_FILE = Path(__file__).with_name("holland_rijnland_2016.yaml")


# One account per role, for trying the app out. Demo only: printed by `flask consult demo`.
DEMO_USERS = [
    ("beheer@consult.example", "Beheerder", Role.admin, None, "demo-beheer-2016"),
    ("secretaris@consult.example", "Sanne Secretaris", Role.secretary, None,
     "demo-secretaris-2016"),
    ("raadslid@consult.example", "Ruud Raadslid", Role.councillor, "leiden-raad",
     "demo-raadslid-2016"),
    ("adviesraad@consult.example", "Aisha Adviesraad", Role.advisory_member, "leiden-wmo",
     "demo-adviesraad-2016"),
    ("lezer@consult.example", "Lotte Lezer", Role.viewer, None, "demo-lezer-2016"),
]


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
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


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


@cache
def _demo_hash(password: str) -> str:
    """Argon2 is slow on purpose; the demo's fixed passwords need hashing once per process."""
    return hash_password(password)


def _demo_users(
    session: Session, consultation: Consultation, stakeholders: dict[str, Stakeholder]
) -> None:
    """Create the demo accounts that do not exist yet."""
    for email, name, role, stakeholder, password in DEMO_USERS:
        if user_by_email(session, email) is None:
            user = create_user(
                session,
                email=email,
                name=name,
                role=role,
                stakeholder_id=stakeholders[stakeholder].id if stakeholder else None,
            )
            user.password_hash = _demo_hash(password)
        else:
            user = user_by_email(session, email)
        if role != Role.admin and session.get(Membership, (consultation.id, user.id)) is None:
            session.add(Membership(consultation_id=consultation.id, user_id=user.id))


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
    consultation.published = True
    stakeholders = _stakeholders(session, data["stakeholders"])
    destinations = _destinations(session, consultation, data["destinations"])
    result = LoadResult(consultation, created=True, stakeholders=len(stakeholders))
    for position, entry in enumerate(data["reactions"], start=1):
        reaction = log_reaction(
            session,
            None,
            consultation,
            stakeholders[entry["stakeholder"]],
            [
                DraftPoint(
                    number=p["number"],
                    text=p["body"],
                    heading=p.get("heading"),
                    stakeholder_id=stakeholders[p["stakeholder"]].id
                    if p.get("stakeholder")
                    else None,
                )
                for p in entry["points"]
            ],
            channel=entry["channel"],
            received_on=entry.get("received_on"),
            title=entry["title"],
            original_text=original_text(entry),
            position=position,
        )
        points = {
            p.number: p
            for p in session.exec(select(Point).where(Point.reaction_id == reaction.id))
        }
        numbers = [p["number"] for p in entry["points"]]
        for reply in entry["responses"]:
            chosen = parse_selection(reply["points"], numbers) if reply["points"] else []
            answer(
                session,
                None,
                consultation,
                points=[points[n] for n in chosen],
                destinations=[destinations[key] for key in reply["destinations"]],
                body=reply["text"],
                status=ResponseStatus.adopted,
                decided_by=meta.get("decided_by", ""),
                decided_on=meta.get("decided_on"),
                reaction_id=reaction.id,
            )
            result.responses += 1
        result.reactions += 1
        result.points += len(numbers)
        if progress:
            progress(entry["key"])
    _demo_users(session, consultation, stakeholders)
    return result
