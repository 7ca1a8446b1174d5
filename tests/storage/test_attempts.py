"""Attempt budgets: taken atomically before the check, across connections and instances, all or none."""

from __future__ import annotations

import asyncio

import pytest

from storage import attempts
from storage.attempts import Budget
from storage.database import Database

FIVE = Budget(5, 1 / 60)


async def test_a_burst_from_two_instances_gets_the_budget_and_no_more(database: Database) -> None:
    other = Database(database.url, schema=database.schema)  # a second process's engine on the same database
    try:
        results = await asyncio.gather(*(attempts.take(db, [("pin:TY-X", FIVE)], now=1000.0)
                                         for db in [database, other] * 25))
    finally:
        await other.dispose()
    assert sum(wait == 0 for wait in results) == 5
    assert all(wait >= 59 for wait in results if wait)


async def test_the_bucket_refills_and_a_refused_try_takes_nothing(database: Database) -> None:
    for _ in range(5):
        assert await attempts.take(database, [("k", FIVE)], now=0.0) == 0
    assert await attempts.take(database, [("k", FIVE)], now=30.0) == pytest.approx(30)  # half a token back
    assert await attempts.take(database, [("k", FIVE)], now=58.0) == pytest.approx(2)  # refusals took nothing
    assert await attempts.take(database, [("k", FIVE)], now=60.5) == 0
    assert await attempts.take(database, [("k", FIVE)], now=61.0) > 0


async def test_all_or_none_and_clear(database: Database) -> None:
    one = Budget(1, 1 / 60)
    assert await attempts.take(database, [("a", FIVE), ("b", one)], now=0.0) == 0
    assert await attempts.take(database, [("a", FIVE), ("b", one)], now=0.0) > 0  # b is empty: a keeps its token
    for _ in range(4):
        assert await attempts.take(database, [("a", FIVE)], now=0.0) == 0
    assert await attempts.take(database, [("a", FIVE)], now=0.0) > 0
    await attempts.clear(database, "a")
    assert await attempts.take(database, [("a", FIVE)], now=0.0) == 0
