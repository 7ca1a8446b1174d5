"""Storage on the configured database: migrations apply, state round-trips, URLs are accepted."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import Connection, func, insert, inspect, select

from storage.database import Database, async_url
from storage.migrate import current, heads
from storage.models import Conversation


def test_plain_urls_get_async_drivers() -> None:
    assert async_url("postgresql://u@127.0.0.1:5432/test").startswith("postgresql+asyncpg://")
    assert async_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert async_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"


async def test_migrations_create_core_tables(database: Database) -> None:
    async with database.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"conversation", "question_log", "alembic_version"} <= tables
    at = await current(database)
    assert at and at <= heads()  # a head that others depend on is recorded through its dependants


async def test_upgrade_twice_is_harmless(database: Database) -> None:
    before = await current(database)
    await database.upgrade()
    assert await current(database) == before


async def test_conversation_state_round_trips_json(database: Database) -> None:
    state = {"lang": "en", "data": {"步骤": "地点", "ages": [14, 15]}}
    async with database.session() as s:
        s.add(Conversation(chat_key="t:1", state=state, version=1))
    async with database.session() as s:
        row = await s.get(Conversation, "t:1")
        assert row is not None and row.state == state


async def test_ping(database: Database) -> None:
    assert await database.ping()


async def test_fast_start_path_agrees_with_alembic(database: Database) -> None:
    from storage.migrate import at_heads, recorded_heads

    assert recorded_heads() == await current(database)
    assert await at_heads(database)


def _put(conn: Connection, key: str, fail: bool = False) -> str:
    conn.execute(insert(Conversation).values(chat_key=key, state={}, version=1))
    if fail:
        raise RuntimeError("after the insert")
    return key


def _count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(Conversation.__table__)).scalar_one())


async def test_unit_commits_on_success_and_rolls_back_on_error(database: Database) -> None:
    assert await database.unit(_put, "u:1") == "u:1"
    with pytest.raises(RuntimeError):
        await database.unit(_put, "u:2", fail=True)
    assert await database.unit(_count) == 1
    async with database.session() as s:  # the async engine sees what the unit committed
        assert await s.get(Conversation, "u:1") is not None and await s.get(Conversation, "u:2") is None


async def test_a_cancelled_unit_has_finished_when_the_caller_goes_on(database: Database) -> None:
    def slow(conn: Connection) -> None:
        time.sleep(0.2)
        _put(conn, "u:slow")

    task = asyncio.create_task(database.unit(slow))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    if database.dialect == "sqlite":  # a thread cannot be stopped: its transaction ran to the end
        assert await database.unit(_count) == 1


async def test_units_run_concurrently_without_losing_writes(database: Database) -> None:
    await asyncio.gather(*(database.unit(_put, f"u:c{i}") for i in range(40)))
    assert await database.unit(_count) == 40
    await database.dispose()  # and the database can be used again after dispose, as the async engine can
    assert await database.unit(_count) == 40
