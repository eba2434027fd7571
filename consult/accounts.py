"""Accounts: users, argon2 passwords, one-time links, and login throttling."""

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlmodel import Session, func, select

from . import audit
from .models import AccountToken, LoginAttempt, User, UserCreate, aware, utcnow

_hasher = PasswordHasher()
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


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: str) -> str:
    """A new one-time link token for the user ("invite" or "reset"); only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    hours = INVITE_HOURS if purpose == "invite" else RESET_HOURS
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


def set_password(session: Session, user: User, password: str, confirm: str) -> None:
    """Set a new password; every existing session of the user ends."""
    if password != confirm:
        raise AccountError(_("The two passwords are not the same."))
    if len(password) < MIN_PASSWORD:
        raise AccountError(_("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD))
    before = audit.snapshot(user)
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.add(user)
    session.flush()
    audit.record(session, user, "change", user, before)


def redeem(session: Session, raw: str, password: str, confirm: str) -> User:
    """Use a one-time link to set a password."""
    found = token_user(session, raw)
    if found is None:
        raise AccountError(_("This link is no longer valid. Ask for a new one."))
    token, user = found
    set_password(session, user, password, confirm)
    token.used_at = utcnow()
    session.add(token)
    session.flush()
    return user


# --- throttling --------------------------------------------------------------------

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20


def login_blocked(session: Session, email: str, address: str) -> bool:
    """Too many recent failures for this account or from this address."""
    since = utcnow() - WINDOW
    per_account = session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.email == email.strip().lower(), LoginAttempt.at > since
        )
    ).one()
    per_address = session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.address == address, LoginAttempt.at > since
        )
    ).one()
    return per_account >= MAX_PER_ACCOUNT or per_address >= MAX_PER_ADDRESS


def record_failure(session: Session, email: str, address: str) -> None:
    """Remember a failed login."""
    session.add(LoginAttempt(email=email.strip().lower()[:320], address=address[:64]))
    session.flush()
