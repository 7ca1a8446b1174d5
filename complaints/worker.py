"""The one jobs runner of every long-running process: `tuoyu serve`, `tuoyu telegram`, `tuoyu complaints deliver`.

Each process used to run its own loop with its own subset of jobs, so a deployment running only some of them
never escalated overdue cases or never deleted contact data on time. Now they all call `run_worker`, which
runs every job in `standard_jobs` (only delivery may be left to another process that can reach Telegram).
Each job runs once at start-up, then every `every` seconds; a failure is logged and tried again next time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from complaints.outbox import Deliverer
from complaints.photos import delete_orphans
from complaints.service import ComplaintService

log = logging.getLogger(__name__)
DELIVER_EVERY_S = 5.0
HOUSEKEEPING_EVERY_S = 300.0
ORPHANS_EVERY_S = 6 * 3600.0  # each round reads every chat's draft; orphans may wait hours


@dataclass(frozen=True)
class Job:
    """A named piece of background work; `wake` (if any) makes it run before its interval is over."""

    name: str
    run: Callable[[], Awaitable[object]]
    every: float
    wake: asyncio.Event | None = None


def standard_jobs(service: ComplaintService, deliverer: Deliverer | None, *, retention_days: int,
                  uploads: Path | None = None, deliver_every: float = DELIVER_EVERY_S,
                  housekeeping_every: float = HOUSEKEEPING_EVERY_S,
                  orphans_every: float = ORPHANS_EVERY_S) -> list[Job]:
    """Deliver notices (when `deliverer` is given), escalate overdue complaints, purge expired contact data,
    and delete photos no complaint or draft refers to (from the process's `uploads` folder, when given)."""

    async def escalate() -> None:
        for number in await service.escalate_overdue():
            log.warning("complaint %s overdue: escalated to the city level", number)

    async def purge() -> None:
        if count := await service.purge_contacts(retention_days):
            log.info("contact data purged from %d closed complaints", count)

    async def photo_orphans() -> None:
        if uploads is not None and (count := await delete_orphans(service.db, uploads)):
            log.info("%d orphaned photos deleted", count)

    jobs = [Job("escalate", escalate, housekeeping_every), Job("purge", purge, housekeeping_every)]
    if uploads is not None:
        jobs.append(Job("photo_orphans", photo_orphans, orphans_every))
    if deliverer is not None:
        jobs.insert(0, Job("deliver", deliverer.run_once, deliver_every, deliverer.woken))
    return jobs


async def run_jobs(jobs: Sequence[Job], stop: asyncio.Event) -> None:
    """Run every job on its own schedule until `stop` is set."""
    await asyncio.gather(*(_loop(job, stop) for job in jobs))


async def _loop(job: Job, stop: asyncio.Event) -> None:
    while not stop.is_set():
        if job.wake is not None:
            job.wake.clear()
        try:
            await job.run()
        except Exception:  # a database hiccup must not end the job
            log.exception("background job %s failed", job.name)
        waits = [asyncio.ensure_future(stop.wait())]
        if job.wake is not None:
            waits.append(asyncio.ensure_future(job.wake.wait()))
        await asyncio.wait(waits, timeout=job.every, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting


async def run_worker(service: ComplaintService, deliverer: Deliverer | None, stop: asyncio.Event, *,
                     retention_days: int, uploads: Path | None = None, deliver_every: float = DELIVER_EVERY_S,
                     housekeeping_every: float = HOUSEKEEPING_EVERY_S) -> None:
    """The standard jobs until `stop` is set; `deliverer=None` leaves delivery to another process."""
    await run_jobs(standard_jobs(service, deliverer, retention_days=retention_days, uploads=uploads,
                                 deliver_every=deliver_every, housekeeping_every=housekeeping_every), stop)
