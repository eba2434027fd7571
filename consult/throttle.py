"""Throttling logins and password-reset requests, shared by every worker through the database.

Check and record are one step: an attempt is first written and committed in a transaction of
its own, and only then are the attempts counted, this one included. Of any number of
simultaneous requests, the one that committed last sees all the others, so no more get
through than the rule allows (a refused attempt is deleted again; until then it makes others
more careful, never less). Only an attempt that got through has its password checked: argon2
costs 0.1-0.2 s of CPU, a refusal costs two small writes and three counts.

The rules (OWASP Authentication Cheat Sheet, "Login Throttling"; the figures are ours):

- an account (the e-mail address as typed, known or not, so a refusal tells nothing) gets
  ``MAX_PER_ACCOUNT`` failures in ``WINDOW`` from anywhere; then even its right password is
  refused until the oldest of them is ``WINDOW`` old;
- an address (one person, or a whole town hall behind one NAT) with more than
  ``MAX_PER_ADDRESS`` failures in ``WINDOW`` is slowed down, not locked: from there an account
  that failed in the last ``ADDRESS_WAIT`` has to wait until then. Accounts without such a
  failure are checked as usual, so colleagues behind the same address still log in;
- an address is the client's IPv4 address, or its IPv6 /64 network (``client_key``);
- a password-reset link is mailed at most ``RESETS_PER_ACCOUNT`` times per ``RESET_WINDOW``
  for one e-mail address and ``RESETS_PER_ADDRESS`` times for one client address.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from .models import LoginAttempt, aware, utcnow

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20
ADDRESS_WAIT = timedelta(minutes=5)
RESET_WINDOW = timedelta(hours=1)
RESETS_PER_ACCOUNT = 3
RESETS_PER_ADDRESS = 20
# Rows older than this count for no rule any more; they are purged as new ones come in.
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Gate:
    """The outcome of asking to try: an attempt to finish, or a refusal with a wait."""

    attempt_id: int | None
    wait_seconds: int = 0  # > 0 when refused: when to try again (Retry-After)

    @property
    def refused(self) -> bool:
        return self.attempt_id is None


def _normal(email: str) -> str:
    return email.strip().lower()[:320]


def client_key(address: str) -> str:
    """The address a rule counts: an IPv6 client as its /64 network (one household or office
    gets a whole /64 and can take a new address from it for every guess), IPv4 as itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _count(session: Session, kind: str, since: datetime, **match) -> int:
    query = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.kind == kind, LoginAttempt.at > since)
    for column, value in match.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    return session.exec(query).one()


def _wait_until(session: Session, kind: str, since: datetime, room: int, period: timedelta,
                now: datetime, **match) -> int:
    """Seconds until fewer than ``room`` of the matching attempts since ``since`` remain, i.e.
    until the one ``room`` places before the newest is ``period`` old (at least 1)."""
    query = select(LoginAttempt.at).where(LoginAttempt.kind == kind, LoginAttempt.at > since)
    for column, value in match.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    times = session.exec(query.order_by(LoginAttempt.at.desc()).limit(room)).all()
    if len(times) < room:
        return 1
    return max(1, math.ceil((aware(times[-1]) + period - now).total_seconds()))


def _record(engine: Engine, kind: str, email: str, address: str) -> tuple[Session, LoginAttempt]:
    """Write the attempt and commit it, so that every other worker counts it from now on."""
    session = Session(engine, expire_on_commit=False)
    attempt = LoginAttempt(kind=kind, email=_normal(email), address=client_key(address))
    try:
        session.add(attempt)
        session.exec(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - KEEP),
                     execution_options={"synchronize_session": False})
        session.commit()
    except Exception:
        session.close()  # the database is away: the request answers 503 (consult/errors.py)
        raise
    return session, attempt


def _refuse(session: Session, attempt: LoginAttempt, wait: int) -> Gate:
    session.delete(attempt)
    session.commit()
    return Gate(None, wait)


def start_login(engine: Engine, email: str, address: str) -> Gate:
    """Ask to check a password for ``email`` from ``address``: a Gate with the attempt to pass
    to ``finish_login``, or refused with the seconds to wait. Commits in its own session."""
    session, attempt = _record(engine, "login", email, address)
    with session:
        now, mail = aware(attempt.at), attempt.email
        since = now - WINDOW
        # Every count includes this attempt, hence the ">" where the rule says "at most".
        if _count(session, "login", since, email=mail) > MAX_PER_ACCOUNT:
            wait = _wait_until(session, "login", since, MAX_PER_ACCOUNT + 1, WINDOW, now,
                               email=mail)
            return _refuse(session, attempt, wait)
        if _count(session, "login", since, address=attempt.address) > MAX_PER_ADDRESS:
            recent = now - ADDRESS_WAIT
            if _count(session, "login", recent, address=attempt.address, email=mail) > 1:
                wait = _wait_until(session, "login", recent, 2, ADDRESS_WAIT, now,
                                   address=attempt.address, email=mail)
                return _refuse(session, attempt, wait)
        return Gate(attempt.id)


def finish_login(engine: Engine, gate: Gate, succeeded: bool) -> None:
    """A failed check stays counted; a successful one is forgotten."""
    if gate.refused or not succeeded:
        return
    with Session(engine) as session:
        session.exec(delete(LoginAttempt).where(LoginAttempt.id == gate.attempt_id),
                     execution_options={"synchronize_session": False})
        session.commit()


def start_reset(engine: Engine, email: str, address: str) -> Gate:
    """Ask to mail a reset link for ``email`` (known or not) from ``address``; refused with
    the seconds to wait when either has asked too often. Commits in its own session."""
    session, attempt = _record(engine, "reset", email, address)
    with session:
        now = aware(attempt.at)
        since = now - RESET_WINDOW
        for column, limit in (("email", RESETS_PER_ACCOUNT), ("address", RESETS_PER_ADDRESS)):
            match = {column: getattr(attempt, column)}
            if _count(session, "reset", since, **match) > limit:
                wait = _wait_until(session, "reset", since, limit + 1, RESET_WINDOW, now,
                                   **match)
                return _refuse(session, attempt, wait)
        return Gate(attempt.id)
