"""`tuoyu serve`: the web app (chat, guide, status, staff dashboard, Telegram webhook when configured)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import socket
import sys
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.channels.web.security import Limits

log = logging.getLogger(__name__)

#: Hosts that mean "every interface": a browser cannot open them, so links use the loopback address instead.
ALL_INTERFACES = ("0.0.0.0", "::", "")
LOOPBACK = "127.0.0.1"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the web app: web chat, guidance pages, staff dashboard, webhook",
                       description="Links and QR codes in answers and on guide pages point at this server "
                                   "(--host/--port) unless TUOYU_PUBLIC_URL names the public address.")
    p.add_argument("--host", default=LOOPBACK, help="address to listen on; 0.0.0.0 for every interface")
    p.add_argument("--port", type=_port, default=8000)
    p.set_defaults(func=run)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1–65535)")
    return port


def origin(host: str, port: int) -> str:
    """`http://host:port` as a browser writes it: IPv6 in brackets, port 80 left out."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}" + ("" if port == 80 else f":{port}")


def with_public_url(settings: Settings, host: str, port: int, env: Mapping[str, str] = os.environ) -> Settings:
    """Settings whose public URL is this server's own address when TUOYU_PUBLIC_URL is unset.

    Answers link to guide pages and posters carry QR codes of that URL, so it must be where this server answers
    (the settings default only guesses the default port). A wildcard host cannot be opened: links then use the
    loopback address, which works on this machine only, and a warning says to set TUOYU_PUBLIC_URL.
    """
    if env.get("TUOYU_PUBLIC_URL"):
        return settings
    if host in ALL_INTERFACES:
        url = origin(LOOPBACK, port)
        log.warning("links and QR codes point at %s, which only this machine opens: set TUOYU_PUBLIC_URL to the "
                    "address phones use, e.g. TUOYU_PUBLIC_URL=%s", url, origin(socket.gethostname(), port))
    else:
        url = origin(host, port)
    return replace(settings, public_url=url)


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


def check_address(host: str, port: int) -> None:
    """Fail with one line before the slow start-up when the address cannot be listened on (a port in use, a host
    name that does not resolve): uvicorn would otherwise log an error after the start-up and exit with status 3."""
    from bot.cli import CommandError

    where = origin(host, port).removeprefix("http://")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:  # socket.gaierror included
        raise CommandError(f"cannot listen on {where}: {exc.strerror or exc}") from exc


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
    from bot.cli import CommandError

    check_address(host, port)
    async with running(with_public_url(Settings.from_env(), host, port)) as tuoyu:
        print(f"Tuoyu web app on {origin(host, port)}/", file=sys.stdout, flush=True)
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
        try:
            await uvicorn.Server(config).serve()
        except SystemExit as exc:  # uvicorn's exit on a failed start, after logging why
            raise CommandError(f"the web server did not start on {origin(host, port)} (see the error above)") from exc
    return 0
