"""`tuoyu serve` runs the jobs runner: while the app is up, every job does its work."""

from __future__ import annotations

from dataclasses import replace

from bot.bootstrap import Tuoyu
from bot.channels.web.workers import background
from tests.complaints.jobs import JOBS, stage, wait_for_jobs


async def test_the_web_server_runs_every_job(tuoyu: Tuoyu) -> None:
    svc = tuoyu.services.complaints
    staged = await stage(svc, tuoyu.settings.data_dir, tuoyu.settings.contact_retention_days)
    async with background(tuoyu.channel):
        seen = await wait_for_jobs(svc, staged)
    assert seen == JOBS


async def test_beside_a_telegram_poller_the_web_server_still_does_the_housekeeping(tuoyu: Tuoyu) -> None:
    tuoyu.settings = replace(tuoyu.settings, telegram_token="123:abc", webhook_url=None)
    svc = tuoyu.services.complaints
    staged = await stage(svc, tuoyu.settings.data_dir, tuoyu.settings.contact_retention_days)
    async with background(tuoyu.channel):
        seen = await wait_for_jobs(svc, staged, timeout=2)
    assert seen == JOBS - {"deliver"}, "delivery is the poller's; housekeeping is everyone's"
