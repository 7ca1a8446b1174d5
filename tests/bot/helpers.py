"""Build the real engine on the small fixture knowledge base, for transcript tests."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import Tuoyu
from bot.engine.engine import Engine
from bot.engine.types import Inbound, InboundKind, Reply, State
from bot.i18n import default_catalog
from knowledge.base import KnowledgeBase

FIXTURE_ARTICLES = Path(__file__).parents[1] / "fixtures" / "articles"


def fixture_kb() -> KnowledgeBase:
    return KnowledgeBase.load(FIXTURE_ARTICLES)


class Transcript:
    """Drive one chat through the engine the way a user would, keeping its state."""

    def __init__(self, engine: Engine | None = None, lang: str | None = None) -> None:
        self.engine = engine or Engine(fixture_kb(), default_catalog())
        self.state = State()
        self.lang = lang

    async def say(self, text: str) -> list[Reply]:
        return await self._send(Inbound.message(text, lang_hint=self.lang))

    async def press(self, data: str) -> list[Reply]:
        return await self._send(Inbound(InboundKind.BUTTON, text=data))

    async def send(self, inbound: Inbound) -> list[Reply]:
        return await self._send(inbound)

    async def _send(self, inbound: Inbound) -> list[Reply]:
        replies, self.state = await self.engine.handle(inbound, self.state, chat_key="test:1")
        assert replies, "the engine must always reply"
        return replies


class Chat:
    """One chat through Conversations, as a channel would drive it."""

    def __init__(self, app: Tuoyu, lang: str = "zh") -> None:
        self.app, self.key, self.lang = app, f"test:{lang}", lang

    async def say(self, text: str) -> list[Reply]:
        return await self.app.conversations.process(self.key, Inbound.message(text, lang_hint=self.lang))

    async def press(self, data: str) -> list[Reply]:
        return await self.app.conversations.process(self.key, Inbound(InboundKind.BUTTON, text=data))

    async def location(self, lat: float, lon: float) -> list[Reply]:
        return await self.app.conversations.process(self.key, Inbound(InboundKind.LOCATION, lat=lat, lon=lon,
                                                                           lang_hint=self.lang))

    async def state(self) -> State:
        return await self.app.conversations.load(self.key)
