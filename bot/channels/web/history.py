"""A web chat's recent exchanges, kept on the server so a reload (or another visit) shows the conversation.

Only the holder of the session id reads them (`POST /api/chat/history` with the id in the body). Kept
bounded (the last `KEEP` exchanges of a chat) and no longer than complainants' contact data: rows older than
`contact_retention_days` are deleted by the web server's jobs runner, and since every exchange about a complaint
is written before the complaint closes, none outlives the purge of that complaint's contact data. What is kept
is less than what was shown: numbers the parent typed are masked, a complaint's PIN ("shown only this once")
is left out, and the office's notices are not copied (the page reads them from the outbox, which the purge
clears).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import OrderedDict
from dataclasses import is_dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, DateTime, Index, Integer, String, Table, bindparam, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from complaints.privacy import NUMBER, mask_numbers
from storage.base import Base, JSONType, utcnow
from storage.database import Database

log = logging.getLogger(__name__)
KEEP = 40  # exchanges (a message and its replies): about 80 messages
HIDDEN = "••••••"
#: The fields of a reply the page needs to draw it again.
KEPT = ("kind", "text", "buttons", "article", "data", "street_map", "map_anchor")
_STATUS_PIN = re.compile(r"(/status\s+\S+\s+)\S+", re.IGNORECASE)


class ChatExchange(Base):
    """One exchange of a web chat: what the parent sent (as shown) and the replies (as the page draws them)."""

    __tablename__ = "web_chat_exchange"
    __table_args__ = (Index("ix_web_chat_exchange_chat_key_id", "chat_key", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    entry: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


EXCHANGE: Table = ChatExchange.__table__  # type: ignore[assignment]
_INSERT = insert(EXCHANGE)
_TRIM = delete(EXCHANGE).where(
    EXCHANGE.c.chat_key == bindparam("key"),
    EXCHANGE.c.id <= select(EXCHANGE.c.id).where(EXCHANGE.c.chat_key == bindparam("key"))
    .order_by(EXCHANGE.c.id.desc()).offset(KEEP).limit(1).scalar_subquery())
_RECENT = (select(EXCHANGE.c.at, EXCHANGE.c.entry).where(EXCHANGE.c.chat_key == bindparam("key"))
           .order_by(EXCHANGE.c.id.desc()).limit(KEEP))


def _write(conn: Connection, rows: list[dict[str, Any]], trim: set[str]) -> None:
    conn.execute(_INSERT, rows)
    for chat_key in trim:
        conn.execute(_TRIM, {"key": chat_key})


def _recent(conn: Connection, chat_key: str) -> list[dict[str, Any]]:
    rows = conn.execute(_RECENT, {"key": chat_key}).all()
    return [{**row.entry, "at": row.at.isoformat()} for row in reversed(rows)]


class Recorder:
    """Keeps exchanges, written behind the reply: one task writes whatever is queued in one transaction, so under
    load many exchanges share a commit instead of each message paying for a second one after its state's.

    Each chat is trimmed to `KEEP` every `trim_every` exchanges this process writes for it, so a chat holds at
    most `KEEP + trim_every - 1` rows per process between trims; reads return the last `KEEP`.
    A failed write is logged and dropped: the history is a convenience, never worth failing a reply for.
    """

    def __init__(self, db: Database, trim_every: int = 8, remember: int = 4096) -> None:
        self.db, self.trim_every, self.remember = db, trim_every, remember
        self._queue: list[dict[str, Any]] = []
        self._writer: asyncio.Task[None] | None = None
        self._counts: OrderedDict[str, int] = OrderedDict()

    def append(self, chat_key: str, entry: dict[str, Any]) -> None:
        """Queue one exchange; the writer task starts if it is not running."""
        self._queue.append({"chat_key": chat_key, "at": utcnow(), "entry": entry})
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def flushed(self) -> None:
        """Wait until every exchange queued so far is written (a reader in this process then sees them)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        while self._queue:
            rows, self._queue = self._queue, []
            try:
                await self.db.unit(_write, rows, self._due(rows))
            except Exception:  # the database is down or busy: these exchanges are not kept
                log.warning("web chat history: %d exchanges not kept", len(rows), exc_info=True)

    def _due(self, rows: list[dict[str, Any]]) -> set[str]:
        """The chats to trim now: each one's every `trim_every`-th exchange written here."""
        due = set()
        for row in rows:
            key = row["chat_key"]
            count = self._counts.pop(key, 0) + 1
            self._counts[key] = count  # most recent last; the oldest forgotten beyond `remember`
            if count % self.trim_every == 0 or count == 1:
                due.add(key)
        while len(self._counts) > self.remember:
            self._counts.popitem(last=False)
        return due


async def recent(db: Database, chat_key: str) -> list[dict[str, Any]]:
    """The chat's last `KEEP` exchanges, oldest first, each with `at` (ISO 8601, UTC)."""
    return await db.unit(_recent, chat_key)


async def delete_older_than(db: Database, days: int) -> int:
    """Delete every chat's exchanges written more than `days` ago; how many went."""
    cutoff = utcnow() - timedelta(days=days)
    async with db.session() as s:
        result = await s.execute(delete(ChatExchange).where(ChatExchange.at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def secrets_in(*texts: object) -> set[str]:
    """The phone and ID numbers in these values (strings, or the strings inside lists and dicts)."""
    found: set[str] = set()
    for value in texts:
        if isinstance(value, str):
            found.update(m.group() for m in NUMBER.finditer(value))
        elif isinstance(value, dict):
            found |= secrets_in(*value.values())
        elif isinstance(value, list):
            found |= secrets_in(*value)
    return found


def user_entry(text: str) -> str:
    """What the parent sent, as kept: numbers masked (139****5678), a PIN typed after /status hidden."""
    return mask_numbers(_STATUS_PIN.sub(lambda m: m.group(1) + HIDDEN, text))


def reply_entries(replies: list[dict[str, Any]], secrets: set[str], pin_prefixes: list[str]) -> list[dict[str, Any]]:
    """The replies as kept, in plain JSON: only what the page draws again (`KEPT`: no server-drawn map, no full
    source list; blocks are derived from the text when read), the parent's own numbers masked and the PIN of a
    just-filed complaint hidden, wherever they appear (text, buttons, cards).

    Cleaned as JSON text (the numbers and the PIN's lead-in need no escaping), one pass of C code per exchange.
    """
    text = json.dumps([{k: r[k] for k in KEPT if k in r} for r in replies], ensure_ascii=False, default=_plain)
    for secret in secrets:
        text = text.replace(secret, mask_numbers(secret))
    for prefix in pin_prefixes:
        if prefix in text:
            text = re.sub(re.escape(prefix) + r"\s*\d+", prefix + HIDDEN, text)
    return list(json.loads(text))


def _plain(value: object) -> object:
    """json.dumps' fallback: a dataclass (buttons, sources) as its fields, anything else as text."""
    if is_dataclass(value) and not isinstance(value, type):
        return vars(value)
    return str(value)
