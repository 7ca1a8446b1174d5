"""Background jobs the web server runs while it is up: the one jobs runner of complaints/worker.py, plus the
retention of the web chat's history (kept no longer than complainants' contact data)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.bootstrap import Tuoyu
from bot.channels.web import history
from complaints.photos import folder
from complaints.worker import HOUSEKEEPING_EVERY_S, Job, run_jobs, standard_jobs


def runs_outbox(tuoyu: Tuoyu) -> bool:
    """The web server delivers notifications unless a separate `tuoyu telegram` poller (which can reach
    Telegram chats) does: with a token and no webhook URL, this process has no way to send to Telegram."""
    settings = tuoyu.settings
    return not (settings.telegram_enabled and not settings.webhook_url)


@contextlib.asynccontextmanager
async def background(tuoyu: Tuoyu) -> AsyncIterator[None]:
    """Run the jobs runner (delivery only when `runs_outbox`) for as long as the context is open."""
    days = tuoyu.settings.contact_retention_days

    async def prune_history() -> None:
        await history.delete_older_than(tuoyu.db, days)

    jobs = [Job("chat_history", prune_history, HOUSEKEEPING_EVERY_S)]
    complaints = tuoyu.services.get("complaints")
    if complaints is not None:
        deliverer = tuoyu.services.get("outbox") if runs_outbox(tuoyu) else None
        jobs += standard_jobs(complaints, deliverer, retention_days=days, uploads=folder(tuoyu.settings.data_dir))
    stop = asyncio.Event()
    task = asyncio.create_task(run_jobs(jobs, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)
