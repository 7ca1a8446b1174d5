"""Channel drivers for the contract test: each plays a parent on one channel, through that channel's real transport.

A driver acts as the parent does on its channel and returns what the parent then sees (`Seen`). A new channel
joins the contract by adding one `Driver` subclass here and naming it in tests/channels/test_contract.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from bot.bootstrap import Tuoyu
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from storage.database import Database


@dataclass
class Seen:
    """What the parent sees after one action: the texts in order and the buttons as (label, data).

    `retry` is the polite "try again in a moment" handed to whoever will send the message again (the parent on
    the console and the web page; Telegram's servers for the webhook, which redeliver), or None.
    """

    texts: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    retry: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def data(self) -> list[str]:
        return [data for _, data in self.buttons]

    def button(self, label_or_data: str) -> tuple[str, str]:
        found = [b for b in self.buttons if label_or_data in b]
        assert found, f"no button {label_or_data!r} among {self.buttons}"
        return found[0]


@dataclass(frozen=True)
class World:
    """What every driver builds its channel on: settings, the test database, the articles, a scratch folder."""

    settings: Settings
    database: Database
    kb: KnowledgeBase
    tmp: Path


class Driver(ABC):
    """One parent on one channel. `open` builds the channel the way its command does and yields the driver."""

    name: ClassVar[str]
    tuoyu: Tuoyu  # the build behind the channel, for checks on what was stored
    chat_key: str  # the conversation the parent's actions go to
    last: Seen

    @classmethod
    @asynccontextmanager
    @abstractmethod
    async def open(cls, world: World) -> AsyncIterator[Driver]:
        yield cls()  # pragma: no cover

    @abstractmethod
    async def start(self) -> Seen:
        """Open the channel as a new parent does."""

    @abstractmethod
    async def say(self, text: str) -> Seen:
        """Type a message."""

    @abstractmethod
    async def press(self, label_or_data: str) -> Seen:
        """Tap a button of the last answer, named by its label or its data."""

    @abstractmethod
    async def share_location(self, lat: float, lon: float) -> Seen:
        """Share a place (WGS-84)."""

    @abstractmethod
    async def send_photo(self, data: bytes) -> Seen:
        """Send a picture."""

    @abstractmethod
    async def open_link(self, payload: str) -> Seen:
        """Open a shared guidance link with this start payload (`g-<article>[-<ref>]`)."""

    @abstractmethod
    async def switch_language(self, lang: str) -> Seen:
        """Switch the chat's language the channel's own way."""

    @abstractmethod
    async def again(self) -> Seen:
        """The last message sent again, as it is after a "try again in a moment"."""


@asynccontextmanager
async def database_down(database: Database) -> AsyncIterator[None]:
    """The database stops answering (every new connection is refused) until the block ends."""
    dead = Database("postgresql://nobody@127.0.0.1:9/none")  # nothing listens on the discard port
    saved = database.engine, database.sessions, database._blocking_url
    database.engine, database.sessions, database._blocking_url = dead.engine, dead.sessions, None
    try:
        yield
    finally:
        database.engine, database.sessions, database._blocking_url = saved
        await dead.dispose()
