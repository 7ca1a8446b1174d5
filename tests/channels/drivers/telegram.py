"""Telegram as `tuoyu serve` runs it with a webhook: the real PTB Application inside the web app, sending to the
tests' fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bot.bootstrap import build
from bot.channels.telegram.app import build_application
from bot.channels.telegram.runtime import started
from bot.channels.telegram.webhook import PATH, SECRET_HEADER, telegram_webhook_routes
from bot.channels.web.app import create_app
from tests.channels.drivers import Driver, Seen, World
from tests.channels.drivers.web import UNLIMITED
from tests.channels.telegram.conftest import SECRET, bot_settings
from tests.channels.telegram.fake_bot_api import Call, FakeBotApi, visible_text

CHAT = 7301
SENT = ("sendMessage", "sendVenue")


class TelegramDriver(Driver):
    """Makes the updates Telegram would send for a private chat and posts them to the webhook; the webhook answers
    only once the update's handlers ran, so every Bot API call they made is in the fake's log by then."""

    name = "telegram"

    def __init__(self, fake: FakeBotApi, http: httpx.AsyncClient) -> None:
        self.fake, self.http = fake, http
        self.chat_key = f"telegram:{CHAT}"
        self.update: dict[str, Any] = {}
        self.lang = "zh-hans"  # the parent's Telegram app language

    @classmethod
    @asynccontextmanager
    async def open(cls, world: World) -> AsyncIterator[TelegramDriver]:
        async with FakeBotApi() as fake:
            tuoyu = await build(bot_settings(world.settings, fake), migrate=False, kb=world.kb, db=world.database)
            application = build_application(tuoyu.channel, webhook=True)
            async with started(application, tuoyu.channel, run_outbox=False):
                web = create_app(tuoyu.channel, UNLIMITED, extra_routes=telegram_webhook_routes(application,
                                                                                               tuoyu.channel))
                async with httpx.AsyncClient(transport=httpx.ASGITransport(web), base_url="http://bot") as http:
                    driver = cls(fake, http)
                    driver.tuoyu = tuoyu
                    yield driver

    @staticmethod
    def _shown(call: Call) -> tuple[list[str], list[tuple[str, str]]]:
        params = call.params
        if call.method == "sendVenue":
            return [f"{params['title']} {params['address']}"], []
        markup: dict[str, Any] = params.get("reply_markup") or {}
        buttons = [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
                   if "callback_data" in b]
        return [visible_text(str(params["text"]), params.get("parse_mode"))], buttons

    async def deliver(self, update: dict[str, Any]) -> Seen:
        self.update = update
        since = self.fake.mark()
        response = await self.http.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
        seen = Seen()
        for call in self.fake.calls[since:]:
            if call.method in SENT and int(call.params["chat_id"]) == CHAT:
                texts, buttons = self._shown(call)
                seen.texts += texts
                seen.buttons += buttons
        if response.status_code == 503:  # Telegram keeps the update and delivers it again
            seen.retry = response.json()["error"]
        else:
            assert response.status_code == 200, response.text
        self.last = seen
        return seen

    async def _update(self, make: Any, *args: Any) -> Seen:
        await make(CHAT, *args, lang=self.lang)
        return await self.deliver(self.fake.updates.pop())

    async def start(self) -> Seen:
        return await self.say("/start")

    async def say(self, text: str) -> Seen:
        return await self._update(self.fake.text, text)

    async def press(self, label_or_data: str) -> Seen:
        return await self._update(self.fake.callback, self.last.button(label_or_data)[1])

    async def share_location(self, lat: float, lon: float) -> Seen:
        return await self._update(self.fake.location, lat, lon)

    async def send_photo(self, data: bytes) -> Seen:
        self.fake.files["photo-big"] = data  # the largest size of the photo, which the bot fetches
        return await self._update(self.fake.media, "photo")

    async def open_link(self, payload: str) -> Seen:
        """t.me/<bot>?start=<payload>: Telegram sends `/start <payload>`."""
        return await self.say(f"/start {payload}")

    async def switch_language(self, lang: str) -> Seen:
        return await self.say(f"/lang {lang}")

    async def again(self) -> Seen:
        return await self.deliver(self.update)
