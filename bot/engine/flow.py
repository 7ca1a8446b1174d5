"""The contract between the engine and a multi-step flow (finder, complaint, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.engine.types import Inbound, Reply, State

if TYPE_CHECKING:
    from bot.i18n import Catalog
    from knowledge.emergency import Emergency


@dataclass
class Turn:
    """One inbound action as a flow sees it: the input, the chat's state, and helpers."""

    inbound: Inbound
    state: State
    catalog: Catalog
    chat_key: str = ""
    emergency: Emergency | None = None  # set when the text also triggered the emergency check

    @property
    def lang(self) -> str:
        return self.state.lang

    def t(self, key: str, **values: object) -> str:
        """The message `key` in the chat's language."""
        return self.catalog.get(key, self.state.lang, **values)


class Flow(Protocol):
    """A flow owns `state.flow == name`, buttons starting with `prefix + ":"`, and its commands."""

    name: str
    prefix: str
    commands: tuple[str, ...]

    async def start(self, turn: Turn) -> list[Reply]:
        """Enter the flow (from an intent, a command, a menu button or another flow)."""
        ...

    async def on_input(self, turn: Turn) -> list[Reply]:
        """Handle input while the flow is active, or a button/command it owns."""
        ...
