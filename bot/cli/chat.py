"""`tuoyu chat`: the console channel."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="chat in the terminal with the same engine as Telegram and the web")
    p.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="fix the language (default: Chinese, English when a message is written in English)")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    from bot.bootstrap import running
    from bot.channels import console

    async with running() as app:
        await console.run(app.port, lang=args.lang)
    return 0
