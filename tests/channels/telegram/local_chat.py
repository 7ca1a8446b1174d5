"""Chat with `tuoyu telegram` on this machine, without Telegram: the tests' fake Bot API plus a console.

    python -m tests.channels.telegram.local_chat [--lang zh|en] [--no-bot]

Starts the fake Bot API on 127.0.0.1, prints the two settings a bot needs to use it, starts `tuoyu telegram`
with them (unless --no-bot: then run it yourself with the printed settings), and relays what you type as a
Telegram user's messages, printing the bot's replies with their buttons. Besides text and /commands:
`/press DATA` taps a button, `/loc LAT LON` shares a location, `/photo` sends a photo, `/quit` ends.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import sys
import tempfile
import time
from typing import Any

from tests.channels.telegram.fake_bot_api import TOKEN, Call, FakeBotApi

CHAT = 4242
REPLY_METHODS = {"sendMessage", "editMessageText", "sendVenue", "sendPhoto"}
QUIET_S = 0.4  # the bot has answered once no call came for this long after its first reply
TAG = re.compile(r"<[^>]+>")


def shown(call: Call) -> str:
    """A reply as a parent would read it: text without HTML, then its buttons."""
    params = call.params
    if call.method == "sendVenue":
        where = f"{params.get('latitude')}, {params.get('longitude')}"
        text = f"📍 {params.get('title')} — {params.get('address')} ({where})"
    elif call.method == "sendPhoto":
        text = f"🖼 {html.unescape(TAG.sub('', str(params.get('caption') or '')))}"
    else:
        text = html.unescape(TAG.sub("", str(params.get("text", ""))))
    markup: dict[str, Any] = params.get("reply_markup") or {}
    buttons = [f"[{b['text']} → /press {b['callback_data']}]" if "callback_data" in b
               else f"[{b['text']} → {b.get('url', '')}]"
               for row in markup.get("inline_keyboard", []) for b in row]
    buttons += ["[share location → /loc LAT LON]" for row in markup.get("keyboard", []) for b in row
                if isinstance(b, dict) and b.get("request_location")]
    return "\n".join([text, *buttons]) if buttons else text


async def replies(api: FakeBotApi, since: int, timeout: float = 15.0) -> list[Call]:
    """The bot's reply calls after `since`, once it has gone quiet."""
    deadline = time.monotonic() + timeout
    seen = 0
    quiet_from = time.monotonic()
    while time.monotonic() < deadline:
        found = [c for c in api.calls[since:] if c.method in REPLY_METHODS]
        if len(found) != seen:
            seen, quiet_from = len(found), time.monotonic()
        elif found and time.monotonic() - quiet_from >= QUIET_S:
            return found
        await asyncio.sleep(0.05)
    return [c for c in api.calls[since:] if c.method in REPLY_METHODS]


async def send(api: FakeBotApi, line: str, lang: str) -> None:
    """One console line as the user's Telegram action."""
    if line.startswith("/press "):
        await api.callback(CHAT, line.split(" ", 1)[1].strip(), lang=lang)
    elif line.startswith("/loc "):
        lat, lon = (float(x) for x in line.split()[1:3])
        await api.location(CHAT, lat, lon, lang=lang)
    elif line == "/photo":
        await api.media(CHAT, "photo", lang=lang)
    else:
        await api.text(CHAT, line, lang=lang)


async def main(args: argparse.Namespace) -> int:
    lang = "zh-hans" if args.lang == "zh" else "en"
    async with FakeBotApi() as api:
        env = {"TUOYU_TELEGRAM_TOKEN": TOKEN, "TUOYU_TELEGRAM_API_URL": api.base_url}
        print("Fake Bot API running. A bot uses it with:")
        for name, value in env.items():
            print(f"  export {name}={value}")
        bot = None
        if not args.no_bot:
            data_dir = os.environ.get("TUOYU_DATA_DIR") or tempfile.mkdtemp(prefix="tuoyu-local-chat-")
            print(f"Starting `tuoyu telegram` (data in {data_dir}) ...")
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "telegram", env={**os.environ, **env, "TUOYU_DATA_DIR": data_dir})
        else:
            print("Run `tuoyu telegram` with those settings now.")
        print("Type as a parent would; /press DATA, /loc LAT LON, /photo, /quit.")
        loop = asyncio.get_running_loop()
        try:
            while True:
                line = (await loop.run_in_executor(None, sys.stdin.readline))
                if not line or line.strip() == "/quit":
                    return 0
                if not line.strip():
                    continue
                since = api.mark()
                await send(api, line.strip(), lang)
                answered = await replies(api, since)
                print("\n\n".join(shown(c) for c in answered) if answered else "(no reply within 15 s)")
                print("—" * 40, flush=True)
        finally:
            if bot is not None and bot.returncode is None:
                bot.terminate()
                await bot.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="the user's Telegram language")
    parser.add_argument("--no-bot", action="store_true", help="only the fake Bot API; start the bot yourself")
    sys.exit(asyncio.run(main(parser.parse_args())))
