"""`tuoyu serve`: the web app (chat, guide, status, staff dashboard, Telegram webhook when configured)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.channels.web.security import Limits


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the web app: web chat, guidance pages, staff dashboard, webhook")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_loop(serve(args.host, args.port))


def run_loop(main: Coroutine[Any, Any, int]) -> int:
    """Run the server on uvloop (uvicorn[standard] installs it), as `uvicorn.run` would; asyncio's loop otherwise.

    `Server.serve()` inside `asyncio.run` would keep asyncio's own loop, which costs the server a good part of
    its CPU per request.
    """
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is there wherever uvicorn[standard] installs it
        return asyncio.run(main)
    return uvloop.run(main)


def settle_heap() -> None:
    """Move what start-up built (the knowledge index, catalogs, tables: ~300,000 objects) out of the garbage
    collector's sight. They live as long as the process, yet every full collection walked them all, stopping
    the server for 100 ms or more: the slowest requests' latency under load.
    """
    gc.collect()
    gc.freeze()


async def serve(host: str, port: int, limits: Limits | None = None) -> int:
    """Build Tuoyu and serve it until interrupted; `limits` replaces the default request budgets (benchmarks)."""
    import uvicorn
    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp

    from bot.bootstrap import running
    from bot.channels.web.app import create_app

    async with running() as tuoyu:
        shown = f"[{host}]" if ":" in host else host
        print(f"Tuoyu web app on http://{shown}:{port}/", file=sys.stdout, flush=True)
        if tuoyu.settings.webhook_url:  # imported only now: the web app runs without Telegram configured
            from bot.channels.telegram.runtime import serve_webhook

            def with_webhook(routes: list[BaseRoute]) -> ASGIApp:
                return create_app(tuoyu.channel, limits, extra_routes=routes)

            settle_heap()
            await serve_webhook(tuoyu.channel, host=host, port=port, make_app=with_webhook)
            return 0
        # Access lines are logged at INFO and uvicorn's loggers are at WARNING here: none would be written.
        config = uvicorn.Config(create_app(tuoyu.channel, limits), host=host, port=port, log_level="warning",
                                access_log=False, lifespan="on", server_header=False, timeout_graceful_shutdown=5)
        settle_heap()
        await uvicorn.Server(config).serve()
    return 0
