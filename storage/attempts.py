"""Attempt budgets every instance shares: a token bucket per key, in the database, taken before the guarded check.

A password or PIN comparison runs only after `take` has reserved a try in its own committed transaction: the
reservation is one conditional UPDATE, atomic on PostgreSQL (the row lock makes concurrent takers queue and
re-read the row) and on SQLite (one writer at a time). So fifty requests arriving together get as many checks
as the budget holds, on one instance or several, where a count written after the check let most of them through.
A refused take changes nothing: hammering a key does not keep it locked longer than its refill.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from sqlalchemy import Float, String, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.database import Database

#: Rows untouched this long are full buckets again (every budget refills within a day) and may go.
STALE_S = 24 * 3600.0
PRUNE_CHANCE = 1 / 256


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
    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


async def take(db: Database, keys: list[tuple[str, Budget]], now: float | None = None) -> float:
    """Reserve one try from every key's bucket, all or none, in one transaction.

    Returns 0.0 when the try may go ahead, else the seconds until the first empty bucket has a token again (then
    nothing is taken). Keys are taken in the given order, so callers that share keys list them alike.
    """
    now = time.time() if now is None else now
    upsert = pg_insert if db.is_postgres else sqlite_insert
    try:
        async with db.session() as s:
            for raw_key, budget in keys:
                key, burst, rate = raw_key[:200], float(budget.burst), float(budget.per_s)
                await s.execute(upsert(Attempt).values(key=key, tokens=burst, stamp=now).on_conflict_do_nothing())
                level = Attempt.tokens + (now - Attempt.stamp) * rate
                taken = (await s.execute(update(Attempt).where(Attempt.key == key, level >= 1.0)
                                         .values(tokens=case((level > burst, burst), else_=level) - 1.0, stamp=now)
                                         .returning(Attempt.tokens))).first()
                if taken is None:
                    tokens, stamp = (await s.execute(select(Attempt.tokens, Attempt.stamp)
                                                     .where(Attempt.key == key))).one()
                    raise _Refused((1.0 - tokens - (now - stamp) * rate) / rate)  # rolls back the earlier takes
            if random.random() < PRUNE_CHANCE:
                await s.execute(delete(Attempt).where(Attempt.stamp < now - STALE_S))
    except _Refused as refused:
        return max(refused.wait, 1.0)
    return 0.0


async def clear(db: Database, key: str) -> None:
    """Forget `key`'s tries (a right answer ends the run of wrong ones)."""
    async with db.session() as s:
        await s.execute(delete(Attempt).where(Attempt.key == key[:200]))
