"""Locator tests: release the search engine kept beside each test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from locator.search import close_reader
from storage.database import Database


@pytest.fixture
async def database(database: Database) -> AsyncIterator[Database]:
    yield database
    await close_reader(database)
