"""Background jobs the web server runs while it is up: the one jobs runner of complaints/worker.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.port import ChannelContext
from bot.settings import Settings
from complaints.photos import folder
from complaints.worker import run_worker


def runs_outbox(settings: Settings) -> bool:
    """The web server delivers notifications unless a separate `tuoyu telegram` poller (which can reach
    Telegram chats) does: with a token and no webhook URL, this process has no way to send to Telegram."""
    return not (settings.telegram_enabled and not settings.webhook_url)


@contextlib.asynccontextmanager
async def background(channel: ChannelContext) -> AsyncIterator[None]:
    """Run the jobs runner (delivery only when `runs_outbox`) for as long as the context is open."""
    services, settings = channel.services, channel.settings
    if services.complaints is None:
        yield
        return
    stop = asyncio.Event()
    deliverer = services.outbox if runs_outbox(settings) else None
    task = asyncio.create_task(run_worker(services.complaints, deliverer, stop,
                                          retention_days=settings.contact_retention_days,
                                          uploads=folder(settings.data_dir)))
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)
