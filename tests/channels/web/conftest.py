"""Web fixtures: the real app over the test database, an HTTP client, a staff member and a filed complaint."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette

from bot.bootstrap import Tuoyu, build
from bot.channels.web.app import create_app, flush_history
from bot.channels.web.security import Limits
from bot.settings import Settings
from complaints.views import Filed, Submission
from storage.database import Database
from tests.bot.helpers import fixture_kb

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def tuoyu(database: Database, settings: Settings) -> AsyncIterator[Tuoyu]:
    """The composition root over the test database and the fixture articles."""
    yield await build(replace(settings, bot_username="TestTuoyuBot"), migrate=False, kb=fixture_kb(), db=database)


@pytest.fixture
def limits() -> Limits:
    return Limits(guess_burst=3)


@pytest.fixture
def app(tuoyu: Tuoyu, limits: Limits) -> Starlette:
    return create_app(tuoyu.channel, limits)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
    await flush_history(app)  # no lifespan here: exchanges queued behind a reply are written before teardown


@pytest.fixture
async def filed(tuoyu: Tuoyu) -> Filed:
    """A complaint routed to 城关区卫生健康局 (health.chengguan), with its PIN."""
    service = tuoyu.services.complaints
    await service.add_staff("wang", "health.chengguan", password=PASSWORD)
    await service.add_staff("li", "health.qilihe", password=PASSWORD)
    return await service.file(Submission(
        draft_id="d1", category="hygiene_health", facility_name="阳光宝贝托育园", district="城关区",
        description="厨房很脏，孩子们的餐具没有消毒。", happened="上周三", chat_key="web:abcdefgh1"))


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    """The CSRF token a page's form carries (and the session cookie that goes with it)."""
    page = await client.get(path)
    found = CSRF.search(page.text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


async def login(client: httpx.AsyncClient, name: str = "wang", password: str = PASSWORD) -> httpx.Response:
    token = await csrf_of(client, "/staff/login")
    return await client.post("/staff/login", data={"name": name, "password": password, "csrf": token})
