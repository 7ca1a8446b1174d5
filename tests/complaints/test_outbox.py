"""The outbox: retried after failures, re-delivered after a crash, never sent twice by two workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from complaints.models import Outbox
from complaints.outbox import Deliverer, LogStrategy, enqueue, pending
from storage.database import Database
from tests.complaints.support import Clock


class Flaky:
    """Fails the first `failures` sends, then records what it sent."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[str, str]] = []

    async def send(self, address: str, text: str, key: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("telegram down")
        self.sent.append((address, text))


async def add(db: Database, clock: Clock, *addresses: str) -> None:
    async with db.session() as s:
        for address in addresses:
            enqueue(s, address, f"hello {address}", now=clock())


async def rows(db: Database) -> list[Outbox]:
    async with db.session() as s:
        return list((await s.execute(select(Outbox).order_by(Outbox.id))).scalars().all())


async def test_failed_delivery_is_retried_with_backoff(database: Database) -> None:
    clock = Clock()
    flaky = Flaky(failures=2)
    worker = Deliverer(database, {"telegram": flaky}, clock=clock)
    await add(database, clock, "telegram:1")
    assert await worker.run_once() == 0
    assert await worker.run_once() == 0, "not due again before the backoff"
    clock.advance(seconds=5)
    assert await worker.run_once() == 0
    clock.advance(seconds=9)
    assert await worker.run_once() == 0, "backoff doubles"
    clock.advance(seconds=1)
    assert await worker.run_once() == 1
    [row] = await rows(database)
    assert row.sent_at is not None and row.attempts == 3 and flaky.sent == [("telegram:1", "hello telegram:1")]


async def test_crash_after_claim_redelivers_after_the_lease(database: Database) -> None:
    clock = Clock()
    await add(database, clock, "console:a", "console:b")
    crashed = Deliverer(database, {"console": LogStrategy()}, clock=clock, lease=timedelta(minutes=2))
    assert len(await crashed.claim()) == 2  # ... and the process dies before sending
    survivor_log = LogStrategy()
    survivor = Deliverer(database, {"console": survivor_log}, clock=clock)
    assert await survivor.run_once() == 0, "leased rows are left alone"
    clock.advance(minutes=3)
    assert await survivor.run_once() == 2
    assert sorted(a for a, _ in survivor_log.sent) == ["console:a", "console:b"]
    assert await pending(database) == []


async def test_unknown_medium_waits_instead_of_dropping(database: Database) -> None:
    clock = Clock()
    await add(database, clock, "telegram:9")
    worker = Deliverer(database, {"console": LogStrategy()}, clock=clock)
    assert await worker.run_once() == 0
    [row] = await pending(database)
    assert "no delivery method" in (row.last_error or "")
    worker.strategies["telegram"] = LogStrategy()
    clock.advance(minutes=1)
    assert await worker.run_once() == 1


async def test_two_workers_deliver_each_row_once(database: Database) -> None:
    clock = Clock()
    await add(database, clock, *(f"console:{i}" for i in range(40)))
    logs = [LogStrategy() for _ in range(3)]
    workers = [Deliverer(database, {"console": log}, clock=clock, batch=10) for log in logs]
    for _ in range(5):
        await asyncio.gather(*(w.run_once() for w in workers))
    sent = [address for log in logs for address, _ in log.sent]
    assert len(sent) == 40 and len(set(sent)) == 40
