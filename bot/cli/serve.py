"""`tuoyu serve`: the web app (chat, guide, status, staff dashboard, Telegram webhook when configured)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the web app: web chat, guidance pages, staff dashboard, webhook")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    import uvicorn
    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp

    from bot.bootstrap import running
    from web.app import create_app

    async with running() as tuoyu:
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(f"Tuoyu web app on http://{host}:{args.port}/", file=sys.stdout, flush=True)
        if tuoyu.settings.webhook_url:  # imported only now: the web app runs without Telegram configured
            from bot.channels.telegram.runtime import serve_webhook

            def with_webhook(routes: list[BaseRoute]) -> ASGIApp:
                return create_app(tuoyu, extra_routes=routes)

            await serve_webhook(tuoyu, host=args.host, port=args.port, make_app=with_webhook)
            return 0
        config = uvicorn.Config(create_app(tuoyu), host=args.host, port=args.port, log_level="warning",
                                lifespan="on", server_header=False, timeout_graceful_shutdown=5)
        await uvicorn.Server(config).serve()
    return 0
