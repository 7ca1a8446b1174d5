"""Background jobs the web server runs while it is up: the notification outbox and overdue escalation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from bot.bootstrap import Tuoyu

log = logging.getLogger(__name__)
ESCALATE_EVERY_S = 300.0


async def escalate_every(service: Any, stop: asyncio.Event, interval: float = ESCALATE_EVERY_S) -> None:
    """Hand overdue complaints to the city office every few minutes until `stop` is set."""
    while not stop.is_set():
        try:
            for number in await service.escalate_overdue():
                log.info("escalated %s", number)
        except Exception:  # a database hiccup must not end the job
            log.exception("escalation failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


def runs_outbox(tuoyu: Tuoyu) -> bool:
    """The web server delivers notifications unless a separate `tuoyu telegram` poller (which can reach
    Telegram chats) does: with a token and no webhook URL, this process has no way to send to Telegram."""
    settings = tuoyu.settings
    return not (settings.telegram_enabled and not settings.webhook_url)


@contextlib.asynccontextmanager
async def background(tuoyu: Tuoyu) -> AsyncIterator[None]:
    """Run the outbox deliverer and the escalation job for as long as the context is open."""
    stop = asyncio.Event()
    jobs = []
    if (outbox := tuoyu.services.get("outbox")) is not None and runs_outbox(tuoyu):
        jobs.append(asyncio.create_task(outbox.run(stop)))
    if (complaints := tuoyu.services.get("complaints")) is not None:
        jobs.append(asyncio.create_task(escalate_every(complaints, stop)))
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*jobs, return_exceptions=True)
