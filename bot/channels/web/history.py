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

import re
from collections.abc import Callable
from dataclasses import is_dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, DateTime, Index, Integer, String, Table, bindparam, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from complaints.privacy import NUMBER, mask_numbers
from storage.base import Base, JSONType, utcnow
from storage.database import Database

KEEP = 40  # exchanges (a message and its replies): about 80 messages
HIDDEN = "••••••"
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


def _append(conn: Connection, chat_key: str, entry: dict[str, Any]) -> None:
    conn.execute(_INSERT, {"chat_key": chat_key, "at": utcnow(), "entry": entry})
    conn.execute(_TRIM, {"key": chat_key})


def _recent(conn: Connection, chat_key: str) -> list[dict[str, Any]]:
    rows = conn.execute(_RECENT, {"key": chat_key}).all()
    return [{**row.entry, "at": row.at.isoformat()} for row in reversed(rows)]


async def append(db: Database, chat_key: str, entry: dict[str, Any]) -> None:
    """Keep one exchange and drop the chat's exchanges beyond the last `KEEP` (one transaction)."""
    await db.unit(_append, chat_key, entry)


async def recent(db: Database, chat_key: str) -> list[dict[str, Any]]:
    """The chat's last `KEEP` exchanges, oldest first, each with `at` (ISO 8601, UTC)."""
    return await db.unit(_recent, chat_key)


async def delete_older_than(db: Database, days: int) -> int:
    """Delete every chat's exchanges written more than `days` ago; how many went."""
    cutoff = utcnow() - timedelta(days=days)
    async with db.session() as s:
        result = await s.execute(delete(ChatExchange).where(ChatExchange.at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def forget(db: Database, chat_key: str) -> None:
    """Delete a chat's exchanges."""
    async with db.session() as s:
        await s.execute(delete(ChatExchange).where(ChatExchange.chat_key == chat_key))


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


def reply_entry(reply: dict[str, Any], secrets: set[str], pin_prefixes: list[str]) -> dict[str, Any]:
    """A reply as kept, in plain JSON: without its server-drawn map (large; the cards stay), the parent's own
    numbers masked and the PIN of a just-filed complaint hidden, wherever they appear (text, blocks, buttons)."""
    pins = [re.compile(re.escape(prefix) + r"\s*\d+") for prefix in pin_prefixes]

    def clean(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, mask_numbers(secret))
        for prefix, pin in zip(pin_prefixes, pins, strict=True):
            text = pin.sub(prefix + HIDDEN, text)
        return text

    return {k: _plain(v, clean) for k, v in reply.items() if k != "map_svg"}


def _plain(value: Any, clean: Callable[[str], str]) -> Any:
    """JSON data with every string cleaned; dataclasses (buttons, sources) as their fields."""
    if isinstance(value, str):
        return clean(value)
    if is_dataclass(value) and not isinstance(value, type):
        value = vars(value)
    if isinstance(value, dict):
        return {k: _plain(v, clean) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, clean) for v in value]
    return value if value is None or isinstance(value, bool | int | float) else str(value)
