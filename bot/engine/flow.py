"""The contract between the engine and a multi-step flow (finder, complaint, ...).

A flow declares everything the engine needs to route to it: its button prefix, the commands that
start it and those it answers, the knowledge base intents that start it, its menu buttons, and for
each step what kind of answer it expects. The engine names no flow, command or intent itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.engine.types import Button, Inbound, Reply, State

if TYPE_CHECKING:
    from bot.i18n import Catalog
    from knowledge.emergency import Emergency


class Expects(StrEnum):
    """What a step takes as its answer; decides what else typed there leaves the flow.

    - TEXT: free text of any length (what happened): everything is the answer except the
      whole-message commands (cancel words, a button's label, a flow's command phrase).
    - NAME: a short free text (a facility's name, a date): the answer, unless it is a question
      the knowledge base answers.
    - CHOICE: one of the offered buttons, or what the flow can read (a care type, an age, a
      place, a phone number). Anything else is an answer attempt only when it is short and asks
      nothing; otherwise the message leaves the flow and is routed as if no flow were active.
    """

    TEXT = "text"
    NAME = "name"
    CHOICE = "choice"


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
    """A flow owns `state.flow == name`, buttons starting with `prefix + ":"`, and its commands.

    `start_commands` (e.g. "find") enter the flow through `start`; `commands` (e.g. "status") go to
    `on_input` from anywhere. `intents` maps a knowledge base intent to one of those commands. Each
    command may have typed phrases that act like it (`phrases_<command>` lists in the catalogue).
    `title` is the message key naming the flow ("找托育") in "left the flow" notes.
    """

    name: str
    prefix: str
    title: str
    start_commands: tuple[str, ...]
    commands: tuple[str, ...]
    intents: Mapping[str, str]
    keeps_emergency: bool  # an emergency inside the flow is part of it (a complaint) rather than a reason to leave

    def menu_buttons(self, turn: Turn) -> list[Button]:
        """This flow's entries in the main menu, in the chat's language."""
        ...

    def expects(self, state: State) -> Expects:
        """What the current step takes as its answer."""
        ...

    async def understands(self, turn: Turn) -> bool:
        """True when the text answers the current step (a CHOICE step's care type, age, place, phone...)."""
        ...

    async def start(self, turn: Turn) -> list[Reply]:
        """Enter the flow (from an intent, a command, a menu button or another flow)."""
        ...

    async def on_input(self, turn: Turn) -> list[Reply]:
        """Handle input while the flow is active, or a button/command it owns."""
        ...
