"""Attempt budgets every instance shares: a token bucket per key, in the database, taken before the guarded check.

A password or PIN comparison runs only after `take` has reserved a try in its own committed transaction: the
reservation is one upsert whose update is conditional, atomic on PostgreSQL (the row lock makes concurrent takers
queue and re-check the row) and on SQLite (one writer at a time). So fifty requests arriving together get as many checks
as the budget holds, on one instance or several, where a count written after the check let most of them through.
A refused take changes nothing: hammering a key does not keep it locked longer than its refill.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Float, String, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.database import Database

#: Rows untouched this long are full buckets again (every budget refills within a day) and may go.
STALE_S = 24 * 3600.0
PRUNE_CHANCE = 1 / 256
MAX_REMEMBERED = 50_000


class Attempt(Base):
    """One key's bucket: `tokens` left at `stamp` (epoch seconds), refilling at the budget's rate."""

    __tablename__ = "attempt"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float, index=True)


@dataclass(frozen=True)
class Budget:
    """`burst` tries at once, then `per_s` more each second."""

    burst: int
    per_s: float


class _Refused(Exception):
    def __init__(self, key: str, wait: float) -> None:
        super().__init__(key, wait)
        self.key, self.wait = key, wait


#: Per database: key -> time its refusal ends (refused buckets only gain tokens as time passes).
_refused: WeakKeyDictionary[Database, dict[str, float]] = WeakKeyDictionary()
_locks: WeakKeyDictionary[Database, dict[tuple[str, ...], asyncio.Lock]] = WeakKeyDictionary()


async def take(db: Database, keys: list[tuple[str, Budget]], now: float | None = None) -> float:
    """Reserve one try from every key's bucket, all or none, in one transaction.

    Returns 0.0 when the try may go ahead, else the seconds until the first empty bucket has a token again (then
    nothing is taken). Keys are taken in the given order, so callers that share keys list them alike. Runs as one
    `Database.unit` (one thread round trip on SQLite). Takes of the same keys queue in this process, and a refusal
    is remembered until the bucket refills (it cannot refill sooner): after the budget, the rest of a burst is
    refused from memory instead of each waiting for the database. The database stays the only authority.
    """
    names = tuple(key[:200] for key, _ in keys)
    locks = _locks.setdefault(db, {})
    lock = locks.setdefault(names, asyncio.Lock())
    try:
        async with lock:  # the same keys queue here, so a burst's refusals come from memory after the first
            return await _take_or_remember(db, keys, time.time() if now is None else now)
    finally:
        if not lock.locked():
            locks.pop(names, None)


async def _take_or_remember(db: Database, keys: list[tuple[str, Budget]], now: float) -> float:
    refused = _refused.setdefault(db, {})
    waits = [refused[key[:200]] - now for key, _ in keys if refused.get(key[:200], now) > now]
    if waits:
        return max(max(waits), 1.0)
    try:
        await db.unit(_take, keys, now, db.is_postgres)
    except _Refused as refusal:
        if len(refused) >= MAX_REMEMBERED:
            refused.clear()
        refused[refusal.key] = now + refusal.wait
        return max(refusal.wait, 1.0)
    return 0.0


def _take(conn: Connection, keys: list[tuple[str, Budget]], now: float, postgres: bool) -> None:
    """One upsert per key: a new row starts with its first try taken; an existing one gives a try only when its
    refilled level holds one (the WHERE of the conflict update), else the statement returns nothing."""
    upsert = pg_insert if postgres else sqlite_insert
    for raw_key, budget in keys:
        key, burst, rate = raw_key[:200], float(budget.burst), float(budget.per_s)
        level = Attempt.tokens + (now - Attempt.stamp) * rate
        statement = upsert(Attempt).values(key=key, tokens=burst - 1.0, stamp=now)
        statement = statement.on_conflict_do_update(
            index_elements=[Attempt.key], set_={"tokens": case((level > burst, burst), else_=level) - 1.0,
                                                "stamp": now},
            where=level >= 1.0)
        if conn.execute(statement.returning(Attempt.tokens)).first() is None:
            tokens, stamp = conn.execute(select(Attempt.tokens, Attempt.stamp).where(Attempt.key == key)).one()
            raise _Refused(key, (1.0 - tokens - (now - stamp) * rate) / rate)  # rolls back the earlier takes
    if random.random() < PRUNE_CHANCE:
        conn.execute(delete(Attempt).where(Attempt.stamp < now - STALE_S))


async def clear(db: Database, key: str) -> None:
    """Forget `key`'s tries (a right answer ends the run of wrong ones)."""
    _refused.get(db, {}).pop(key[:200], None)
    async with db.session() as s:
        await s.execute(delete(Attempt).where(Attempt.key == key[:200]))
