"""The background worker: deliver the outbox, escalate overdue complaints, purge old contact data."""

from __future__ import annotations

import asyncio
import logging

from complaints.outbox import Deliverer
from complaints.service import ComplaintService

log = logging.getLogger(__name__)


async def run_worker(service: ComplaintService, deliverer: Deliverer, stop: asyncio.Event, *,
                     deliver_every: float = 5.0, escalate_every: float = 300.0,
                     retention_days: int | None = None) -> None:
    """Run until `stop` is set: the server starts it as a task; `tuoyu complaints deliver` in the foreground."""
    await asyncio.gather(deliverer.run(stop, deliver_every), _housekeeping(service, stop, escalate_every,
                                                                           retention_days))


async def _housekeeping(service: ComplaintService, stop: asyncio.Event, every: float,
                        retention_days: int | None) -> None:
    """Escalate overdue complaints (and purge expired contact data) every `every` seconds."""
    while not stop.is_set():
        try:
            for number in await service.escalate_overdue():
                log.warning("complaint %s overdue: escalated to the city level", number)
            if retention_days is not None:
                await service.purge_contacts(retention_days)
        except Exception:  # a database hiccup must not end the worker
            log.exception("complaint housekeeping failed")
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            continue
