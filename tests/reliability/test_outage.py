"""Database outages with real processes, on a PostgreSQL cluster this module starts for itself.

The tests stop and restart that private cluster only; the machine's shared server is never touched.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from complaints.models import Complaint, Outbox
from storage.models import Conversation
from tests.reliability.cluster import (
    SECRET_HEADER,
    WEBHOOK_SECRET,
    BotApiThread,
    Instance,
    WebUser,
    fresh_database,
    migrate,
    spawn,
    text_update,
)
from tests.reliability.private_pg import PrivateCluster, available, private_cluster
from tests.reliability.test_two_instances import TRACKING, delivered, notice_ids, scalar

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not available(), reason="needs PostgreSQL server binaries "
                                                   "(initdb, pg_ctl) and, as root, a postgres user to run them")]
OUTAGE_S = 10.0
POLITE = ("稍等片刻", "try again in a moment")
COMPLAINTS = 200
EXAMPLE = "TY-20260101-ABCDEFGH"  # in the /status usage text


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    with private_cluster() as started:
        yield started


@pytest.fixture(scope="module")
def outage_url(cluster: PrivateCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(cluster.url) as url:
        migrate(url, tmp_path_factory.mktemp("migrate"))
        yield url


@pytest.fixture
def instances(outage_url: str, bot_api: BotApiThread, tmp_path: Path) -> Iterator[list[Instance]]:
    """Two fresh instances per test on the private cluster; a test may add a replacement to the list."""
    pair = spawn(outage_url, tmp_path, 2, bot_api.env())
    yield pair
    for instance in pair:
        instance.stop()


async def test_postgres_down_for_ten_seconds_under_traffic(instances: list[Instance], outage_url: str,
                                                           cluster: PrivateCluster, http: httpx.AsyncClient,
                                                           bot_api: BotApiThread) -> None:
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
        await asyncio.to_thread(cluster.stop)
        down_at = time.monotonic()
        try:
            await asyncio.sleep(2)
            during = await http.post(webhook, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})
            await asyncio.sleep(OUTAGE_S - 2)
        finally:
            await asyncio.to_thread(cluster.start)
        up_at = time.monotonic()
        recovered: set[str] = set()
        while len(recovered) < 2 and time.monotonic() - up_at < 30:  # each instance answers 200 again by itself
            await asyncio.sleep(0.5)
            recovered = {name for at, name, status, _ in seen if at > up_at and status == 200}
    finally:
        stop.set()
        await asyncio.gather(*traffic)

    assert during.status_code == 503 and any(p in during.json()["error"] for p in POLITE)
    after = await http.post(webhook, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})  # Telegram redelivers
    assert after.status_code == 200
    assert await scalar(outage_url, select(Conversation.version)
                        .where(Conversation.chat_key == f"telegram:{chat}")) == 1
    assert bot_api.sent_to(chat)

    outage_seen = [s for s in seen if down_at <= s[0] <= up_at]
    assert any(status == 503 for _, _, status, _ in outage_seen), "the outage was noticed"
    impolite = [s for s in seen if s[2] != 200
                and not (s[2] == 503 and any(p in s[3] for p in POLITE) and "Traceback" not in s[3])]
    assert not impolite, impolite[:3]
    assert recovered == {"i0", "i1"}, "service resumed on both instances without a restart"
    assert all(i.alive() for i in instances)
    for instance in instances:
        assert (await http.get(f"{instance.base}/healthz")).status_code == 200


def filing_steps(facility: str) -> list[dict[str, str]]:
    """The complaint dialogue with replies to this chat (so `/status` finds the number if a reply was lost)."""
    return [{"text": "/complain"}, {"text": facility}, {"button": "c:dist:chengguan"},
            {"button": "c:cat:food_safety"}, {"text": "孩子中午吃的饭菜有异味，回家后腹泻。"},
            {"button": "c:when:yesterday"}, {"button": "c:photos:done"}, {"button": "c:contact:chat"},
            {"button": "c:ok"}]


async def test_fault_run_200_complaints_through_an_instance_kill_and_a_database_crash(
        instances: list[Instance], outage_url: str, cluster: PrivateCluster, http: httpx.AsyncClient,
        bot_api: BotApiThread, tmp_path: Path) -> None:
    """200 parents file at once over two instances; one instance is SIGKILLed, then PostgreSQL crashes for 10 s.

    Parents behave as people do: a failed or polite "try again" answer makes them tap again (on whichever
    instance nginx picks), and one who never saw a number asks `/status`. Every acknowledged complaint is
    stored once; notices are delivered at least once, and duplicates are counted and reported.
    """
    live = list(instances)
    acknowledged: dict[str, str] = {}  # session -> tracking number the parent saw
    errors: list[str] = []
    transcript: dict[str, list[str]] = {}
    restarts: list[list[str]] = []
    gate = asyncio.Semaphore(40)
    killed = asyncio.Event()
    crashed = asyncio.Event()
    every: list[Instance] = list(instances)

    async def send(user: WebUser, n: int, body: dict[str, str]) -> dict[str, Any]:
        for attempt in range(400):
            instance = live[(n + attempt) % len(live)]
            try:
                response = await user.post(instance, **body)
            except httpx.TransportError:
                await asyncio.sleep(0.3)
                continue
            if response.status_code == 200:
                return dict(response.json())
            if response.status_code not in (429, 503):
                errors.append(f"{response.status_code} {response.text[:200]}")
            await asyncio.sleep(0.5)
        raise AssertionError(f"{user.session}: no answer to {body}")

    def number_in(reply: dict[str, Any]) -> str | None:
        texts = [reply.get("text", ""), *(str(b) for r in reply.get("replies", []) for b in r.get("buttons", []))]
        found = [m.group() for t in texts for m in TRACKING.finditer(t) if m.group() != EXAMPLE]
        return found[0] if found else None

    async def parent(n: int) -> None:
        user = WebUser(http, 5000 + n)
        async with gate:
            for _ in range(3):  # one who never saw a number and has none on file starts again
                transcript[user.session] = []
                reply: dict[str, Any] = {}
                for step, body in enumerate(filing_steps(f"测试第{user.session}号托育中心")):
                    reply = await send(user, n + step, body)
                    transcript[user.session].append(reply.get("text", "")[:80])
                number = number_in(reply) or number_in(await send(user, n, {"text": "/status"}))
                if number:
                    acknowledged[user.session] = number
                    return
                restarts.append(transcript[user.session])

    async def faults() -> None:
        while len(acknowledged) < COMPLAINTS // 4:
            await asyncio.sleep(0.05)
        doomed = live.pop(0)
        doomed.kill()
        killed.set()
        replacement = await asyncio.to_thread(spawn, outage_url, tmp_path / "replacement", 1, bot_api.env())
        instances.extend(replacement)  # stopped by the fixture
        every.extend(replacement)
        live.extend(replacement)
        while len(acknowledged) < COMPLAINTS // 2:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(cluster.stop, "immediate")
        try:
            await asyncio.sleep(OUTAGE_S)
        finally:
            await asyncio.to_thread(cluster.start)
        crashed.set()

    fault_task = asyncio.create_task(faults())
    await asyncio.gather(*[parent(n) for n in range(COMPLAINTS)])
    await asyncio.wait_for(fault_task, 60)
    assert killed.is_set() and crashed.is_set()

    sessions = [f"web:{s}" for s in acknowledged]
    stored = await scalar(outage_url, select(func.count()).select_from(Complaint)
                          .where(Complaint.chat_key.like("web:user%")))
    distinct_facilities = await scalar(outage_url, select(func.count(func.distinct(Complaint.facility_name)))
                                       .where(Complaint.chat_key.like("web:user%")))
    numbers = set(acknowledged.values())
    found = await scalar(outage_url, select(func.count()).select_from(Complaint)
                         .where(Complaint.tracking.in_(numbers)))
    lost = len(numbers) - int(found)  # type: ignore[call-overload]
    doubled = int(stored) - int(distinct_facilities)  # type: ignore[call-overload]

    for _ in range(360):  # the workers drain the outbox; rows claimed by the killed instance wait out its lease
        if not await scalar(outage_url, select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))):
            break
        await asyncio.sleep(0.5)
    unsent = await scalar(outage_url, select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None)))
    rows = await scalar(outage_url, select(func.count()).select_from(Outbox).join(
        Complaint, Outbox.complaint_id == Complaint.id).where(Complaint.tracking.in_(numbers)))
    resends = await scalar(outage_url, select(func.coalesce(func.sum(Outbox.resends), 0)))
    ours = await notice_ids(outage_url, numbers)
    deliveries = Counter(n for n in delivered(every) if n in ours)
    duplicates = sum(c - 1 for c in deliveries.values())
    print(f"\nfault run: acknowledged={len(acknowledged)} stored={stored} lost={lost} doubled={doubled} "
          f"notices={rows} delivered={len(deliveries)} duplicates={duplicates} marked_resends={resends} "
          f"unsent={unsent} "
          f"restarted={len(restarts)} errors={len(errors)}")
    for lines in restarts:
        print(" | ".join(lines))

    assert not errors, errors[:3]
    assert len(acknowledged) == COMPLAINTS and len(numbers) == COMPLAINTS and len(sessions) == COMPLAINTS
    assert stored == COMPLAINTS and lost == 0 and doubled == 0
    assert unsent == 0 and len(deliveries) == rows, "every notice delivered at least once"
    assert duplicates <= int(resends), "every duplicate was marked as a possible one and counted"  # type: ignore[call-overload]
