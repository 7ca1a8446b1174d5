"""Storage on the configured database: migrations apply, state round-trips, URLs are accepted."""

from __future__ import annotations

from sqlalchemy import inspect

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
