"""The outbox: retried after failures, re-delivered after a crash, never sent twice by two workers."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from complaints.models import Complaint, ComplaintEvent, Outbox
from complaints.outbox import (
    FINISH_RETRIES_S,
    LEASE,
    RESENT,
    SEND_TIMEOUT_S,
    Deliverer,
    EmailStrategy,
    LogStrategy,
    Undeliverable,
    enqueue,
    pending,
)
from storage.database import Database
from tests.complaints.support import Clock, file, service


class Flaky:
    """Fails the first `failures` sends, then records what it sent."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[str, str]] = []

    async def send(self, address: str, text: str, key: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("telegram down")
        self.sent.append((address, text))


async def add(db: Database, clock: Clock, *addresses: str) -> None:
    async with db.session() as s:
        for address in addresses:
            enqueue(s, address, f"hello {address}", now=clock())


async def rows(db: Database) -> list[Outbox]:
    async with db.session() as s:
        return list((await s.execute(select(Outbox).order_by(Outbox.id))).scalars().all())


async def test_failed_delivery_is_retried_with_backoff(database: Database) -> None:
    clock = Clock()
    flaky = Flaky(failures=2)
    worker = Deliverer(database, {"telegram": flaky}, clock=clock)
    await add(database, clock, "telegram:1")
    assert await worker.run_once() == 0
    assert await worker.run_once() == 0, "not due again before the backoff"
    clock.advance(seconds=5)
    assert await worker.run_once() == 0
    clock.advance(seconds=9)
    assert await worker.run_once() == 0, "backoff doubles"
    clock.advance(seconds=1)
    assert await worker.run_once() == 1
    [row] = await rows(database)
    assert row.sent_at is not None and row.attempts == 3 and flaky.sent == [("telegram:1", "hello telegram:1")]


class WindowClosed:
    """A channel that knows no retry can deliver (a WeChat follower's 48-hour window has closed)."""

    async def send(self, address: str, text: str, key: str) -> None:
        raise Undeliverable("the window has closed; follow the case on the status page")


async def test_an_undeliverable_notice_is_finished_with_its_reason_in_the_case_history(database: Database) -> None:
    clock = Clock()
    filed = await file(service(database, clock))
    async with database.session() as s:
        complaint_id = (await s.execute(select(Complaint.id).where(Complaint.tracking == filed.tracking))).scalar_one()
        enqueue(s, "wechat:oAbc", "受理了", complaint_id=complaint_id, now=clock())
    worker = Deliverer(database, {"wechat": WindowClosed(), "office": LogStrategy()}, clock=clock)
    await worker.run_once()
    async with database.session() as s:
        row = (await s.execute(select(Outbox).where(Outbox.address == "wechat:oAbc"))).scalars().one()
        events = (await s.execute(select(ComplaintEvent).where(ComplaintEvent.action == "notice_undeliverable"))
                  ).scalars().all()
    assert row.sent_at is not None and row.attempts == 1
    reason = "the window has closed; follow the case on the status page"
    assert row.last_error == f"undeliverable: {reason}"
    assert [(e.complaint_id, e.note) for e in events] == [(complaint_id, reason)]
    clock.advance(hours=2)
    assert await worker.run_once() == 0 and row.id not in {r.id for r in await pending(database)}


async def test_crash_after_claim_redelivers_after_the_lease_marked_and_counted(database: Database) -> None:
    clock = Clock()
    await add(database, clock, "console:a", "console:b")
    crashed = Deliverer(database, {"console": LogStrategy()}, clock=clock)
    assert len(await crashed.claim()) == 2  # ... and the process dies before recording what it sent
    survivor_log = LogStrategy()
    survivor = Deliverer(database, {"console": survivor_log}, clock=clock)
    assert await survivor.run_once() == 0, "leased rows are left alone"
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await survivor.run_once() == 2
    assert sorted(a for a, _ in survivor_log.sent) == ["console:a", "console:b"]
    assert all(t.endswith(RESENT) for _, t in survivor_log.sent), "a possible duplicate says so"
    assert [r.resends for r in await rows(database)] == [1, 1]
    assert await pending(database) == []


def test_the_lease_is_short_but_outlasts_a_send_and_its_recording() -> None:
    assert SEND_TIMEOUT_S + sum(FINISH_RETRIES_S) < LEASE.total_seconds() <= 60


async def test_a_failed_attempt_is_not_a_resend(database: Database) -> None:
    clock = Clock()
    flaky = Flaky(failures=1)
    worker = Deliverer(database, {"telegram": flaky}, clock=clock)
    await add(database, clock, "telegram:1")
    assert await worker.run_once() == 0
    clock.advance(seconds=6)
    assert await worker.run_once() == 1
    assert flaky.sent == [("telegram:1", "hello telegram:1")] and (await rows(database))[0].resends == 0


class SmtpSink:
    """A minimal SMTP server on loopback that keeps each message's raw data."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                writer.write(b"354 go\r\n")
                await writer.drain()
                data = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    data += chunk
                self.messages.append(data)
                writer.write(b"250 ok\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def test_email_resends_carry_the_same_message_id(database: Database) -> None:
    sink = SmtpSink()
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        clock = Clock()
        await add(database, clock, "email:office@example.cn")
        mail = EmailStrategy("127.0.0.1", port, "tuoyu@example.cn")
        assert len(await Deliverer(database, {"email": mail}, clock=clock).claim()) == 1  # sent, then lost
        await mail.send("email:office@example.cn", "hello", "tuoyu-notice-1")
        clock.advance(seconds=LEASE.total_seconds() + 1)
        assert await Deliverer(database, {"email": mail}, clock=clock).run_once() == 1
    finally:
        server.close()
        await server.wait_closed()
    ids = [m for message in sink.messages for m in message.split(b"\r\n") if m.lower().startswith(b"message-id:")]
    assert len(ids) == 2 and ids[0] == ids[1] == b"Message-ID: <tuoyu-notice-1@tuoyu>"


async def test_unknown_medium_waits_instead_of_dropping(database: Database) -> None:
    clock = Clock()
    await add(database, clock, "telegram:9")
    worker = Deliverer(database, {"console": LogStrategy()}, clock=clock)
    assert await worker.run_once() == 0
    [row] = await pending(database)
    assert "no delivery method" in (row.last_error or "")
    worker.strategies["telegram"] = LogStrategy()
    clock.advance(minutes=1)
    assert await worker.run_once() == 1


async def test_two_workers_deliver_each_row_once(database: Database) -> None:
    clock = Clock()
    await add(database, clock, *(f"console:{i}" for i in range(40)))
    logs = [LogStrategy() for _ in range(3)]
    workers = [Deliverer(database, {"console": log}, clock=clock, batch=10) for log in logs]
    for _ in range(5):
        await asyncio.gather(*(w.run_once() for w in workers))
    sent = [address for log in logs for address, _ in log.sent]
    assert len(sent) == 40 and len(set(sent)) == 40
