"""The console channel: the same engine in a terminal; buttons are numbered, `@lat,lon` shares a place,
`!photo PATH` sends a picture, `/start g-<article>[-<ref>]` opens a shared guidance link."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.engine.types import Button, Inbound, InboundKind, Reply
from bot.i18n import written_language
from bot.port import ChannelPort, Outcome, PhotoUnavailable
from complaints.photos import PhotoRejected
from storage.outage import database_unreachable

_LOCATION = re.compile(r"^@\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)$")
PHOTO = "!photo "
CHANNEL = "console"


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
        return Inbound(InboundKind.BUTTON, text=buttons[int(stripped) - 1].data, channel=CHANNEL)
    match = _LOCATION.match(stripped)
    if match:
        return Inbound(InboundKind.LOCATION, lat=float(match[1]), lon=float(match[2]), channel=CHANNEL)
    return Inbound.message(stripped, channel=CHANNEL, lang_hint=lang)


async def act(port: ChannelPort, chat_key: str, line: str, buttons: list[Button], lang: str | None) -> Outcome:
    """One typed line through the port: a picture file, a shared guidance link or any other input."""
    if line.strip().startswith(PHOTO):
        path = Path(line.strip()[len(PHOTO):].strip()).expanduser()

        async def fetch() -> bytes:
            try:
                return path.read_bytes()
            except OSError as exc:
                raise PhotoUnavailable(str(exc)) from exc

        return await port.photo(chat_key, fetch, channel=CHANNEL, lang_hint=lang)
    inbound = parse(line, buttons, lang)
    if inbound.kind is InboundKind.COMMAND and inbound.text == "start" and inbound.args:
        return await port.open_guide(chat_key, inbound.args, channel=CHANNEL, lang_hint=lang)
    return await port.process(chat_key, inbound)


async def answer(port: ChannelPort, chat_key: str, line: str, buttons: list[Button], lang: str | None
                 ) -> tuple[str, list[Button] | None]:
    """The replies as terminal text and their buttons. While the database cannot be reached: the polite "try
    again in a moment" and no new buttons (the chat is as it was: type the line again); a picture that cannot
    be read: why."""
    try:
        return render((await act(port, chat_key, line, buttons, lang)).replies)
    except (PhotoRejected, PhotoUnavailable) as exc:
        return str(exc), None
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        return port.t("outage_busy", lang or written_language(line)), None


async def run(port: ChannelPort, lang: str | None = None, stdin: TextIO = sys.stdin,
              stdout: TextIO = sys.stdout, read: Callable[[], Awaitable[str]] | None = None) -> None:
    """Chat until end of input or `/quit`; `lang` (the command line's choice) is pinned with the first turn."""
    chat_key = f"console:{uuid.uuid4().hex[:12]}"
    try:
        start = Inbound(InboundKind.COMMAND, text="start", channel=CHANNEL, lang_hint=lang)
        out, buttons = render((await port.process(chat_key, start, lang=lang)).replies)
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        out, buttons = port.t("outage_busy", lang), []
    print(out, file=stdout, flush=True)
    while True:
        print("> ", end="", file=stdout, flush=True)
        line = await read() if read else stdin.readline()
        if not line or line.strip() in ("/quit", "/exit"):
            break
        if not line.strip():
            continue
        out, shown = await answer(port, chat_key, line, buttons, lang)
        buttons = buttons if shown is None else shown
        print(out, file=stdout, flush=True)
