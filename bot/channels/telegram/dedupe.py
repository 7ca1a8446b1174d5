"""Webhook redelivery guard: each update_id is handled once, or again only after its handler died."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import BigInteger, Connection, DateTime, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow
from storage.database import Database

LEASE = timedelta(seconds=60)  # an unfinished claim older than this belongs to a dead process
KEEP = timedelta(days=2)  # Telegram stops redelivering after 24 hours


class ProcessedUpdate(Base):
    """An update_id seen by the webhook; `handled_at` is set once its handlers finished."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Claim(Enum):
    NEW = "new"  # ours to handle
    DONE = "done"  # handled before: acknowledge and drop
    BUSY = "busy"  # another request is handling it right now: ask Telegram to retry later


class UpdateLedger:
    """Insert-or-ignore claims on update ids, with a lease so a crash mid-update does not lose it.

    Each claim and each completion is one `Database.unit` (on a SQLite file: one thread round trip for
    the whole transaction instead of several per statement).
    """

    def __init__(self, db: Database, lease: timedelta = LEASE) -> None:
        self.db, self.lease = db, lease
        # SQLite has one writer: queue our statements here rather than in SQLite's busy-wait, which can
        # time out under load. PostgreSQL needs no such guard.
        self._sqlite_writer = contextlib.nullcontext() if db.is_postgres else asyncio.Lock()

    async def claim(self, update_id: int) -> Claim:
        async with self._sqlite_writer:
            return await self.db.unit(self._claim, update_id, utcnow())

    def _claim(self, conn: Connection, update_id: int, now: datetime) -> Claim:
        insert = pg_insert if self.db.is_postgres else sqlite_insert
        stmt = insert(ProcessedUpdate).values(update_id=update_id, received_at=now).on_conflict_do_nothing()
        if conn.execute(stmt).rowcount == 1:
            return Claim.NEW
        handled = conn.execute(select(ProcessedUpdate.handled_at).where(ProcessedUpdate.update_id == update_id)).first()
        if handled is None or handled[0] is not None:
            return Claim.DONE
        stale = conn.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id, ProcessedUpdate.handled_at.is_(None),
                   ProcessedUpdate.received_at < now - self.lease)
            .values(received_at=now))
        return Claim.NEW if stale.rowcount == 1 else Claim.BUSY

    async def done(self, update_id: int) -> None:
        async with self._sqlite_writer:
            await self.db.unit(_mark_done, update_id, utcnow())

    async def prune(self, keep: timedelta = KEEP) -> int:
        """Forget ids older than Telegram would ever redeliver."""
        async with self._sqlite_writer:
            return await self.db.unit(_prune, utcnow() - keep)


def _mark_done(conn: Connection, update_id: int, now: datetime) -> None:
    conn.execute(update(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id).values(handled_at=now))


def _prune(conn: Connection, before: datetime) -> int:
    return conn.execute(delete(ProcessedUpdate).where(ProcessedUpdate.received_at < before)).rowcount or 0
