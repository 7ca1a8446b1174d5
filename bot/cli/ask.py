"""`tuoyu ask`: one question, one reply, fresh conversation; `--batch` for JSON Lines."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TextIO

from bot.engine.types import Inbound
from visual.progress import Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="ask one question (or a JSON Lines batch) and print the reply")
    p.add_argument("--lang", choices=("zh", "en"), default=None)
    p.add_argument("--json", action="store_true", help="print the reply object as JSON")
    p.add_argument("--batch", metavar="FILE", help="JSON Lines of {id, text, lang?}; - for stdin")
    p.add_argument("text", nargs="*")
    p.set_defaults(func=run)


def _progress(stream: TextIO) -> AbstractContextManager[Progress | None]:
    """Progress on stderr for a batch, unless stdout is the same screen (the replies already show it)."""
    if sys.stdout.isatty():
        return nullcontext()
    total = None
    if stream is not sys.stdin:
        total = sum(1 for _ in stream)
        stream.seek(0)
    return Progress(total, label="tuoyu ask", unit="lines")


async def run(args: argparse.Namespace) -> int:
    from bot.bootstrap import running
    from bot.port import public_reply

    if not args.batch and not args.text:
        print("tuoyu ask: give a question, or --batch FILE", file=sys.stderr)
        return 2
    async with running() as app:
        async def one(text: str, lang: str | None) -> dict[str, Any]:
            chat_key = f"ask:{uuid.uuid4().hex}"
            lang = lang or args.lang or ("en" if text.isascii() and any(c.isalpha() for c in text) else "zh")
            outcome = await app.port.process(chat_key, Inbound.message(text, channel="cli"), lang=lang)
            await app.conversations.forget(chat_key)
            return public_reply(outcome.replies)

        if args.batch:
            stream = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")  # noqa: SIM115
            with stream, _progress(stream) as progress:
                for number, line in enumerate(progress.iterate(stream) if progress else stream, 1):
                    if not line.strip():
                        continue
                    try:
                        item = json.loads(line)
                        text = str(item["text"])
                    except (ValueError, KeyError, TypeError):
                        print(json.dumps({"id": None, "error": f"line {number}: not a JSON object with text"}))
                        continue
                    result = {"id": item.get("id"), **await one(text, item.get("lang"))}
                    print(json.dumps(result, ensure_ascii=False), flush=True)
            return 0
        result = await one(" ".join(args.text), None)
        print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else result["text"])
        return 0
