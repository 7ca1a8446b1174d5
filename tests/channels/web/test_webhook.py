"""The Telegram webhook mounted in the web app: the secret is enforced through the same middleware stack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from bot.bootstrap import Tuoyu
from bot.channels.web.app import create_app
from bot.channels.web.workers import runs_outbox

pytest.importorskip("telegram")


@pytest.fixture
async def webhook_client(tuoyu: Tuoyu) -> AsyncIterator[httpx.AsyncClient]:
    from bot.channels.telegram.app import build_application
    from bot.channels.telegram.webhook import telegram_webhook_routes

    tuoyu.settings = replace(tuoyu.settings, telegram_token="123456:TEST", webhook_secret="s3cret_-",
                             webhook_url="https://tuoyu.example/telegram/webhook")
    ptb = build_application(tuoyu.channel, webhook=True)
    app = create_app(tuoyu.channel, extra_routes=telegram_webhook_routes(ptb, tuoyu.channel))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def test_missing_or_wrong_secret_is_403(webhook_client: httpx.AsyncClient) -> None:
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                          "text": "hi"}}
    assert (await webhook_client.post("/telegram/webhook", json=update)).status_code == 403
    wrong = {"x-telegram-bot-api-secret-token": "nope"}
    assert (await webhook_client.post("/telegram/webhook", json=update, headers=wrong)).status_code == 403


async def test_web_routes_still_served_beside_the_webhook(webhook_client: httpx.AsyncClient) -> None:
    assert (await webhook_client.get("/healthz")).json() == {"status": "ok"}


def test_outbox_runs_here_unless_a_poller_owns_telegram(tuoyu: Tuoyu) -> None:
    assert runs_outbox(tuoyu.settings)
    tuoyu.settings = replace(tuoyu.settings, telegram_token="123456:TEST")
    assert not runs_outbox(tuoyu.settings)
    tuoyu.settings = replace(tuoyu.settings, webhook_url="https://tuoyu.example/telegram/webhook")
    assert runs_outbox(tuoyu.settings)
