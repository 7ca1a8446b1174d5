"""Run one inbound action through the engine with the chat's state loaded, locked and saved.

The lock keeps each chat's updates in order: an asyncio lock within the process, and on
PostgreSQL a transaction-scoped advisory lock held by the transaction that loads and saves the
state, so two instances never interleave one chat.

On SQLite one process owns the file and is the only writer of its chats' rows (the premise of the
asyncio lock), so it keeps the state it last saved for recent chats and reads only the others.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any
from weakref import WeakValueDictionary

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.engine.engine import MAX_TEXT, Engine
from bot.engine.types import Inbound, InboundKind, Reply, State
from bot.observability import bind, count_replies
from storage.base import utcnow
from storage.database import Database
from storage.models import Conversation, QuestionLog

CONVERSATION: Table = Conversation.__table__  # type: ignore[assignment]  # a Table, typed FromClause
QUESTIONS: Table = QuestionLog.__table__  # type: ignore[assignment]

# Built once: every message runs these, and building a statement costs more than executing it on SQLite.
_READ = select(CONVERSATION.c.state).where(CONVERSATION.c.chat_key == bindparam("key"))
_LOG = insert(QUESTIONS)
_LOCK = text("SELECT pg_advisory_xact_lock(:k)")


def _upsert(dialect_insert: Callable[[Table], Any]) -> Any:
    """INSERT ... ON CONFLICT (chat_key) DO UPDATE for this dialect, values bound at execution."""
    stmt = dialect_insert(CONVERSATION)
    return stmt.on_conflict_do_update(
        index_elements=[CONVERSATION.c.chat_key],
        set_={"state": stmt.excluded.state, "version": CONVERSATION.c.version + 1,
              "updated_at": stmt.excluded.updated_at},
    )


_UPSERT = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|\d{3,4}-?\d{7,8}|\d{17}[\dXx])(?!\d)")
LOGGED_KINDS = {"answer", "clarify", "fallback", "emergency"}


def _read(conn: Connection, chat_key: str) -> State:
    return State.from_dict(conn.execute(_READ, {"key": chat_key}).scalar())


def _save(conn: Connection, conversation: dict[str, Any], question: dict[str, Any] | None) -> None:
    conn.execute(_UPSERT[conn.dialect.name], conversation)
    if question is not None:
        conn.execute(_LOG, question)


def scrub(text: str) -> str:
    """Remove phone and ID numbers before a question is kept."""
    return _PHONE.sub("[号码]", text)[:1000]


class Conversations:
    """The use case every channel calls: `process(chat_key, inbound) -> replies`."""

    def __init__(self, db: Database, engine: Engine, max_in_flight: int = 8, remember: int = 4096) -> None:
        self.db = db
        self.engine = engine
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        # Each chat in flight holds one pooled connection (its lock); leave room for the flows' own.
        self._gate = asyncio.Semaphore(max_in_flight)
        # The sentence model runs here, one question at a time, so a new question never holds up the event loop.
        self._knowledge_thread = ThreadPoolExecutor(1, thread_name_prefix="knowledge")
        # SQLite: the state last saved for up to `remember` recent chats, least recently used dropped first.
        self._saved: OrderedDict[str, State] = OrderedDict()
        self._remember = 0 if db.is_postgres else remember

    def _chat_lock(self, chat_key: str) -> asyncio.Lock:
        lock = self._locks.get(chat_key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_key] = lock
        return lock

    def drop_kept(self, chat_key: str) -> None:
        """Drop the state kept in memory for a chat (SQLite) after another use case changed or deleted its row."""
        self._saved.pop(chat_key, None)

    async def load(self, chat_key: str) -> State:
        saved = self._saved.get(chat_key)
        if saved is not None:
            return State.from_dict(saved.to_dict())  # a copy: the caller may change it
        return await self.db.unit(_read, chat_key)

    async def process(self, chat_key: str, inbound: Inbound) -> list[Reply]:
        """Handle one action in order with the chat's other actions; state saved before replying."""
        return (await self.process_with_state(chat_key, inbound))[0]

    async def process_with_state(self, chat_key: str, inbound: Inbound, *,
                                 lang: str | None = None) -> tuple[list[Reply], State]:
        """`process`, also returning the chat's saved state; `lang` pins the chat's language before the action
        (a channel's explicit choice), in the same transaction."""
        if "\x00" in inbound.text or "\x00" in inbound.args:  # PostgreSQL text and JSONB cannot hold U+0000
            inbound = replace(inbound, text=inbound.text.replace("\x00", ""), args=inbound.args.replace("\x00", ""))
        with bind(chat=chat_key):
            replies, state = await self._process(chat_key, inbound, lang)
        count_replies(inbound, replies)
        return replies, state

    async def _handle(self, inbound: Inbound, state: State, chat_key: str,
                      lang: str | None) -> tuple[list[Reply], State]:
        if lang is not None:
            state.lang, state.lang_set = lang, True
        return await self.engine.handle(inbound, state, chat_key=chat_key)

    async def _process(self, chat_key: str, inbound: Inbound, lang: str | None) -> tuple[list[Reply], State]:
        # This runs for every message on every channel: prebuilt Core statements, as few round trips as can be.
        async with self._gate, self._chat_lock(chat_key):
            if inbound.kind is InboundKind.TEXT and len(inbound.text) <= MAX_TEXT:  # in the chat's order
                await asyncio.get_running_loop().run_in_executor(self._knowledge_thread, self.engine.kb.prepare,
                                                                 inbound.text)
            if not self.db.is_postgres:  # one process owns an SQLite file: the asyncio lock suffices
                state = self._saved.pop(chat_key, None)  # back in only once the new state is saved
                if state is None:
                    state = await self.db.unit(_read, chat_key)  # a thread round trip to read, one to save
                replies, new_state = await self._handle(inbound, state, chat_key, lang)
                await self.db.unit(_save, *self._rows(chat_key, inbound, replies, new_state))
                if self._remember:
                    self._saved[chat_key] = new_state
                    if len(self._saved) > self._remember:
                        self._saved.popitem(last=False)
                return replies, new_state
            async with self.db.engine.begin() as conn:  # the advisory lock lives as long as this transaction
                await conn.execute(_LOCK, {"k": zlib.crc32(chat_key.encode()) - 2**31})
                state = await conn.run_sync(_read, chat_key)
                replies, new_state = await self._handle(inbound, state, chat_key, lang)
                await conn.run_sync(_save, *self._rows(chat_key, inbound, replies, new_state))
            return replies, new_state

    def _rows(self, chat_key: str, inbound: Inbound, replies: list[Reply],
              state: State) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The conversation row and, for a question, its question-log row."""
        now = utcnow()
        conversation = {"chat_key": chat_key, "state": state.to_dict(), "version": 1, "updated_at": now}
        if not (inbound.kind is InboundKind.TEXT and replies and replies[0].kind in LOGGED_KINDS):
            return conversation, None
        first = replies[0]
        return conversation, {
            "asked_at": now, "channel": inbound.channel, "lang": state.lang, "text": scrub(inbound.text),
            "normalized": scrub(self.engine.kb.intents.clean(inbound.text)), "kind": first.kind,
            "article": first.article, "score": first.score,
        }

    async def forget(self, chat_key: str) -> None:
        """Drop a chat's state (used by tests and by privacy requests)."""
        self._saved.pop(chat_key, None)
        async with self.db.engine.begin() as conn:
            await conn.execute(delete(CONVERSATION).where(CONVERSATION.c.chat_key == chat_key))
