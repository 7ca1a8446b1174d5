"""Running the bot: long polling, or a webhook served by uvicorn, both draining their updates on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.channels.telegram.app import IN_FLIGHT, build_application, tuoyu_bot
from bot.channels.telegram.dedupe import UpdateLedger
from bot.channels.telegram.notify import TelegramNotifier
from bot.port import ChannelContext
from complaints import photos
from complaints.worker import run_worker

if TYPE_CHECKING:  # uvicorn and Starlette are imported only by a webhook process
    import uvicorn
    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0


def webhook_connections(in_flight: int = IN_FLIGHT) -> int:
    """Telegram's parallel deliveries (setWebhook max_connections) for `in_flight` updates handled at once.

    A quarter more than the update processor takes: a delivery holds its connection also while its ledger
    claim and completion are committed (~5 ms each of ~70 ms at 50 ms Bot API latency), and with exactly
    `in_flight` connections the processor ran short of work for that time. Many more would only queue.
    """
    return in_flight + in_flight // 4


def uvicorn_server(config: uvicorn.Config) -> uvicorn.Server:
    """uvicorn without its own signal capture, which re-raises SIGTERM before the bot has drained."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Any:
            yield

    return Server(config)


def stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGTERM and SIGINT call `stop` instead of killing the process."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)


@contextlib.asynccontextmanager
async def started(app: Application, channel: ChannelContext, *, run_outbox: bool = True
                  ) -> AsyncIterator[Application]:
    """initialize → command menus → start, and the reverse; the jobs runner (delivery, escalation, retention)
    runs meanwhile unless `run_outbox` is False (the web app that embeds the webhook runs its own)."""
    services, settings = channel.services, channel.settings
    async with app:
        await tuoyu_bot(app).on_start(app)
        channel.port.register_notifier("telegram", TelegramNotifier(app.bot))
        ledger = UpdateLedger(services.db)

        async def prune(_: ContextTypes.DEFAULT_TYPE) -> None:
            await ledger.prune()

        if app.job_queue is not None:
            app.job_queue.run_repeating(prune, PRUNE_EVERY_S, first=1.0)
        # Everything built so far (knowledge index, catalogs, SQLAlchemy, PTB) lives as long as the
        # process: move it out of the collector's generations, so full collections stay cheap.
        gc.collect()
        gc.freeze()
        try:
            await app.start()
            stop_jobs = asyncio.Event()
            service = services.complaints
            worker = (asyncio.create_task(run_worker(service, services.outbox, stop_jobs,
                                                     retention_days=settings.contact_retention_days,
                                                     uploads=photos.folder(settings.data_dir)))
                      if service is not None and run_outbox else None)
            try:
                yield app
            finally:
                stop_jobs.set()
                if worker is not None:
                    await worker
                await app.stop()
        finally:
            gc.unfreeze()


async def run_polling(channel: ChannelContext, stop: asyncio.Event | None = None, app: Application | None = None
                      ) -> None:
    """Long polling until SIGTERM/SIGINT (or `stop`); updates already fetched are handled before exit."""
    stop = stop or asyncio.Event()
    app = app or build_application(channel)
    async with started(app, channel):
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=30)
        stop_on_signals(stop.set)
        log.info("Telegram bot @%s polling", app.bot.username)
        await stop.wait()
        await app.updater.stop()


async def serve_webhook(channel: ChannelContext, *, host: str, port: int,
                        make_app: Callable[[list[BaseRoute]], ASGIApp] | None = None,
                        graceful_s: float = 25.0, app: Application | None = None,
                        max_connections: int | None = None) -> None:
    """Serve the webhook (alone, or inside `make_app(routes)`, e.g. the web app) until SIGTERM.

    Requests in flight finish before uvicorn returns, and the bot stops only after that.
    """
    import uvicorn
    from starlette.applications import Starlette

    from bot.channels.telegram.webhook import telegram_webhook_routes

    settings = channel.settings
    if not settings.webhook_url or not settings.webhook_secret:
        raise ValueError("TUOYU_WEBHOOK_URL and TUOYU_WEBHOOK_SECRET must both be set for webhook mode")
    app = app or build_application(channel, webhook=True)
    routes = telegram_webhook_routes(app, channel)
    asgi = make_app(routes) if make_app else Starlette(routes=routes)
    async with started(app, channel, run_outbox=make_app is None):  # the web app runs its own worker
        await app.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret,
                                  allowed_updates=Update.ALL_TYPES,
                                  max_connections=max_connections or webhook_connections())
        config = uvicorn.Config(asgi, host=host, port=port, log_level="warning", lifespan="on",
                                server_header=False, timeout_graceful_shutdown=int(graceful_s))
        server = uvicorn_server(config)

        def should_exit() -> None:
            server.should_exit = True

        stop_on_signals(should_exit)
        log.info("Telegram webhook on http://%s:%s for %s", host, port, settings.webhook_url)
        await server.serve()
