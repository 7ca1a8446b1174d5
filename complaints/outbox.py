"""Notifications that are never lost: written with the change, then claimed, delivered and retried.

A row is claimed by setting a lease (`claimed_until`, LEASE); a worker that dies (or loses the database)
between sending and recording it leaves the lease to expire, and another worker sends it again: delivery is
at-least-once. Such a re-send follows an attempt whose outcome is unknown, so it may be a duplicate: it is
marked in the text, counted on the row (`resends`) and logged; channels that can recognise a repeat get the
same key for every attempt (an e-mail's Message-ID).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from complaints.models import ComplaintEvent, Outbox
from storage.database import Database

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MAX_BACKOFF = timedelta(hours=1)
SEND_TIMEOUT_S = 10.0
#: Pauses between tries to record an outcome: a database back within ~15 s causes no re-send.
FINISH_RETRIES_S = (0.5, 1.0, 2.0, 4.0, 8.0)
#: Longer than a send plus every try to record it, so a lease never runs out under a live worker.
LEASE = timedelta(seconds=40)
RESENT = "\n\n（重发：上一次发送结果不明，如已收到请忽略。Re-sent: ignore it if you already have it.）"


def utc_now() -> datetime:
    return datetime.now(UTC)


def public_address(address: str) -> str:
    """An address fit for a log line: an office code as it is, anything else by its scheme only.

    A web address holds the session id, the key to that chat; chat ids and mailboxes identify people.
    """
    scheme = address.partition(":")[0]
    return address if scheme == "office" else f"{scheme}:…"


class Undeliverable(Exception):
    """Raised by a strategy for a notice no retry can deliver (a WeChat follower's 48-hour window has closed):
    the row is finished without being sent, its reason kept in `last_error` and in the complaint's history."""


class Strategy(Protocol):
    """Delivers one message to an address like `telegram:123`; raises on failure so it is retried, or
    `Undeliverable` when no retry could deliver it.

    `key` is the same for every attempt at one notice (its outbox row): a channel that can recognise a repeat
    (a mail's Message-ID) is given it, and log lines name the notice by it instead of by address or text.
    """

    async def send(self, address: str, text: str, key: str) -> None: ...


class LogStrategy:
    """Logs that a notice went out (never its text: it may hold a staff note) and keeps it in `sent`:
    console chats and offices without staff, which read theirs with `tuoyu complaints notifications`."""

    def __init__(self, echo: Callable[[str], None] | None = None) -> None:
        self.echo = echo
        self.sent: list[tuple[str, str]] = []

    async def send(self, address: str, text: str, key: str) -> None:
        self.sent.append((address, text))
        log.info("notification %s to %s", key, public_address(address))
        if self.echo:
            self.echo(f"[{address}] {text}")


class KeptForWebChat:
    """A web chat cannot be pushed to: its notices stay in the outbox, marked sent, and the chat page shows
    them on the next visit (`delivered_to`, POST /api/chat/notices)."""

    async def send(self, address: str, text: str, key: str) -> None:
        log.info("notification %s kept for its web chat", key)


class EmailStrategy:
    """Plain-text mail over SMTP (stdlib smtplib in a thread); the address is `email:<mailbox>`."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 20.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    async def send(self, address: str, text: str, key: str) -> None:
        message = EmailMessage()
        message["From"], message["To"] = self.sender, address.partition(":")[2]
        message["Subject"] = text.splitlines()[0][:80] if text else "Tuoyu"
        message["Message-ID"] = f"<{key}@tuoyu>"  # the same for a re-send: mail systems see the repeat
        message.set_content(text)
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


class TelegramStrategy:
    """Adapts the Telegram adapter's `send(chat_key, text)` coroutine function to a Strategy (Telegram has no
    idempotency key)."""

    def __init__(self, send: Callable[[str, str], object]) -> None:
        self._send = send

    async def send(self, address: str, text: str, key: str) -> None:
        result = self._send(address, text)
        if asyncio.iscoroutine(result):
            await result


def standard_strategies(*, smtp_host: str | None = None, smtp_port: int = 25, smtp_sender: str = "",
                        echo: Callable[[str], None] | None = None) -> dict[str, Strategy]:
    """Web chats keep their notices for the page; the log for console chats and offices without staff;
    email when SMTP is set. Telegram is added by its adapter: `deliverer.strategies["telegram"] = ...`.
    """
    logged = LogStrategy(echo)
    strategies: dict[str, Strategy] = {scheme: logged for scheme in ("console", "office", "cli", "ask")}
    strategies["web"] = KeptForWebChat()
    if smtp_host:
        strategies["email"] = EmailStrategy(smtp_host, smtp_port, smtp_sender)
    return strategies


def enqueue(session: AsyncSession, address: str, text: str, *, complaint_id: int | None = None,
            urgent: bool = False, now: datetime | None = None) -> Outbox:
    """Add a notification to the caller's transaction: it exists exactly when the change commits."""
    row = Outbox(address=address, text=text, complaint_id=complaint_id, urgent=urgent, attempts=0,
                 next_attempt_at=now or utc_now(), created_at=now or utc_now())
    session.add(row)
    return row


def notice_key(row_id: int) -> str:
    """The notice's idempotency key: the same for every attempt to deliver one outbox row."""
    return f"tuoyu-notice-{row_id}"


@dataclass(frozen=True)
class Claimed:
    id: int
    address: str
    text: str
    attempts: int
    resend: bool  # an earlier attempt's outcome is unknown (its lease ran out): this may be a duplicate


class Deliverer:
    """The outbox worker: claim due rows, send each by its address scheme, mark sent or reschedule."""

    def __init__(self, db: Database, strategies: Mapping[str, Strategy], *, lease: timedelta = LEASE,
                 batch: int = 10, clock: Clock = utc_now, send_timeout: float = SEND_TIMEOUT_S) -> None:
        self.db = db
        self.strategies = dict(strategies)
        self.lease, self.batch, self.clock, self.send_timeout = lease, batch, clock, send_timeout
        self.worker_id = uuid.uuid4().hex[:12]
        self.woken = asyncio.Event()  # the jobs runner's delivery job waits on it (complaints/worker.py)

    def wake(self) -> None:
        """Deliver now instead of at the next poll (urgent complaints)."""
        self.woken.set()

    def strategy(self, address: str) -> Strategy:
        """The strategy for the address scheme; none configured is a failure, so the row waits and retries."""
        scheme = address.partition(":")[0]
        if scheme not in self.strategies:
            raise LookupError(f"no delivery method for {scheme!r} addresses")
        return self.strategies[scheme]

    async def claim(self) -> list[Claimed]:
        """Lease due rows to this worker; SKIP LOCKED on PostgreSQL, a conditional UPDATE everywhere.

        A due row still carrying an expired lease was claimed before and never finished: a re-send.
        """
        now = self.clock()
        free = or_(Outbox.claimed_until.is_(None), Outbox.claimed_until < now)
        due = (select(Outbox.id, Outbox.claimed_until).where(Outbox.sent_at.is_(None), Outbox.next_attempt_at <= now,
                                                             free)
               .order_by(Outbox.urgent.desc(), Outbox.id).limit(self.batch))
        if self.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        claimed: list[Claimed] = []
        async with self.db.session() as s:
            for row_id, lease in (await s.execute(due)).all():
                resend = lease is not None
                result = await s.execute(
                    update(Outbox).where(Outbox.id == row_id, Outbox.sent_at.is_(None), free)
                    .values(claimed_until=now + self.lease, claimed_by=self.worker_id, attempts=Outbox.attempts + 1,
                            resends=Outbox.resends + int(resend))
                    .returning(Outbox.id, Outbox.address, Outbox.text, Outbox.attempts))
                got = result.first()
                if got is not None:
                    claimed.append(Claimed(*got, resend=resend))
        return claimed

    async def deliver(self, row: Claimed) -> bool:
        """Send one claimed row; True when sent, False when rescheduled with backoff."""
        key = notice_key(row.id)
        if row.resend:
            log.warning("notification %s re-sent: an earlier attempt's outcome is unknown", key)
        try:
            await asyncio.wait_for(self.strategy(row.address).send(row.address, row.text + RESENT * row.resend, key),
                                   self.send_timeout)
        except Undeliverable as exc:
            log.warning("notification %s to %s undeliverable: %s", key, public_address(row.address), exc)
            await self._finish(row, sent_at=self.clock(), last_error=f"undeliverable: {exc}"[:500],
                               undeliverable=str(exc))
            return False
        except Exception as exc:  # any failure of any medium means "try again later"
            log.warning("delivery %s to %s failed (attempt %s): %s", key, public_address(row.address),
                        row.attempts, type(exc).__name__)
            retry_at = self.clock() + min(timedelta(seconds=5 * 2 ** (row.attempts - 1)), MAX_BACKOFF)
            await self._finish(row, next_attempt_at=retry_at, last_error=f"{type(exc).__name__}: {exc}"[:500])
            return False
        await self._finish(row, sent_at=self.clock(), last_error=None)
        return True

    async def _finish(self, row: Claimed, undeliverable: str | None = None, **values: object) -> None:
        """Record the outcome, trying again through a short database outage (giving up means a re-send).

        An undeliverable notice is finished (`sent_at`, so it is no longer due or pending) with its reason in
        `last_error`, and the reason joins its complaint's history, where staff and the status page see it.
        """
        for pause in (*FINISH_RETRIES_S, None):
            try:
                async with self.db.session() as s:
                    result = await s.execute(
                        update(Outbox).where(Outbox.id == row.id, Outbox.claimed_by == self.worker_id)
                        .values(claimed_until=None, **values).returning(Outbox.complaint_id))
                    complaint_id = result.scalar()
                    if undeliverable and complaint_id is not None:
                        s.add(ComplaintEvent(complaint_id=complaint_id, actor="system", action="notice_undeliverable",
                                             note=undeliverable, at=self.clock()))
                return
            except (SQLAlchemyError, OSError):
                if pause is None:
                    raise
                log.warning("recording notification %s failed; trying again in %.1f s", notice_key(row.id), pause)
                await asyncio.sleep(pause)

    async def run_once(self) -> int:
        """Claim and deliver batches until none is full; each batch's rows are sent at once, so every one ends
        well within its lease. The number delivered."""
        delivered = 0
        while True:
            rows = await self.claim()
            delivered += sum(await asyncio.gather(*(self.deliver(row) for row in rows)))
            if len(rows) < self.batch:
                return delivered


async def pending(db: Database, address: str | None = None) -> list[Outbox]:
    """Notifications not yet delivered (optionally for one address), oldest first."""
    query = select(Outbox).where(Outbox.sent_at.is_(None)).order_by(Outbox.id)
    if address:
        query = query.where(Outbox.address == address)
    async with db.session() as s:
        return list((await s.execute(query)).scalars().all())


async def for_address(db: Database, address: str) -> list[Outbox]:
    """Every notification addressed to one chat or mailbox, oldest first (console and tests)."""
    async with db.session() as s:
        return list((await s.execute(select(Outbox).where(Outbox.address == address).order_by(Outbox.id)))
                    .scalars().all())


async def delivered_to(db: Database, address: str, limit: int = 50) -> list[Outbox]:
    """The newest `limit` notices delivered to one chat, oldest first (the web chat shows them)."""
    query = (select(Outbox).where(Outbox.address == address, Outbox.sent_at.is_not(None))
             .order_by(Outbox.id.desc()).limit(limit))
    async with db.session() as s:
        return list(reversed((await s.execute(query)).scalars().all()))
