"""WeChat as `tuoyu serve` runs it: the web app with /wechat under uvicorn on loopback, the tests' fake WeChat
posting signed messages to it and serving the API it calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from bot.bootstrap import build
from bot.channels.web.app import create_app
from bot.channels.wechat.models import WeChatContact
from locator.geo import wgs84_to_gcj02
from tests.channels.drivers import Driver, Seen, World
from tests.channels.drivers.web import UNLIMITED
from tests.channels.wechat.conftest import served, wechat_settings
from tests.channels.wechat.fake_wechat import FakeWeChat, Follower

OPENID = "oContractParent"


class WeChatDriver(Driver):
    """A follower: WeChat text has no buttons, so a press answers with the choice's number; the buttons a parent
    sees are read from what the channel recorded as shown (their labels are the numbered lines)."""

    name = "wechat"

    def __init__(self, fake: FakeWeChat) -> None:
        self.fake = fake
        self.follower = Follower(fake, OPENID)
        self.chat_key = f"wechat:{OPENID}"
        self.xml: dict[str, Any] = {}

    @classmethod
    @asynccontextmanager
    async def open(cls, world: World) -> AsyncIterator[WeChatDriver]:
        async with FakeWeChat() as fake:
            tuoyu = await build(wechat_settings(world.settings, fake.base_url), migrate=False, kb=world.kb,
                                db=world.database)
            async with served(create_app(tuoyu.channel, UNLIMITED)) as url:
                fake.target = f"{url}/wechat"
                driver = cls(fake)
                driver.tuoyu = tuoyu
                yield driver

    async def deliver(self, xml: dict[str, Any]) -> Seen:
        self.xml = xml
        text = await self.follower.send(xml)
        if text == self.tuoyu.port.t("outage_busy", "zh"):  # the parent is asked to send it again
            self.last = Seen([text], [], retry=text)
            return self.last
        async with self.tuoyu.services.db.session() as s:
            shown = (await s.execute(select(WeChatContact.buttons).where(WeChatContact.openid == OPENID))).scalar()
        buttons = [(label, data) for label, data in shown or []]
        numbered = {f"{n}. {label}" for n, (label, _) in enumerate(buttons, 1)}
        hints = {self.tuoyu.port.t("wx_pick_hint", lang) for lang in self.tuoyu.port.langs}
        words = [line for line in text.splitlines() if line not in numbered and line not in hints]  # shown as buttons
        self.last = Seen(["\n".join(words).strip()], buttons)
        return self.last

    async def start(self) -> Seen:
        """Following the account."""
        return await self.deliver(self.fake.event(OPENID, "subscribe"))

    async def say(self, text: str) -> Seen:
        return await self.deliver(self.fake.text(OPENID, text))

    async def press(self, label_or_data: str) -> Seen:
        chosen = self.last.button(label_or_data)
        return await self.say(str(self.last.buttons.index(chosen) + 1))

    async def share_location(self, lat: float, lon: float) -> Seen:
        """WeChat's map sends GCJ-02."""
        return await self.deliver(self.fake.location(OPENID, *wgs84_to_gcj02(lat, lon)))

    async def send_photo(self, data: bytes) -> Seen:
        return await self.deliver(self.fake.image(OPENID, "MEDIA_CONTRACT", data))

    async def open_link(self, payload: str) -> Seen:
        """Scanning a guidance QR code (the parent already follows the account: a SCAN event)."""
        return await self.deliver(self.fake.event(OPENID, "SCAN", payload))

    async def switch_language(self, lang: str) -> Seen:
        """The menu's language entry."""
        return await self.deliver(self.fake.event(OPENID, "CLICK", f"lang:{lang}"))

    async def again(self) -> Seen:
        """The parent sends the same words again (a new message)."""
        return await self.deliver(self.fake.text(OPENID, str(self.xml["Content"])))
