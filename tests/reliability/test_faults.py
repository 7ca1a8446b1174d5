"""Faults with real processes: an instance SIGKILLed mid-conversation and between commit and notification.
Nothing is lost. Database outages are in test_outage.py, on a PostgreSQL cluster of the test's own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from complaints.models import Complaint, Outbox
from tests.reliability.cluster import (
    BotApiThread,
    Instance,
    WebUser,
    complaint_steps,
    spawn,
)
from tests.reliability.conftest import RELIABILITY
from tests.reliability.test_two_instances import TRACKING, delivered, notice_ids, scalar

pytestmark = RELIABILITY


@pytest.fixture
def instances(pg_url: str, bot_api: BotApiThread, tmp_path: Path) -> Iterator[list[Instance]]:
    """Two fresh instances per test: these tests kill them."""
    pair = spawn(pg_url, tmp_path, 2, bot_api.env())
    yield pair
    for instance in pair:
        instance.stop()


async def test_sigkill_mid_conversation_and_between_commit_and_notification(
        instances: list[Instance], pg_url: str, http: httpx.AsyncClient) -> None:
    doomed, survivor = instances
    walker, filer = WebUser(http, 1), WebUser(http, 2)
    steps = complaint_steps(f"测试第{walker.session}号托育中心")
    for body in steps[:4]:
        await walker.send(doomed, **body)
    reply: dict = {}
    for body in complaint_steps(f"测试第{filer.session}号托育中心"):
        reply = await filer.send(doomed, **body)
    doomed.kill()  # the complaint is committed with its notifications; the worker polls every 5 s: none went out
    filed = TRACKING.search(reply["text"]).group()  # type: ignore[union-attr]

    for body in steps[4:]:  # the survivor carries on from the state the dead instance saved
        reply = await walker.send(survivor, **body)
    walked = TRACKING.search(reply["text"]).group()  # type: ignore[union-attr]

    numbers = {filed, walked}
    ids = select(Complaint.id).where(Complaint.tracking.in_(numbers))
    for _ in range(60):
        if not await scalar(pg_url, select(func.count()).select_from(Outbox).where(
                Outbox.complaint_id.in_(ids), Outbox.sent_at.is_(None))):
            break
        await asyncio.sleep(0.5)
    rows = await scalar(pg_url, select(func.count()).select_from(Outbox).where(Outbox.complaint_id.in_(ids)))
    once = await scalar(pg_url, select(func.count()).select_from(Outbox).where(
        Outbox.complaint_id.in_(ids), Outbox.sent_at.is_not(None), Outbox.attempts == 1))
    ours = await notice_ids(pg_url, numbers)
    sent = [n for n in delivered(instances) if n in ours]
    assert rows and once == rows == len(sent) == len(set(sent))
