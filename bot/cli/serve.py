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

    from bot.bootstrap import running
    from web.app import create_app

    async with running() as tuoyu:
        app = create_app(tuoyu)
        config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", lifespan="on",
                                server_header=False, timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(f"Tuoyu web app on http://{host}:{args.port}/", file=sys.stdout, flush=True)
        await server.serve()
    return 0
