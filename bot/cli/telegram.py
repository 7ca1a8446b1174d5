"""`tuoyu telegram [--webhook]`: the Telegram bot, long polling by default."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("telegram", help="run the Telegram bot (long polling; needs TUOYU_TELEGRAM_TOKEN)")
    p.add_argument("--webhook", action="store_true",
                   help="serve only the webhook (TUOYU_WEBHOOK_URL, TUOYU_WEBHOOK_SECRET) instead of polling")
    p.add_argument("--host", default="127.0.0.1", help="webhook listen address")
    p.add_argument("--port", type=int, default=8443, help="webhook listen port")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """On uvloop, like `tuoyu serve` (which serves the webhook in production): less CPU per update."""
    from bot.cli.serve import run_loop

    return run_loop(bot(args))


async def bot(args: argparse.Namespace) -> int:
    from bot.bootstrap import running
    from bot.channels.telegram.runtime import run_polling, serve_webhook
    from bot.cli import CommandError
    from bot.settings import Settings

    settings = Settings.from_env()
    if not settings.telegram_enabled:
        raise CommandError("TUOYU_TELEGRAM_TOKEN is not set")
    async with running(settings) as tuoyu:
        if args.webhook:
            await serve_webhook(tuoyu.channel, host=args.host, port=args.port)
        else:
            await run_polling(tuoyu.channel)
    return 0
