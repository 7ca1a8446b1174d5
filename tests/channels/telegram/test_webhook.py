"""The webhook route in process: secret check on bytes, redelivery dropped, acknowledgement after handling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.bootstrap import Tuoyu
from bot.channels.telegram.app import build_application
from bot.channels.telegram.dedupe import Claim, UpdateLedger
from bot.channels.telegram.runtime import started
from bot.channels.telegram.webhook import PATH, telegram_webhook_routes
from storage.database import Database
from tests.channels.telegram.conftest import SECRET
from tests.channels.telegram.fake_bot_api import FakeBotApi

CHAT = 2002


@pytest.fixture
async def client(tuoyu: Tuoyu, fake: FakeBotApi) -> AsyncIterator[httpx.AsyncClient]:
    app = build_application(tuoyu.channel, webhook=True)
    async with started(app, tuoyu.channel, run_outbox=False):
        asgi = Starlette(routes=telegram_webhook_routes(app, tuoyu.channel))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(asgi), base_url="http://bot") as http:
            yield http


async def text_update(fake: FakeBotApi, text: str) -> dict:
    await fake.text(CHAT, text)
    return fake.updates.pop()


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                     {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
                                     {"X-Telegram-Bot-Api-Secret-Token": "é".encode("latin-1")},
                                     {"X-Telegram-Bot-Api-Secret-Token": "秘密".encode()}])
async def test_missing_wrong_or_non_ascii_secret_is_refused(client: httpx.AsyncClient, fake: FakeBotApi,
                                                            headers: dict) -> None:
    response = await client.post(PATH, json=await text_update(fake, "/start"), headers=headers)
    assert response.status_code == 403
    assert not fake.calls_of("sendMessage")


async def test_same_update_twice_is_handled_once(client: httpx.AsyncClient, fake: FakeBotApi) -> None:
    update = await text_update(fake, "产假有多少天")
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    first = await client.post(PATH, json=update, headers=headers)
    assert first.status_code == 200
    assert len(fake.calls_of("sendMessage")) == 1  # acknowledged only after the reply went out
    second = await client.post(PATH, json=update, headers=headers)
    assert second.status_code == 200
    assert len(fake.calls_of("sendMessage")) == 1


async def test_malformed_body_is_a_bad_request(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, content=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 400


async def test_ledger_hands_over_a_claim_only_after_its_lease(database: Database) -> None:
    ledger = UpdateLedger(database, lease=timedelta(seconds=60))
    assert await ledger.claim(7) is Claim.NEW
    assert await ledger.claim(7) is Claim.BUSY  # still being handled by the first request
    expired = UpdateLedger(database, lease=timedelta(seconds=-1))
    assert await expired.claim(7) is Claim.NEW  # the first handler died: take it over
    await ledger.done(7)
    assert await expired.claim(7) is Claim.DONE
    assert await ledger.prune(keep=timedelta(seconds=-1)) == 1


async def test_ledger_commits_concurrent_writes_together(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = UpdateLedger(database)
    units = 0
    unit = database.unit

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal units
        units += 1
        return await unit(*args, **kwargs)

    monkeypatch.setattr(database, "unit", counted)
    claims = await asyncio.gather(*(ledger.claim(i) for i in [*range(100, 120), 105]))
    assert claims == [Claim.NEW] * 20 + [Claim.BUSY]  # the repeated id, in the same transaction, is already taken
    assert units <= 2  # the first write's own transaction, then everything that queued meanwhile
    await asyncio.gather(*(ledger.done(i) for i in range(100, 120)))
    assert await ledger.claim(105) is Claim.DONE

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(database, "unit", broken)
    results = await asyncio.gather(ledger.claim(200), ledger.claim(201), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)  # each caller learns that its write failed
    monkeypatch.setattr(database, "unit", unit)
    assert await ledger.claim(200) is Claim.NEW
