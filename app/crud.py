"""Database operations. Each call is one short transaction, committed before it returns,
so no lock is held while a password is hashed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import User


class UsernameTakenError(Exception):
    """The username is already registered."""


def create_user(*, session: Session, username: str, password_hash: str) -> User:
    """Insert a user; raises UsernameTakenError on a duplicate username."""
    user = User(username=username, password_hash=password_hash)
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise UsernameTakenError(username) from exc
    return user


def get_user_by_username(*, session: Session, username: str) -> User | None:
    """The user named `username`, or None."""
    user = session.scalars(select(User).where(User.username == username)).first()
    session.commit()  # end the read transaction: release the SQLite lock at once
    return user
