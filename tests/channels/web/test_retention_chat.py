"""The retention purge removes a web chat's link to its case, and the serving process does not put it back."""

from __future__ import annotations

import json
import re

import httpx
from sqlalchemy import select

from bot.bootstrap import Tuoyu
from storage.models import Conversation
from tests.channels.web.conftest import PASSWORD

SESSION = "retentionweb01"


async def chat(client: httpx.AsyncClient, **body: object) -> str:
    response = await client.post("/api/chat", json={"session": SESSION, **body})
    assert response.status_code == 200, response.text
    return str(response.json()["text"])


async def test_the_purged_link_stays_gone_after_the_next_message(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    service = tuoyu.services.complaints
    await service.add_staff("wang", "health.chengguan", password=PASSWORD)
    text = ""
    for body in ({"text": "/complain"}, {"text": "保留期测试托育中心"}, {"button": "c:dist:chengguan"},
                 {"button": "c:cat:hygiene_health"}, {"text": "厨房很脏，孩子们的餐具没有消毒。"},
                 {"button": "c:when:yesterday"}, {"button": "c:photos:done"}, {"button": "c:contact:chat"},
                 {"button": "c:ok"}):
        text = await chat(client, **body)
    tracking = re.search(r"TY-\d{8}-[A-Z2-7]{8}", text).group()  # type: ignore[union-attr]
    await service.update(tracking, "wang", "rejected", note="不属于本部门")
    assert await service.purge_contacts(0) == 1
    await chat(client, text="产假有多少天")  # the process had this chat's state in hand
    async with tuoyu.db.session() as s:
        state = (await s.execute(select(Conversation.state)
                                 .where(Conversation.chat_key == f"web:{SESSION}"))).scalar_one()
    assert tracking not in json.dumps(state)
