"""The users table and the request/response models (input, table, public kept apart)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"
PASSWORD_MIN_BYTES = 8
PASSWORD_MAX_BYTES = 72  # bcrypt's limit; bcrypt 5 raises on longer input


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


def _check_password_bytes(password: str) -> str:
    try:
        size = len(password.encode())
    except UnicodeEncodeError:  # a lone surrogate; the codec's message would quote it
        raise ValueError("password must be valid UTF-8 text") from None
    if not PASSWORD_MIN_BYTES <= size <= PASSWORD_MAX_BYTES:
        raise ValueError(
            f"password must be {PASSWORD_MIN_BYTES} to {PASSWORD_MAX_BYTES} bytes in UTF-8"
        )
    return password


Username = Annotated[str, Field(pattern=USERNAME_PATTERN)]
# JSON Schema counts characters, not bytes: 8..72 UTF-8 bytes is 2..72 characters at best.
# The schema states those necessary bounds; the byte rule is in the description.
Password = Annotated[
    str,
    AfterValidator(_check_password_bytes),
    Field(
        description=f"{PASSWORD_MIN_BYTES} to {PASSWORD_MAX_BYTES} bytes in UTF-8",
        json_schema_extra={"format": "password", "minLength": 2, "maxLength": 72},
    ),
]


class Credentials(BaseModel):
    """The body of register and login alike."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    username: Username
    password: Password


class Message(BaseModel):
    """The body of every error answer but 422: one human-readable line."""

    detail: str


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    created_at: datetime
