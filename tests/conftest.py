"""Shared fixtures: a migrated database per test on SQLite, or on PostgreSQL when
TUOYU_DATABASE_URL points at one (each test then gets its own schema, dropped afterwards).
An unreachable PostgreSQL fails the run; it never skips."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.settings import Settings
from storage.database import Database

os.environ.setdefault("PTB_TIMEDELTA", "1")
PG_URL = os.environ.get("TUOYU_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgresql", "postgres"))


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated database (SQLite file, or a throwaway PostgreSQL schema)."""
    if not ON_POSTGRES:
        db = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
        await db.upgrade()
        yield db
        await db.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, schema=schema)
    try:
        await db.upgrade()
        yield db
    finally:
        await db.dispose()
        await drop_schema(admin, schema)
        await admin.dispose()


async def drop_schema(admin: Database, schema: str, attempts: int = 5) -> None:
    """Drop a test's schema; work the test left behind (a write queued behind a reply) may still hold a table,
    which PostgreSQL reports as a deadlock: wait for it and try again."""
    for attempt in range(attempts):
        try:
            async with admin.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a test: data under tmp_path; the database URL comes from the `database` fixture."""
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'test.sqlite3'}",
                    secret_key="test-secret", demo_data=False)
