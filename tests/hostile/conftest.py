"""A live app on its own event loop, so that sync hypothesis tests can drive the async code example by example.

The database is the suite's usual one (an SQLite file, or a throwaway PostgreSQL schema) and the knowledge
base is the real one, so hostile input meets the real retrieval, flows and tables.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as profiles
from sqlalchemy import text

from bot.bootstrap import Tuoyu, build
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from storage.database import Database
from tests.conftest import ON_POSTGRES, PG_URL

T = TypeVar("T")

#: Bounded runs: the suite stays fast; the live app is shared by a test's examples on purpose.
profiles.register_profile("hostile", max_examples=100, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HOSTILE = profiles.get_profile("hostile")


@dataclass
class Live:
    """A built Tuoyu and the loop it lives on."""

    loop: asyncio.AbstractEventLoop
    tuoyu: Tuoyu

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)


@pytest.fixture(scope="session")
def full_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return KnowledgeBase.load(cache_dir=tmp_path_factory.mktemp("kb-cache"))


@pytest.fixture
def live(tmp_path: Path, full_kb: KnowledgeBase) -> Iterator[Live]:
    loop = asyncio.new_event_loop()
    schema = f"h_{uuid.uuid4().hex[:12]}" if ON_POSTGRES else None

    async def admin(statement: str) -> None:
        db = Database(PG_URL)
        async with db.engine.begin() as conn:
            await conn.execute(text(statement))
        await db.dispose()

    if schema:
        loop.run_until_complete(admin(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, schema=schema) if schema else Database(f"sqlite:///{tmp_path / 'hostile.sqlite3'}")
    cfg = Settings(data_dir=tmp_path, database_url=db.url, secret_key="hostile", demo_data=True)
    tuoyu = loop.run_until_complete(build(cfg, db=db, kb=full_kb))
    try:
        yield Live(loop, tuoyu)
    finally:
        loop.run_until_complete(tuoyu.close())
        if schema:
            loop.run_until_complete(admin(f'DROP SCHEMA "{schema}" CASCADE'))
        loop.close()
