"""The jobs runner: every job it is meant to run does its work (drop one from the list and a test fails)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from complaints.outbox import Deliverer, LogStrategy
from complaints.photos import folder
from complaints.worker import run_worker, standard_jobs
from storage.database import Database
from tests.complaints.jobs import JOBS, done, stage, wait_for_jobs
from tests.complaints.support import service

ROOT = Path(__file__).resolve().parents[2]


async def test_the_runner_delivers_escalates_purges_and_deletes_orphans(database: Database, tmp_path: Path) -> None:
    svc = service(database)
    staged = await stage(svc, tmp_path)
    assert await done(svc, staged) == set()
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(svc, Deliverer(database, {"office": LogStrategy()}), stop,
                                          retention_days=180, uploads=folder(tmp_path), deliver_every=0.05,
                                          housekeeping_every=0.05))
    seen = await wait_for_jobs(svc, staged)
    stop.set()
    await task
    assert seen == JOBS


def test_delivery_can_be_left_to_another_process(database: Database, tmp_path: Path) -> None:
    names = [job.name for job in standard_jobs(service(database), None, retention_days=180, uploads=tmp_path)]
    assert set(names) == JOBS - {"deliver"}


async def test_wake_makes_the_delivery_job_run_at_once(database: Database, tmp_path: Path) -> None:
    svc = service(database)
    log = LogStrategy()
    deliverer = Deliverer(database, {"office": log})
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(svc, deliverer, stop, retention_days=180, deliver_every=3600,
                                          housekeeping_every=3600))
    await asyncio.sleep(0.2)  # the start-up round is over; the next is an hour away
    await stage(svc, tmp_path)
    deliverer.wake()
    for _ in range(100):
        if log.sent:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    assert log.sent


@pytest.mark.slow
async def test_tuoyu_complaints_deliver_runs_every_job(tmp_path: Path) -> None:
    """The CLI worker process, on an SQLite file: each job's work is done within its start-up round."""
    url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    db = Database(url)
    await db.upgrade()
    svc = service(db)
    staged = await stage(svc, tmp_path)
    env = {**os.environ, "TUOYU_DATABASE_URL": url, "TUOYU_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "complaints", "deliver", "--interval", "0.2"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        seen = await wait_for_jobs(svc, staged, timeout=60)
    finally:
        proc.terminate()
        proc.wait(20)
        await db.dispose()
    assert seen == JOBS
