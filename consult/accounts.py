"""Accounts: users, argon2 passwords, login sessions, one-time links (throttling: throttle.py)."""

import hashlib
import os
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from . import audit
from .models import AccountToken, LoginSession, User, UserCreate, aware, utcnow

# The test suite only: argon2-cffi's CHEAPEST profile ("only for testing"), because at the
# default profile (RFC 9106's low-memory choice: 64 MiB, 3 passes) every hash and every login
# costs ~0.16 s of CPU, and the suite makes thousands. Passwords stay argon2id through the same
# code; a hash made with either profile verifies under the other (its parameters are in it).
# Production never sets this; its name says so.
CHEAP_HASHES = os.environ.get("CONSULT_TESTS_ONLY_CHEAP_PASSWORD_HASHES") == "1"
_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if CHEAP_HASHES else PasswordHasher()
# Verified against when the e-mail is unknown, so both paths take as long.
_DUMMY_HASH = _hasher.hash("no such user")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def create_user(
    session: Session, password: str | None = None, actor: User | None = None, **fields
) -> User:
    """Validate and add a user; the password is stored only as a hash."""
    data = UserCreate.model_validate(fields)
    user = User.model_validate({**data.model_dump(), "email": data.email.lower()})
    if password:
        user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", user)
    return user


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this e-mail address (case-insensitive)."""
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None."""
    user = user_by_email(session, email)
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.is_active:
        return None
    return user


# --- one-time links: invitations and password resets -------------------------------

INVITE_HOURS = 7 * 24
RESET_HOURS = 2
MIN_PASSWORD = 10


class AccountError(ValueError):
    """A password or link that cannot be used; the message says why."""


# Bulk UPDATE/DELETE below: rows loaded in the session are not evaluated against the criteria
# in Python (SQLite hands back naive datetimes), and nothing reads them afterwards.
_BULK = {"synchronize_session": False}


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: str) -> str:
    """A new one-time link token for the user ("invite" or "reset"); only its hash is stored.
    A user has one valid link at a time: every older one stops working."""
    raw = secrets.token_urlsafe(32)
    hours = INVITE_HOURS if purpose == "invite" else RESET_HOURS
    _lock(session, user)
    end_links(session, user)
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(raw),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    session.flush()
    return raw


def _lock(session: Session, user: User) -> None:
    """Take the user's row until the commit, so that links of one user are issued and used
    one at a time (PostgreSQL: SELECT ... FOR UPDATE; SQLite has one writer anyway)."""
    session.exec(select(User.id).where(User.id == user.id).with_for_update()).one()


def end_links(session: Session, user: User) -> None:
    """Every outstanding one-time link of the user stops working (marked used)."""
    session.exec(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow()),
        execution_options=_BULK,
    )


def token_user(session: Session, raw: str) -> tuple[AccountToken, User] | None:
    """The unused, unexpired token and its user, or None."""
    found = session.exec(
        select(AccountToken, User)
        .join(User, User.id == AccountToken.user_id)
        .where(AccountToken.token_hash == _digest(raw))
    ).first()
    if found is None:
        return None
    token, user = found
    if token.used_at is not None or aware(token.expires_at) < utcnow() or not user.is_active:
        return None
    return token, user


def _check_new_password(password: str, confirm: str) -> None:
    if password != confirm:
        raise AccountError(_("The two passwords are not the same."))
    if len(password) < MIN_PASSWORD:
        raise AccountError(_("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD))


def set_password(session: Session, user: User, password: str, confirm: str) -> None:
    """Set a new password; every existing session of the user ends."""
    _check_new_password(password, confirm)
    before = audit.snapshot(user)
    user.password_hash = hash_password(password)
    session.add(user)
    end_sessions(session, user)
    session.flush()
    audit.record(session, user, "change", user, before)


class LinkUsed(AccountError):
    """The one-time link is unknown, expired, used, or replaced by a newer one."""


def redeem(session: Session, raw: str, password: str, confirm: str) -> User:
    """Use a one-time link to set a password. The link is taken with one conditional UPDATE,
    so of simultaneous requests exactly one gets it (the others: LinkUsed, after waiting for
    the winner's transaction); the user's other outstanding links end with it."""
    found = token_user(session, raw)
    if found is None:
        raise LinkUsed(_("This link is no longer valid. Ask for a new one."))
    token, user = found
    _check_new_password(password, confirm)  # a typo keeps the link usable
    _lock(session, user)
    now = utcnow()
    taken = session.exec(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None),
               AccountToken.expires_at > now)
        .values(used_at=now),
        execution_options=_BULK,
    ).rowcount
    if taken != 1:
        raise LinkUsed(_("This link is no longer valid. Ask for a new one."))
    end_links(session, user)
    set_password(session, user, password, confirm)
    return user


# --- sessions ----------------------------------------------------------------------------


def start_session(session: Session, user: User, lifetime: timedelta) -> str:
    """A new login session for the user; returns the key for the signed session cookie (only
    its hash is stored). The user's expired sessions are cleared on the way."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    session.exec(delete(LoginSession).where(LoginSession.user_id == user.id,
                                            LoginSession.expires_at < now),
                 execution_options=_BULK)
    session.add(LoginSession(key_hash=_digest(key), user_id=user.id, created_at=now,
                             expires_at=now + lifetime))
    session.flush()
    return key


def session_user(session: Session, key: str) -> tuple[User, datetime] | None:
    """The active user of an unexpired session key and when that session ends, else None:
    one lookup by primary key."""
    return session.exec(
        select(User, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.key_hash == _digest(key), LoginSession.expires_at > utcnow(),
               User.archived == False)  # noqa: E712
    ).first()


def renewal_due(expires_at: datetime, lifetime: timedelta) -> bool:
    """Whether a session in use should be extended: less than half its lifetime is left.
    Sessions slide like the cookie does, at one small write per half lifetime."""
    return aware(expires_at) - utcnow() < lifetime / 2


def renew_session(engine: Engine, key: str, lifetime: timedelta) -> None:
    """Move the session's end to ``lifetime`` from now, in a transaction of its own."""
    with Session(engine) as session:
        session.exec(update(LoginSession).where(LoginSession.key_hash == _digest(key))
                     .values(expires_at=utcnow() + lifetime), execution_options=_BULK)
        session.commit()


def end_session(session: Session, key: str) -> None:
    """End one login session (logging out)."""
    session.exec(delete(LoginSession).where(LoginSession.key_hash == _digest(key)),
                 execution_options=_BULK)


def end_sessions(session: Session, user: User) -> None:
    """End every login session of the user (new password, archived account)."""
    session.exec(delete(LoginSession).where(LoginSession.user_id == user.id),
                 execution_options=_BULK)
