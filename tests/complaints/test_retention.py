"""Retention deletes everything: numbers in the text, the chat's notices and its link to the case; staff see
numbers typed into the text masked unless they ask for them."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from complaints.models import AuditLog, Complaint, ComplaintEvent, Outbox
from storage.database import Database
from storage.models import Conversation
from tests.complaints.support import Clock, file, service

TEXT = "园长电话 139 1234 5678，办公室 0931-8123456，我的身份证 62010219900101123X。孩子回家后腹泻。"
DIGITS = ("1391234", "12345678", "8123456", "620102", "5678")


async def save_chat(db: Database, chat_key: str, tracking: str, clock: Clock) -> None:
    """The conversation row the chat flow keeps for a complainant (it remembers the numbers filed there)."""
    async with db.session() as s:
        s.add(Conversation(chat_key=chat_key, version=1, updated_at=clock(),
                           state={"lang": "zh", "memory": {"complaints_filed": [tracking], "other": "x"}}))


async def closed_long_ago(db: Database, chat_key: str, *, chat_used_later: bool) -> tuple[Clock, str]:
    clock = Clock()
    svc = service(db, clock)
    await svc.add_staff("li", "market_regulation.chengguan")
    filed = await file(svc, chat_key=chat_key, description=TEXT, happened="昨天，电话 13812345678 打不通")
    await save_chat(db, chat_key, filed.tracking, clock)
    await svc.update(filed.tracking, "li", "accepted", note="已联系 13912345678")
    await svc.update(filed.tracking, "li", "resolved", note="已整改")  # closed on day 0
    if chat_used_later:  # the family still chats on day 300
        async with db.session() as s:
            row = (await s.execute(select(Conversation).where(Conversation.chat_key == chat_key))).scalar_one()
            row.updated_at = clock() + timedelta(days=300)
    clock.advance(days=381 if chat_used_later else 181)
    assert await svc.purge_contacts(180) == 1
    return clock, filed.tracking


async def test_purge_redacts_text_and_deletes_the_chats_notices_and_its_idle_conversation(database: Database) -> None:
    _, tracking = await closed_long_ago(database, "web:retentionchat1", chat_used_later=False)
    async with database.session() as s:
        row = (await s.execute(select(Complaint).where(Complaint.tracking == tracking))).scalar_one()
        notes = [e.note for e in (await s.execute(select(ComplaintEvent)
                                                   .where(ComplaintEvent.complaint_id == row.id))).scalars()]
        to_chat = (await s.execute(select(Outbox).where(Outbox.address == "web:retentionchat1"))).scalars().all()
        to_office = (await s.execute(select(Outbox).where(Outbox.complaint_id == row.id))).scalars().all()
        conversation = await s.get(Conversation, "web:retentionchat1")
    kept = " ".join([row.description, row.happened, *notes])
    assert not any(d in kept for d in DIGITS), kept
    assert "孩子回家后腹泻" in row.description and "已整改" in notes
    assert row.phone is None and row.chat_key is None and row.contact_purged_at is not None
    assert to_chat == [] and to_office, "the complainant's notices go, the office's stay"
    assert conversation is None


async def test_a_conversation_still_in_use_only_loses_the_tracking_number(database: Database) -> None:
    _, tracking = await closed_long_ago(database, "telegram:4242", chat_used_later=True)
    async with database.session() as s:
        conversation = await s.get(Conversation, "telegram:4242")
    assert conversation is not None
    assert tracking not in json.dumps(conversation.state) and conversation.state["memory"]["other"] == "x"


async def test_staff_see_numbers_in_the_text_masked_unless_they_ask(database: Database) -> None:
    svc = service(database)
    await svc.add_staff("li", "market_regulation.chengguan")
    filed = await file(svc, description=TEXT)
    masked = await svc.show(filed.tracking, "li")
    assert masked.description == ("园长电话 139 **** 5678，办公室 093*-***3456，我的身份证 620***********123X。"
                                  "孩子回家后腹泻。")
    assert masked.phone == "13912345678", "the contact number given for call-backs is the office's to use"
    revealed = await svc.show(filed.tracking, "li", numbers=True)
    assert revealed.description == TEXT
    async with database.session() as s:
        actions = [a.action for a in (await s.execute(select(AuditLog).where(AuditLog.actor == "li"))).scalars()]
    assert actions.count("view") == 1 and actions.count("view_numbers") == 1
