"""The PostgreSQL run must really run on PostgreSQL: fail, never fall back or skip."""

from __future__ import annotations

from storage.database import Database
from tests.conftest import ON_POSTGRES


async def test_tests_run_on_the_configured_backend(database: Database) -> None:
    assert database.is_postgres is ON_POSTGRES
    assert await database.ping()
