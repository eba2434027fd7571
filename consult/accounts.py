"""Accounts: creating users and checking passwords (argon2)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from .models import User, UserCreate

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths take as long.
_DUMMY_HASH = _hasher.hash("no such user")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def create_user(session: Session, password: str | None = None, **fields) -> User:
    """Validate and add a user; the password is stored only as a hash."""
    data = UserCreate.model_validate(fields)
    user = User.model_validate({**data.model_dump(), "email": data.email.lower()})
    if password:
        user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
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
