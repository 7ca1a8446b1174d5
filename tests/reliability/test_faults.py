"""Faults with real processes: an instance SIGKILLed mid-conversation and between commit and notification,
and PostgreSQL stopped for ten seconds under traffic. Nothing is lost; users are told to try again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from complaints.models import Complaint, Outbox
from storage.models import Conversation
from tests.conftest import ON_POSTGRES, PG_URL
from tests.reliability.cluster import (
    SECRET_HEADER,
    WEBHOOK_SECRET,
    BotApiThread,
    Instance,
    WebUser,
    complaint_steps,
    spawn,
    text_update,
)
from tests.reliability.conftest import RELIABILITY
from tests.reliability.test_two_instances import NOTIFIED, TRACKING, scalar

pytestmark = RELIABILITY
OUTAGE_S = 10.0
POLITE = ("稍等片刻", "try again in a moment")


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
    sent = [m.groups() for i in instances for m in NOTIFIED.finditer(i.logs()) if m.group(2) in numbers]
    assert rows and once == rows == len(sent) == len(set(sent))


@contextlib.contextmanager
def postgres_stopped() -> Iterator[None]:
    """Stop the local PostgreSQL cluster (fast shutdown: sessions are cut) and always start it again."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    subprocess.run([*ctl, "stop", "-m", "fast"], check=True, capture_output=True, timeout=60)
    try:
        yield
    finally:
        subprocess.run([*ctl, "start"], check=False, capture_output=True, timeout=120)
        for _ in range(60):
            if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0:
                break
            time.sleep(0.5)


@pytest.mark.skipif(not (ON_POSTGRES and shutil.which("pg_ctlcluster") and os.path.isdir("/etc/postgresql")
                         and make_url(PG_URL).host in ("127.0.0.1", "localhost") and os.geteuid() == 0),
                    reason="needs the local PostgreSQL cluster and root to stop and start it")
async def test_postgres_down_for_ten_seconds_under_traffic(instances: list[Instance], pg_url: str,
                                                           http: httpx.AsyncClient, bot_api: BotApiThread) -> None:
    users = [WebUser(http, 100 + n) for n in range(8)]
    seen: list[tuple[float, str, int, str]] = []
    stop = asyncio.Event()

    async def talk(user: WebUser, n: int) -> None:
        while not stop.is_set():
            instance = instances[n % 2]
            n += 1
            try:
                response = await user.post(instance, text="宝宝几个月加辅食")
                seen.append((time.monotonic(), instance.name, response.status_code, response.text))
            except httpx.TransportError as exc:  # a failed request must be an HTTP answer, not a dropped socket
                seen.append((time.monotonic(), instance.name, 0, repr(exc)))
            await asyncio.sleep(0.4)  # about as fast as a parent can tap: under the per-session budget

    chat, update = 515151, text_update(950_001, 515151, "产假有多少天")
    webhook = f"{instances[0].base}/telegram/webhook"
    traffic = [asyncio.create_task(talk(u, n)) for n, u in enumerate(users)]
    try:
        await asyncio.sleep(2)
        with postgres_stopped():
            down_at = time.monotonic()
            await asyncio.sleep(2)
            during = await http.post(webhook, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})
            await asyncio.sleep(OUTAGE_S - 2)
        up_at = time.monotonic()
        recovered = {}
        while len(recovered) < 2 and time.monotonic() - up_at < 30:  # each instance answers 200 again by itself
            await asyncio.sleep(0.5)
            recovered = {name for at, name, status, _ in seen if at > up_at and status == 200}
    finally:
        stop.set()
        await asyncio.gather(*traffic)

    assert during.status_code == 503 and any(p in during.json()["error"] for p in POLITE)
    after = await http.post(webhook, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})  # Telegram redelivers
    assert after.status_code == 200
    assert await scalar(pg_url, select(Conversation.version).where(Conversation.chat_key == f"telegram:{chat}")) == 1
    assert bot_api.sent_to(chat)

    outage = [s for s in seen if down_at <= s[0] <= up_at]
    assert any(status == 503 for _, _, status, _ in outage), "the outage was noticed"
    impolite = [s for s in seen if s[2] != 200
                and not (s[2] == 503 and any(p in s[3] for p in POLITE) and "Traceback" not in s[3])]
    assert not impolite, impolite[:3]
    assert recovered == {"i0", "i1"}, "service resumed on both instances without a restart"
    assert all(i.alive() for i in instances)
    for instance in instances:
        assert (await http.get(f"{instance.base}/healthz")).status_code == 200
