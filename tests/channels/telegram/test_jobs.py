"""`tuoyu telegram` runs the jobs runner: a deployment with only the bot still escalates, purges and cleans up."""

from __future__ import annotations

from bot.bootstrap import Tuoyu
from bot.channels.telegram.app import build_application
from bot.channels.telegram.runtime import started
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.complaints.jobs import JOBS, stage, wait_for_jobs


async def test_the_telegram_bot_runs_every_job(tuoyu: Tuoyu, fake: FakeBotApi) -> None:
    svc = tuoyu.services.complaints
    staged = await stage(svc, tuoyu.settings.data_dir, tuoyu.settings.contact_retention_days)
    async with started(build_application(tuoyu.channel), tuoyu.channel):
        seen = await wait_for_jobs(svc, staged)
    assert seen == JOBS
