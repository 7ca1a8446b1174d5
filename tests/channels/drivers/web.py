"""The web chat (`tuoyu serve`): the real Starlette app over HTTP, the page and POST /api/chat as chat.js uses them."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx

from bot.bootstrap import build
from bot.channels.web.app import create_app, flush_history
from bot.channels.web.security import Limits
from tests.channels.drivers import Driver, Seen, World

SESSION = "contract-web-1"
PAGE_BUTTON = re.compile(r'<button type="button" data-button="([^"]+)">([^<]*)</button>')
GREETING = re.compile(r'<li class="msg bot[^"]*"><p[^>]*>(.*?)</p>', re.S)
UNLIMITED = Limits(chat_burst=1000, chat_per_s=1000.0, chat_ip_burst=1000, chat_ip_per_s=1000.0,
                   upload_burst=100, upload_per_s=100.0)


class WebDriver(Driver):
    """Loads /chat as a browser does and posts what chat.js posts: text, a button's data, a location, a photo
    upload (with the page's CSRF token); the page's language rides on the first message after a switch. A shared
    link is `/chat?start=<payload>`, which chat.js posts as `/start <payload>`."""

    name = "web"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.chat_key = f"web:{SESSION}"
        self.lang: str | None = None  # the page's language, sent with the next message
        self.csrf = ""
        self.body: dict[str, Any] = {}

    @classmethod
    @asynccontextmanager
    async def open(cls, world: World) -> AsyncIterator[WebDriver]:
        tuoyu = await build(replace(world.settings, bot_username="TestTuoyuBot"), migrate=False, kb=world.kb,
                            db=world.database)
        app = create_app(tuoyu.channel, UNLIMITED)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4711))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            driver = cls(client)
            driver.tuoyu = tuoyu
            yield driver
        await flush_history(app)  # exchanges queued behind the last reply, written before the schema goes

    async def _page(self, query: str = "") -> Seen:
        """The chat page: its greeting and its menu buttons, and the CSRF token its uploads carry."""
        page = await self.client.get(f"/chat{query}")
        assert page.status_code == 200, page.text
        self.csrf = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        chat = page.text.split('id="chat"', 1)[1]
        greeting = GREETING.search(chat)
        assert greeting, "the chat page greets"
        buttons = [(html.unescape(label), data) for data, label in PAGE_BUTTON.findall(chat)]
        self.last = Seen([html.unescape(greeting[1])], buttons)
        return self.last

    def _seen(self, response: httpx.Response) -> Seen:
        if response.status_code == 503:
            self.last = Seen([response.json()["error"]], self.last.buttons, retry=response.json()["error"])
            return self.last
        assert response.status_code == 200, response.text
        body = response.json()
        self.lang = None  # the page sent its language: the chat remembers it
        texts = [r["text"] for r in body["replies"]]
        texts += [str(f["name"]) for r in body["replies"] for f in (r.get("data") or {}).get("facilities", [])]
        self.last = Seen(texts, [(b["label"], b["data"]) for b in body["buttons"]])
        return self.last

    async def post(self, **body: Any) -> Seen:
        self.body = {"session": SESSION, **body, **({"lang": self.lang} if self.lang else {})}
        return self._seen(await self.client.post("/api/chat", json=self.body))

    async def start(self) -> Seen:
        return await self._page()

    async def say(self, text: str) -> Seen:
        return await self.post(text=text)

    async def press(self, label_or_data: str) -> Seen:
        return await self.post(button=self.last.button(label_or_data)[1])

    async def share_location(self, lat: float, lon: float) -> Seen:
        return await self.post(location={"lat": lat, "lon": lon})

    async def send_photo(self, data: bytes) -> Seen:
        response = await self.client.post("/api/chat/photo", data={"session": SESSION},
                                          files={"photo": ("photo.jpg", data, "image/jpeg")},
                                          headers={"x-csrf-token": self.csrf})
        return self._seen(response)

    async def open_link(self, payload: str) -> Seen:
        await self._page(f"?start={payload}")
        return await self.post(text=f"/start {payload}")

    async def switch_language(self, lang: str) -> Seen:
        """The page's language link: the page again in that language; its next message carries it."""
        seen = await self._page(f"?lang={lang}")
        self.lang = lang
        return seen

    async def again(self) -> Seen:
        return self._seen(await self.client.post("/api/chat", json=self.body))
