"""The console channel: the same engine in a terminal; buttons are numbered, `@lat,lon` shares a place."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Callable
from typing import TextIO

from bot.conversations import Conversations
from bot.engine.types import Button, Inbound, InboundKind, Reply

_LOCATION = re.compile(r"^@\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)$")


def render(replies: list[Reply]) -> tuple[str, list[Button]]:
    """Replies as terminal text, with every button numbered from 1."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines.append(reply.text)
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button.label}")
        if reply.request_location:
            lines.append("  (@纬度,经度 分享位置 / @lat,lon to share a location, e.g. @36.06,103.83)")
    return "\n".join(lines), buttons


def parse(line: str, buttons: list[Button], lang: str | None) -> Inbound:
    """A typed line as the engine's input: a button number, a location, a command or text."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return Inbound(InboundKind.BUTTON, text=buttons[int(stripped) - 1].data, channel="console")
    match = _LOCATION.match(stripped)
    if match:
        return Inbound(InboundKind.LOCATION, lat=float(match[1]), lon=float(match[2]), channel="console")
    return Inbound.message(stripped, channel="console", lang_hint=lang)


async def run(conversations: Conversations, lang: str | None = None, stdin: TextIO = sys.stdin,
              stdout: TextIO = sys.stdout, read: Callable[[], str] | None = None) -> None:
    """Chat until end of input or `/quit`."""
    chat_key = f"console:{uuid.uuid4().hex[:12]}"
    if lang:
        await _lang(conversations, chat_key, lang)
    out, buttons = render(await conversations.process(chat_key, Inbound.message("/start", lang_hint=lang)))
    print(out, file=stdout, flush=True)
    while True:
        print("> ", end="", file=stdout, flush=True)
        line = read() if read else stdin.readline()
        if not line or line.strip() in ("/quit", "/exit"):
            break
        if not line.strip():
            continue
        replies = await conversations.process(chat_key, parse(line, buttons, lang))
        out, buttons = render(replies)
        print(out, file=stdout, flush=True)


async def _lang(conversations: Conversations, chat_key: str, lang: str) -> None:
    """Pin the language chosen on the command line."""
    await conversations.process(chat_key, Inbound(InboundKind.BUTTON, text=f"lang:{lang}", channel="console"))
