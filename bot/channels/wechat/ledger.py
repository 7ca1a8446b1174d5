"""Each delivered WeChat message answered once: WeChat retries a message it got no answer to within 5 seconds
(up to three times), and every instance behind the URL may receive a retry.

A claim is one transaction that also records the follower's contact (the 48-hour customer-service window) and
reads the buttons last shown to them; the completion stores the reply and the new buttons together.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import BindParameter, Connection, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.channels.wechat.models import WeChatContact, WeChatMessage
from bot.engine.types import Button
from storage.database import Database

LEASE_S = 60  # an unfinished claim older than this belongs to a process that died
KEEP_S = 24 * 3600  # WeChat's retries end within seconds; a day of keys is plenty
CONTACT_KEEP_S = 7 * 24 * 3600  # past the 48-hour window a follower's openid is kept only a few days more
PRUNE_EVERY_S = 3600
WINDOW_S = 48 * 3600  # customer-service messages reach a follower this long after their last message


class Claim(Enum):
    NEW = "new"  # ours to handle
    DONE = "done"  # answered before: give the same answer
    BUSY = "busy"  # being handled right now (another request or instance)


@dataclass(frozen=True)
class Claimed:
    claim: Claim
    reply: str | None  # the stored passive reply (DONE)
    buttons: list[Button]  # the buttons last shown to the follower (NEW)


_KEY: BindParameter[str] = bindparam("b_k")
_SELECT = select(WeChatMessage.handled_at, WeChatMessage.reply).where(WeChatMessage.key == _KEY)
_TAKE_OVER = (update(WeChatMessage)
              .where(WeChatMessage.key == _KEY, WeChatMessage.handled_at.is_(None),
                     WeChatMessage.received_at < bindparam("b_stale_before"))
              .values(received_at=bindparam("b_now")))
_DONE = (update(WeChatMessage).where(WeChatMessage.key == _KEY)
         .values(handled_at=bindparam("b_now"), reply=bindparam("b_reply")))
_BUTTONS = select(WeChatContact.buttons).where(WeChatContact.openid == bindparam("b_openid"))
_SET_BUTTONS = (update(WeChatContact).where(WeChatContact.openid == bindparam("b_openid"))
                .values(buttons=bindparam("b_buttons")))
_LAST_SEEN = select(WeChatContact.last_seen).where(WeChatContact.openid == bindparam("b_openid"))


class MessageLedger:
    """Insert-or-ignore claims on message keys with a lease, the follower's contact, and the stored answers."""

    def __init__(self, db: Database, lease_s: int = LEASE_S) -> None:
        self.db, self.lease_s = db, lease_s
        insert = pg_insert if db.is_postgres else sqlite_insert
        self._claim_insert = (insert(WeChatMessage).values(key=_KEY, received_at=bindparam("b_now"))
                              .on_conflict_do_nothing())
        contact = insert(WeChatContact).values(openid=bindparam("b_openid"), last_seen=bindparam("b_now"), buttons=[])
        self._seen = contact.on_conflict_do_update(index_elements=["openid"],
                                                   set_={"last_seen": contact.excluded.last_seen})
        self._pruned_at = 0.0

    async def claim(self, key: str, openid: str, *, contact: bool = True) -> Claimed:
        """Claim a message; a new one also marks the follower as seen now (when `contact`: what they did opens
        WeChat's customer-service window) and returns the buttons they were last shown."""
        if time.time() - self._pruned_at > PRUNE_EVERY_S:
            self._pruned_at = time.time()
            await self.prune()
        return await self.db.unit(self._claim, key, openid, contact, int(time.time()))

    def _claim(self, conn: Connection, key: str, openid: str, contact: bool, now: int) -> Claimed:
        if conn.execute(self._claim_insert, {"b_k": key, "b_now": now}).rowcount != 1:
            row = conn.execute(_SELECT, {"b_k": key}).first()
            if row is None or row[0] is not None:
                return Claimed(Claim.DONE, row[1] if row else None, [])
            taken = conn.execute(_TAKE_OVER, {"b_k": key, "b_now": now, "b_stale_before": now - self.lease_s})
            if taken.rowcount != 1:
                return Claimed(Claim.BUSY, None, [])
        if contact:
            conn.execute(self._seen, {"b_openid": openid, "b_now": now})
        stored = conn.execute(_BUTTONS, {"b_openid": openid}).scalar() or []
        return Claimed(Claim.NEW, None, [Button(label, data) for label, data in stored])

    async def done(self, key: str, reply: str | None, openid: str, buttons: list[Button] | None) -> None:
        """The message is handled: its passive reply (None: `success`), and the buttons now shown (None: keep)."""
        await self.db.unit(self._done, key, reply, openid, buttons, int(time.time()))

    @staticmethod
    def _done(conn: Connection, key: str, reply: str | None, openid: str, buttons: list[Button] | None,
              now: int) -> None:
        conn.execute(_DONE, {"b_k": key, "b_now": now, "b_reply": reply})
        if buttons is not None:
            conn.execute(_SET_BUTTONS, {"b_openid": openid, "b_buttons": [[b.label, b.data] for b in buttons]})

    async def answer(self, key: str, wait_s: float, poll_s: float = 0.05) -> tuple[bool, str | None]:
        """Wait up to `wait_s` for a message another request is handling: (handled, its passive reply)."""
        deadline = time.monotonic() + wait_s
        while True:
            row = await self.db.unit(lambda conn: conn.execute(_SELECT, {"b_k": key}).first())
            if row is None or row[0] is not None:
                return True, row[1] if row else None
            if time.monotonic() >= deadline:
                return False, None
            await asyncio.sleep(poll_s)

    async def last_seen(self, openid: str) -> int | None:
        """When the follower last did something that opens the 48-hour window (Unix seconds), if ever."""
        return await self.db.unit(lambda conn: conn.execute(_LAST_SEEN, {"b_openid": openid}).scalar())

    async def prune(self, keep_s: int = KEEP_S, contact_keep_s: int = CONTACT_KEEP_S) -> int:
        """Forget message keys older than any retry, and followers quiet for a week (their openid and the buttons
        last shown; nothing can be sent to them any more): the number of rows removed."""
        now = int(time.time())
        messages = delete(WeChatMessage).where(WeChatMessage.received_at < now - keep_s)
        contacts = delete(WeChatContact).where(WeChatContact.last_seen < now - contact_keep_s)
        return await self.db.unit(lambda conn: (conn.execute(messages).rowcount or 0)
                                  + (conn.execute(contacts).rowcount or 0))
