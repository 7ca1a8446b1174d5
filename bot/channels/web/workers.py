"""Background jobs the web server runs while it is up: the one jobs runner of complaints/worker.py, plus the
retention of the web chat's history (kept no longer than complainants' contact data)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.channels.web import history
from bot.port import ChannelContext
from bot.settings import Settings
from complaints.photos import folder
from complaints.worker import HOUSEKEEPING_EVERY_S, Job, run_jobs, standard_jobs


def runs_outbox(settings: Settings) -> bool:
    """The web server delivers notifications unless a separate `tuoyu telegram` poller (which can reach
    Telegram chats) does: with a token and no webhook URL, this process has no way to send to Telegram."""
    return not (settings.telegram_enabled and not settings.webhook_url)


@contextlib.asynccontextmanager
async def background(channel: ChannelContext) -> AsyncIterator[None]:
    """Run the jobs runner (delivery only when `runs_outbox`) for as long as the context is open."""
    services, settings = channel.services, channel.settings
    days = settings.contact_retention_days

    async def prune_history() -> None:
        await history.delete_older_than(services.db, days)

    jobs = [Job("chat_history", prune_history, HOUSEKEEPING_EVERY_S)]
    if services.complaints is not None:
        deliverer = services.outbox if runs_outbox(settings) else None
        jobs += standard_jobs(services.complaints, deliverer, retention_days=days, uploads=folder(settings.data_dir))
    stop = asyncio.Event()
    task = asyncio.create_task(run_jobs(jobs, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)
