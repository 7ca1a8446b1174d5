"""The Starlette application: every web route of Tuoyu over the channel port, the settings and the typed services."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.channels.web import chat, facility, guide, metrics, site, staff, staff_charts, status, tiles, workers
from bot.channels.web.errors import DatabaseOutage
from bot.channels.web.pages import Pages, make_env
from bot.channels.web.security import BodyLimit, Limits, SecurityHeaders, TokenBucket
from bot.port import ChannelContext
from bot.settings import secret_key
from complaints import photos

STATIC = Path(__file__).with_name("static")
SESSION_COOKIE = "tuoyu_session"


def create_app(channel: ChannelContext, limits: Limits | None = None, extra_routes: Sequence[BaseRoute] = ()
               ) -> Starlette:
    """Routes (plus `extra_routes`, e.g. the Telegram webhook), middleware and per-process state.

    The caller owns the services behind `channel` (and closes them).
    """
    limits = limits or Limits()
    settings, catalog = channel.settings, channel.port.catalog
    routes: list[BaseRoute] = [
        *extra_routes, *site.routes, *chat.routes, *guide.routes, *status.routes, *staff.routes, *metrics.routes,
        *staff_charts.routes, *facility.routes, *tiles.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(metrics.RequestTimer),
        Middleware(SecurityHeaders),
        Middleware(DatabaseOutage, catalog=catalog),
        Middleware(BodyLimit, default=limits.body_bytes, overrides={"/api/chat/photo": limits.upload_bytes + 65536}),
        Middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie=SESSION_COOKIE,
                   max_age=12 * 3600, same_site="lax", https_only=settings.public_url.startswith("https://")),
    ]

    wechat = None
    if settings.wechat_enabled:  # imported only then: wechatpy is loaded by deployments that use it
        from bot.channels.wechat.server import WeChatChannel

        wechat = WeChatChannel(channel.port, channel.services.db, settings)
        routes[:0] = wechat.routes

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with workers.background(channel):
            yield
        await flush_history(app)
        if wechat is not None:
            await wechat.close()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: site.http_error, 500: site.http_error})
    app.state.port = channel.port
    app.state.settings = settings
    app.state.services = channel.services
    app.state.limits = limits
    app.state.wechat = wechat
    app.state.pages = Pages(make_env(catalog), catalog, settings.bot_username)
    app.state.uploads = photos.folder(settings.data_dir)
    app.state.chat_limit = TokenBucket(limits.chat_burst, limits.chat_per_s)
    app.state.chat_ip_limit = TokenBucket(limits.chat_ip_burst, limits.chat_ip_per_s)
    app.state.upload_limit = TokenBucket(limits.upload_burst, limits.upload_per_s)
    return app


async def flush_history(app: Starlette) -> None:
    """Write the web chat exchanges still queued behind their replies (on shutdown: none is lost)."""
    recorder = getattr(app.state, "chat_history", None)
    if recorder is not None:
        await recorder.flushed()
