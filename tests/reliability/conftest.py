"""Fixtures for the multi-instance tests: one fresh PostgreSQL database per session, a fake Bot API, instances."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.conftest import ON_POSTGRES, PG_URL
from tests.reliability.cluster import BotApiThread, Instance, fresh_database, migrate, spawn

#: Every test module here: slow, and PostgreSQL only.
RELIABILITY = [pytest.mark.slow, pytest.mark.skipif(not ON_POSTGRES, reason=(
    "several instances need PostgreSQL (set TUOYU_DATABASE_URL); SQLite is single-instance by design"))]


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own for the session's instances, migrated by `tuoyu db upgrade`."""
    with fresh_database(PG_URL) as url:
        migrate(url, tmp_path_factory.mktemp("migrate"))
        yield url


@pytest.fixture(scope="session")
def bot_api() -> Iterator[BotApiThread]:
    with BotApiThread() as api:
        yield api


@pytest.fixture(scope="module")
def pair(pg_url: str, bot_api: BotApiThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Instance]]:
    """Two `tuoyu serve` instances with the Telegram webhook on the shared database, for a module's tests."""
    instances = spawn(pg_url, tmp_path_factory.mktemp("pair"), 2, bot_api.env())
    yield instances
    for instance in instances:
        instance.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, or a reuse can race its close.
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=1.0)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        yield client
