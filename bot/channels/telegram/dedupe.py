"""Webhook redelivery guard: each update_id is handled once, or again only after its handler died."""

from __future__ import annotations

import asyncio
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

    Claims and completions are group-committed: those that arrive while a transaction runs wait and go
    together in the next one (one `Database.unit`, one commit), so the webhook's two writes per update
    cost a fraction of a transaction each under load and no more than before when idle. Each caller
    still waits for its own write to be committed. One transaction at a time also keeps SQLite's single
    writer out of its busy-wait.
    """

    def __init__(self, db: Database, lease: timedelta = LEASE) -> None:
        self.db, self.lease = db, lease
        insert = pg_insert if db.is_postgres else sqlite_insert
        self._insert = insert(ProcessedUpdate).values(update_id=_ID, received_at=_AT).on_conflict_do_nothing()
        self._queued: list[tuple[bool, int, asyncio.Future[Claim | None]]] = []  # (is claim, update id, result)
        self._writer: asyncio.Task[None] | None = None

    async def claim(self, update_id: int) -> Claim:
        return await self._write(True, update_id)  # type: ignore[return-value]

    async def done(self, update_id: int) -> None:
        await self._write(False, update_id)

    async def prune(self, keep: timedelta = KEEP) -> int:
        """Forget ids older than Telegram would ever redeliver."""
        return await self.db.unit(_prune, utcnow() - keep)

    async def _write(self, claim: bool, update_id: int) -> Claim | None:
        result: asyncio.Future[Claim | None] = asyncio.get_running_loop().create_future()
        self._queued.append((claim, update_id, result))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._commit_queued())
        return await result

    async def _commit_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                outcomes = await self.db.unit(self._apply, [(claim, update_id) for claim, update_id, _ in batch],
                                              utcnow())
            except Exception as exc:  # every write of the batch failed with its transaction: tell each caller
                for _, _, result in batch:
                    if not result.done():
                        result.set_exception(exc)
            else:
                for (_, _, result), outcome in zip(batch, outcomes, strict=True):
                    if not result.done():  # a caller that gave up (client gone) no longer waits
                        result.set_result(outcome)

    def _apply(self, conn: Connection, writes: list[tuple[bool, int]], now: datetime) -> list[Claim | None]:
        outcomes: list[Claim | None] = []
        for claim, update_id in writes:
            if claim:
                outcomes.append(self._claim(conn, update_id, now))
            else:
                _mark_done(conn, update_id, now)
                outcomes.append(None)
        return outcomes

    def _claim(self, conn: Connection, update_id: int, now: datetime) -> Claim:
        if conn.execute(self._insert, {"id": update_id, "at": now}).rowcount == 1:
            return Claim.NEW
        handled = conn.execute(_SELECT_HANDLED, {"id": update_id}).first()
        if handled is None or handled[0] is not None:
            return Claim.DONE
        stale = conn.execute(_TAKE_OVER, {"id": update_id, "at": now, "stale_before": now - self.lease})
        return Claim.NEW if stale.rowcount == 1 else Claim.BUSY


def _mark_done(conn: Connection, update_id: int, now: datetime) -> None:
    conn.execute(_MARK_DONE, {"id": update_id, "at": now})


def _prune(conn: Connection, before: datetime) -> int:
    return conn.execute(_PRUNE, {"before": before}).rowcount or 0
