"""Webhook redelivery guard: each update_id is handled once, or again only after its handler died."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import BigInteger, Connection, DateTime, bindparam, delete, select, update
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


_ID, _AT = bindparam("id", type_=BigInteger()), bindparam("at", type_=DateTime(timezone=True))
#: Statements built once (SQLAlchemy then reuses their compiled form without rebuilding a cache key).
_SELECT_HANDLED = select(ProcessedUpdate.handled_at).where(ProcessedUpdate.update_id == _ID)
_MARK_DONE = update(ProcessedUpdate).where(ProcessedUpdate.update_id == _ID).values(handled_at=_AT)
_TAKE_OVER = (update(ProcessedUpdate)
              .where(ProcessedUpdate.update_id == _ID, ProcessedUpdate.handled_at.is_(None),
                     ProcessedUpdate.received_at < bindparam("stale_before"))
              .values(received_at=_AT))
_PRUNE = delete(ProcessedUpdate).where(ProcessedUpdate.received_at < bindparam("before"))


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
        insert = pg_insert if db.is_postgres else sqlite_insert
        self._insert = insert(ProcessedUpdate).values(update_id=_ID, received_at=_AT).on_conflict_do_nothing()

    async def claim(self, update_id: int) -> Claim:
        async with self._sqlite_writer:
            return await self.db.unit(self._claim, update_id, utcnow())

    def _claim(self, conn: Connection, update_id: int, now: datetime) -> Claim:
        if conn.execute(self._insert, {"id": update_id, "at": now}).rowcount == 1:
            return Claim.NEW
        handled = conn.execute(_SELECT_HANDLED, {"id": update_id}).first()
        if handled is None or handled[0] is not None:
            return Claim.DONE
        stale = conn.execute(_TAKE_OVER, {"id": update_id, "at": now, "stale_before": now - self.lease})
        return Claim.NEW if stale.rowcount == 1 else Claim.BUSY

    async def done(self, update_id: int) -> None:
        async with self._sqlite_writer:
            await self.db.unit(_mark_done, update_id, utcnow())

    async def prune(self, keep: timedelta = KEEP) -> int:
        """Forget ids older than Telegram would ever redeliver."""
        async with self._sqlite_writer:
            return await self.db.unit(_prune, utcnow() - keep)


def _mark_done(conn: Connection, update_id: int, now: datetime) -> None:
    conn.execute(_MARK_DONE, {"id": update_id, "at": now})


def _prune(conn: Connection, before: datetime) -> int:
    return conn.execute(_PRUNE, {"before": before}).rowcount or 0
