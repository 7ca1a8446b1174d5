"""The console (`tuoyu chat`): `bot.channels.console.run` reading typed lines and writing to a terminal."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.bootstrap import build
from bot.channels import console
from bot.port import Outcome
from tests.channels.drivers import Driver, Seen, World

BUTTON = re.compile(r"^  \[(\d+)\] (.*)$")
PROMPT = "> "


class ConsoleDriver(Driver):
    """Types lines into the console loop and reads what it prints up to its next prompt.

    The console shows buttons as numbers; the driver also notes the data behind each number (from the port's
    answers, as the console itself does) so a scenario can name a button by its data. A location is typed as
    `@lat,lon`, a picture as `!photo PATH`, a shared link as `/start <payload>`, a language as `/lang xx`.
    """

    name = "console"

    def __init__(self, world: World) -> None:
        self.world = world
        self.out = io.StringIO()
        self.lines: asyncio.Queue[str] = asyncio.Queue()
        self.waiting = asyncio.Event()
        self.shown: list[tuple[str, str]] = []
        self.sent = ""
        self.photos = 0
        self.task: asyncio.Task[None] | None = None

    @classmethod
    @asynccontextmanager
    async def open(cls, world: World) -> AsyncIterator[ConsoleDriver]:
        driver = cls(world)
        driver.tuoyu = await build(world.settings, migrate=False, kb=world.kb, db=world.database)
        port, process = driver.tuoyu.port, driver.tuoyu.port.process

        async def noted(chat_key: str, *args: Any, **kwargs: Any) -> Outcome:
            outcome = await process(chat_key, *args, **kwargs)
            driver.chat_key = chat_key
            driver.shown = [(b.label, b.data) for r in outcome.replies for b in r.buttons]
            return outcome

        port.process = noted  # type: ignore[method-assign]
        try:
            yield driver
        finally:
            if driver.task is not None:
                await driver.lines.put("/quit\n")
                await driver.task

    async def _read(self) -> str:
        self.waiting.set()
        return await self.lines.get()

    async def _seen(self, since: int) -> Seen:
        assert self.task is not None
        waiting = asyncio.create_task(self.waiting.wait())
        await asyncio.wait([waiting, self.task], return_when=asyncio.FIRST_COMPLETED)
        if self.task.done():
            waiting.cancel()
            self.task.result()  # the console's own error, if it failed
            raise AssertionError("the console ended")
        printed = self.out.getvalue()[since:]
        assert printed.endswith(PROMPT), printed
        texts, labels = [], []
        for line in printed[: -len(PROMPT)].rstrip("\n").split("\n"):
            button = BUTTON.match(line)
            if button:
                labels.append(button[2])
            else:
                texts.append(line)
        if labels:
            assert [label for label, _ in self.shown] == labels, (labels, self.shown)
            buttons = self.shown
        else:
            buttons = []
        self.last = Seen(["\n".join(texts)], buttons, retry=self._retry(texts))
        return self.last

    def _retry(self, texts: list[str]) -> str | None:
        busy = {self.tuoyu.port.t("outage_busy", lang) for lang in self.tuoyu.port.langs}
        return next((t for t in texts if t in busy), None)

    async def type(self, line: str) -> Seen:
        self.waiting.clear()
        since = len(self.out.getvalue())
        self.sent = line
        await self.lines.put(line + "\n")
        return await self._seen(since)

    async def start(self) -> Seen:
        self.task = asyncio.create_task(console.run(self.tuoyu.port, stdout=self.out, read=self._read))
        return await self._seen(0)

    async def say(self, text: str) -> Seen:
        return await self.type(text)

    async def press(self, label_or_data: str) -> Seen:
        return await self.type(str(self.last.buttons.index(self.last.button(label_or_data)) + 1))

    async def share_location(self, lat: float, lon: float) -> Seen:
        return await self.type(f"@{lat},{lon}")

    async def send_photo(self, data: bytes) -> Seen:
        self.photos += 1
        path = self.world.tmp / f"console-photo-{self.photos}.jpg"
        path.write_bytes(data)
        return await self.type(f"!photo {path}")

    async def open_link(self, payload: str) -> Seen:
        return await self.type(f"/start {payload}")

    async def switch_language(self, lang: str) -> Seen:
        return await self.type(f"/lang {lang}")

    async def again(self) -> Seen:
        return await self.type(self.sent)
