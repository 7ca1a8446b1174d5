"""Staff sessions the server can end: the signed cookie carries a random token, the database its hash.

A signed cookie alone stays valid until it expires, logout or not; here every staff request looks the token
up, so logout (or an expiry) ends the session for every copy of the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow
from storage.database import Database

LIFETIME = timedelta(hours=12)


class StaffSession(Base):
    """One logged-in staff session; `id` is the sha256 of the cookie's token (a leaked table opens nothing)."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_name: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(db: Database, name: str) -> str:
    """A new session for `name`; returns the token for the cookie (expired sessions are swept on the way)."""
    token, now = secrets.token_urlsafe(32), utcnow()
    async with db.session() as s:
        await s.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        s.add(StaffSession(id=_digest(token), staff_name=name, created_at=now, expires_at=now + LIFETIME))
    return token


async def staff_of(db: Database, token: object) -> str | None:
    """The staff name of a live session token, or None (ended, expired, unknown or malformed)."""
    if not isinstance(token, str) or not token:
        return None
    async with db.session() as s:
        return (await s.execute(select(StaffSession.staff_name).where(
            StaffSession.id == _digest(token), StaffSession.expires_at > utcnow()))).scalar()


async def end(db: Database, token: object) -> None:
    """End the session of `token` (logout)."""
    if isinstance(token, str):
        async with db.session() as s:
            await s.execute(delete(StaffSession).where(StaffSession.id == _digest(token)))
