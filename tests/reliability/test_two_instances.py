"""Two `tuoyu serve` instances on one PostgreSQL database: conversations, complaints, webhook, outbox."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bot.channels.telegram.dedupe import ProcessedUpdate
from complaints.models import Complaint, Outbox
from locator.demo import rows as demo_rows
from locator.models import Facility
from storage.database import Database
from storage.models import Conversation
from tests.reliability.cluster import (
    SECRET_HEADER,
    WEBHOOK_SECRET,
    BotApiThread,
    Instance,
    WebUser,
    complaint_steps,
    fresh_database,
    spawn,
    text_update,
)
from tests.reliability.conftest import RELIABILITY

pytestmark = RELIABILITY
TRACKING = re.compile(r"TY-\d{8}-[A-Z2-7]{8}")
NOTIFIED = re.compile(r"notification tuoyu-notice-(\d+) (?:to|kept for)")  # the outbox row's id


async def scalar(url: str, query: object) -> object:
    db = Database(url)
    try:
        async with db.session() as s:
            return (await s.execute(query)).scalar()  # type: ignore[call-overload]
    finally:
        await db.dispose()


def delivered(instances: list[Instance]) -> list[int]:
    """The outbox rows the instances' workers logged as delivered, once per delivery (duplicates repeat)."""
    return [int(m.group(1)) for i in instances for m in NOTIFIED.finditer(i.logs())]


async def notice_ids(url: str, numbers: set[str]) -> set[int]:
    """The outbox rows of the complaints with these tracking numbers."""
    db = Database(url)
    try:
        async with db.session() as s:
            return set((await s.execute(select(Outbox.id).join(Complaint, Outbox.complaint_id == Complaint.id)
                                        .where(Complaint.tracking.in_(numbers)))).scalars())
    finally:
        await db.dispose()


async def file_complaint(user: WebUser, instances: list[Instance], offset: int) -> str:
    """Walk the complaint dialogue, each step on the next instance; the tracking number."""
    reply: dict = {}
    for step, body in enumerate(complaint_steps(f"测试第{user.session}号托育中心")):
        reply = await user.send(instances[(step + offset) % len(instances)], **body)
    found = TRACKING.search(reply["text"])
    assert found, reply["text"]
    return found.group()


async def test_a_conversation_continues_across_instances_in_order(pair: list[Instance], pg_url: str,
                                                                  http: httpx.AsyncClient) -> None:
    user = WebUser(http, 1)
    await file_complaint(user, pair, 0)  # every step needs the state the other instance saved
    # Twenty messages at once, half to each instance: each is handled once, none overwrites another's state.
    chatter = WebUser(http, 2)
    replies = await asyncio.gather(*[chatter.send(pair[n % 2], text=f"产假有多少天 {n}") for n in range(20)])
    assert all(r["kind"] in ("answer", "clarify") for r in replies)
    key = f"web:{chatter.session}"
    assert await scalar(pg_url, select(Conversation.version).where(Conversation.chat_key == key)) == 20


async def test_200_complaints_over_both_instances_get_200_numbers_and_each_notification_once(
        pair: list[Instance], pg_url: str, http: httpx.AsyncClient) -> None:
    before = await scalar(pg_url, select(func.count()).select_from(Complaint))
    gate = asyncio.Semaphore(40)

    async def one(n: int) -> str:
        async with gate:
            return await file_complaint(WebUser(http, 1000 + n), pair, n)

    numbers = await asyncio.gather(*[one(n) for n in range(200)])
    assert len(set(numbers)) == 200
    assert await scalar(pg_url, select(func.count()).select_from(Complaint)) == before + 200
    assert await scalar(pg_url, select(func.count()).select_from(Complaint)
                        .where(Complaint.tracking.in_(numbers))) == 200

    for _ in range(120):  # both outbox workers drain it (5 s polls, 50 rows per batch)
        if not await scalar(pg_url, select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))):
            break
        await asyncio.sleep(0.5)
    rows = await scalar(pg_url, select(func.count()).select_from(Outbox).join(Complaint, Outbox.complaint_id
                                                                               == Complaint.id)
                        .where(Complaint.tracking.in_(numbers), Outbox.sent_at.is_not(None), Outbox.attempts == 1))
    ours = await notice_ids(pg_url, set(numbers))
    sent = [n for n in delivered(pair) if n in ours]
    assert rows and len(sent) == rows, "every notification delivered, by one instance, on the first attempt"
    assert len(set(sent)) == len(sent)
    assert all(NOTIFIED.search(i.logs()) for i in pair), "both instances' workers took part"


async def test_a_telegram_update_posted_to_both_instances_is_handled_once(pair: list[Instance], pg_url: str,
                                                                          bot_api: BotApiThread,
                                                                          http: httpx.AsyncClient) -> None:
    chat = 424242

    async def deliver(instance: Instance, update: dict) -> int:
        """POST like Telegram: retry any non-2xx answer (503 "in progress" while the other handles it)."""
        for _ in range(100):
            response = await http.post(f"{instance.base}/telegram/webhook", json=update,
                                       headers={SECRET_HEADER: WEBHOOK_SECRET})
            if response.status_code < 300:
                return response.status_code
            assert response.status_code == 503, response.text
            await asyncio.sleep(0.1)
        raise AssertionError("never acknowledged")

    updates = [text_update(900_000 + n, chat, "产假有多少天" if n % 2 else "宝宝几个月加辅食") for n in range(10)]
    for update in updates:
        assert await asyncio.gather(deliver(pair[0], update), deliver(pair[1], update)) == [200, 200]
    assert await scalar(pg_url, select(Conversation.version).where(Conversation.chat_key == f"telegram:{chat}")) == 10
    assert await scalar(pg_url, select(func.count()).select_from(ProcessedUpdate).where(
        ProcessedUpdate.update_id.in_([u["update_id"] for u in updates]),
        ProcessedUpdate.handled_at.is_not(None))) == 10
    assert len(bot_api.sent_to(chat)) >= 10


async def test_two_instances_starting_together_on_an_empty_database(pg_url: str, tmp_path: Path) -> None:
    """Both migrate and seed the demo data at start-up; neither fails, nothing is loaded twice."""
    with fresh_database(pg_url) as empty:
        instances = spawn(empty, tmp_path, 2, {"TUOYU_DEMO_DATA": "1"})
        try:
            assert await scalar(empty, select(func.count()).select_from(Facility)) == len(list(demo_rows()))
        finally:
            for instance in instances:
                instance.stop()
