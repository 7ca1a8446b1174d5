"""Fixtures of the engine and flow transcript tests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import Tuoyu, build
from bot.settings import Settings
from storage.database import Database
from tests.bot.helpers import fixture_kb


@pytest.fixture
async def app(database: Database, settings: Settings) -> AsyncIterator[Tuoyu]:
    """The whole build (flows, services, demo facilities) over the test database and the fixture articles."""
    tuoyu = await build(dataclasses.replace(settings, demo_data=True), db=database, migrate=False, kb=fixture_kb())
    yield tuoyu
    if tuoyu.services.facilities is not None:
        await tuoyu.services.facilities.close()
