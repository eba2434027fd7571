"""The demo consultation: the real 2016 Holland Rijnland round, loaded from a data file."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from sqlmodel import Session, select

from .. import invitations, lifecycle
from ..accounts import create_user, hash_password, user_by_email
from ..intake import DraftPoint, create_stakeholder, log_reaction
from ..models import (
    Consultation,
    Destination,
    Membership,
    Point,
    ResponseStatus,
    Role,
    Stakeholder,
    User,
    utcnow,
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


def _demo_users(session: Session, stakeholders: dict[str, Stakeholder]) -> dict[str, User]:
    """Create the demo accounts that do not exist yet; all of them by role."""
    users = {}
    for email, name, role, stakeholder, password in DEMO_USERS:
        user = user_by_email(session, email)
        if user is None:
            user = create_user(
                session,
                email=email,
                name=name,
                role=role,
                stakeholder_id=stakeholders[stakeholder].id if stakeholder else None,
            )
            user.password_hash = _demo_hash(password)
        users[role] = user
    return users


def _members(session: Session, consultation: Consultation, users: dict[str, User]) -> None:
    """Everyone but the admin takes part in the demo consultation."""
    for role, user in users.items():
        if role != Role.admin and session.get(Membership, (consultation.id, user.id)) is None:
            session.add(Membership(consultation_id=consultation.id, user_id=user.id))


def load(
    session: Session, data: dict | None = None, progress: Callable[[str], None] | None = None
) -> LoadResult:
    """Load the demo consultation unless it is there already; flushes, never commits.

    It goes through the same operations a secretariat uses (consult/lifecycle): the secretary
    creates it, opens it, the reactions are logged, it is closed, the points answered, the
    decision recorded (PHO Jeugdhulp, 16 December 2015) and it is published; so the demo
    proves the lifecycle too, and its history reads like a real round's.
    """
    data = data or read_data()
    meta = data["consultation"]
    found = session.exec(select(Consultation).where(Consultation.slug == meta["slug"])).first()
    if found is not None:
        return LoadResult(found, created=False)

    stakeholders = _stakeholders(session, data["stakeholders"])
    users = _demo_users(session, stakeholders)
    secretary = users[Role.secretary]
    consultation = lifecycle.create(session, secretary, lifecycle.Facts(
        title=meta["title"], organiser=meta.get("organiser", ""),
        document=meta.get("document", ""), description=meta.get("description", ""),
        closes_on=meta.get("closes_on"),
    ), slug=meta["slug"])
    _members(session, consultation, users)
    destinations = _destinations(session, consultation, data["destinations"])
    lifecycle.take_step(session, secretary, consultation, "open")
    _invite(session, secretary, consultation, stakeholders, data["reactions"])
    result = LoadResult(consultation, created=True, stakeholders=len(stakeholders))
    logged = []
    for position, entry in enumerate(data["reactions"], start=1):
        logged.append((entry, _log(session, consultation, stakeholders, entry, position)))
        result.reactions += 1
        result.points += len(entry["points"])
        if progress:
            progress(entry["key"])
    lifecycle.take_step(session, secretary, consultation, "close")
    for entry, reaction in logged:
        result.responses += _answer(session, consultation, destinations, entry, reaction, meta)
    lifecycle.take_step(session, secretary, consultation, "decide",
                        decided_by=meta["decided_by"], decided_on=str(meta["decided_on"]))
    lifecycle.take_step(session, secretary, consultation, "publish")
    for user in users.values():  # the demo's round is history: its letters are not news
        user.news_since = utcnow()
        session.add(user)
    session.flush()
    return result


def _invite(session: Session, secretary: User, consultation: Consultation, stakeholders,
            reactions: list[dict]) -> None:
    """Invite the stakeholders that reacted in 2016 (senders of letters and of points in joint
    letters), one by one as the secretary would: the invitations panel then tells the story."""
    keys = {entry["stakeholder"] for entry in reactions}
    keys |= {p["stakeholder"] for entry in reactions for p in entry["points"]
             if p.get("stakeholder")}
    for key in sorted(keys, key=lambda k: stakeholders[k].name):
        invitations.invite(session, secretary, consultation, stakeholders[key], with_parts=False)


def _log(session: Session, consultation: Consultation, stakeholders, entry: dict,
         position: int):
    """Log one reaction of the data file with its points, as in the table."""
    return log_reaction(
        session,
        None,
        consultation,
        stakeholders[entry["stakeholder"]],
        [
            DraftPoint(
                number=p["number"],
                text=p["body"],
                heading=p.get("heading"),
                stakeholder_id=stakeholders[p["stakeholder"]].id if p.get("stakeholder") else None,
            )
            for p in entry["points"]
        ],
        channel=entry["channel"],
        received_on=entry.get("received_on"),
        title=entry["title"],
        original_text=original_text(entry),
        position=position,
    )


def _answer(session: Session, consultation: Consultation, destinations, entry: dict, reaction,
            meta: dict) -> int:
    """Answer one reaction's points as the table does; returns the number of answers."""
    points = {
        p.number: p for p in session.exec(select(Point).where(Point.reaction_id == reaction.id))
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
    return len(entry["responses"])
