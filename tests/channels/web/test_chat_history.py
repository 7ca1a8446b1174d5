"""The web chat's server-side history (POST /api/chat/history), the `flow` field and the reply `blocks`."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from bot.bootstrap import Tuoyu
from bot.channels.web import history
from bot.channels.web.history import ChatExchange
from storage.base import utcnow
from storage.database import Database

SESSION = "historyweb01"
OTHER = "historyweb02"


async def chat(client: httpx.AsyncClient, session: str = SESSION, **body: object) -> dict[str, object]:
    response = await client.post("/api/chat", json={"session": session, **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def kept(client: httpx.AsyncClient, session: str = SESSION) -> dict[str, object]:
    response = await client.post("/api/chat/history", json={"session": session})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_history_returns_the_exchanges_in_order_with_their_blocks(client: httpx.AsyncClient) -> None:
    await chat(client, text="宝宝发烧怎么办")
    await chat(client, button="cmd:find", label="找托育机构")
    found = await kept(client)
    exchanges = found["exchanges"]
    assert isinstance(exchanges, list) and [x["sent"] for x in exchanges] == ["宝宝发烧怎么办", "找托育机构"]
    first = exchanges[0]["replies"][0]
    assert first["article"] == "illness_fever"
    types = [b["type"] for b in first["blocks"]]
    assert types[0] == "head" and "flags" in types
    assert all(x["at"] for x in exchanges)
    assert found["flow"] == "finder"  # the page shows its cancel control again after a reload


async def test_history_is_per_session(client: httpx.AsyncClient) -> None:
    await chat(client, text="宝宝发烧怎么办")
    assert (await kept(client, OTHER)) == {"exchanges": [], "flow": None}
    await chat(client, OTHER, text="产假有多少天")
    assert [x["sent"] for x in (await kept(client, OTHER))["exchanges"]] == ["产假有多少天"]  # type: ignore[index]
    assert [x["sent"] for x in (await kept(client))["exchanges"]] == ["宝宝发烧怎么办"]  # type: ignore[index]


async def rows_of(database: Database, key: str) -> int:
    async with database.session() as s:
        return int((await s.execute(select(func.count()).select_from(ChatExchange)
                                    .where(ChatExchange.chat_key == key))).scalar_one())


async def test_history_keeps_the_last_exchanges_only(database: Database) -> None:
    key = "web:boundedhistory"
    recorder = history.Recorder(database, trim_every=1)
    for n in range(history.KEEP + 7):
        recorder.append(key, {"sent": f"问题{n}", "replies": []})
        if n % 5 == 0:
            await recorder.flushed()  # some alone, some in batches
    recorder.append("web:neighbour1", {"sent": "别人的", "replies": []})
    await recorder.flushed()
    recent = await history.recent(database, key)
    assert [x["sent"] for x in recent] == [f"问题{n}" for n in range(7, history.KEEP + 7)]
    assert await rows_of(database, key) == history.KEEP  # trimmed in the table, not only in the answer
    assert [x["sent"] for x in await history.recent(database, "web:neighbour1")] == ["别人的"]


async def test_trimming_every_few_exchanges_keeps_the_table_bounded(database: Database) -> None:
    recorder = history.Recorder(database, trim_every=8)
    for n in range(3 * history.KEEP):
        recorder.append("web:chattychat", {"sent": str(n), "replies": []})
        await recorder.flushed()
        assert await rows_of(database, "web:chattychat") < history.KEEP + 8
    assert len(await history.recent(database, "web:chattychat")) == history.KEEP


async def test_a_failed_write_loses_only_those_exchanges(database: Database) -> None:
    recorder = history.Recorder(database)
    recorder.append("web:fine00002", {"sent": "same batch", "replies": []})
    recorder.append("web:fine00001", {"sent": "ok", "replies": [{"text": object()}]})  # not JSON: the batch fails
    await recorder.flushed()
    recorder.append("web:fine00001", {"sent": "later", "replies": []})
    await recorder.flushed()
    assert [x["sent"] for x in await history.recent(database, "web:fine00001")] == ["later"]
    assert await history.recent(database, "web:fine00002") == []


async def test_old_exchanges_go_with_the_contact_retention(database: Database) -> None:
    recorder = history.Recorder(database)
    recorder.append("web:oldchat0001", {"sent": "很久以前", "replies": []})
    recorder.append("web:newchat0001", {"sent": "刚才", "replies": []})
    await recorder.flushed()
    async with database.session() as s:
        await s.execute(update(ChatExchange).where(ChatExchange.chat_key == "web:oldchat0001")
                        .values(at=utcnow() - timedelta(days=181)))
    assert await history.delete_older_than(database, 180) == 1
    assert await history.recent(database, "web:oldchat0001") == []
    assert len(await history.recent(database, "web:newchat0001")) == 1


async def test_bad_history_requests_get_a_polite_400(client: httpx.AsyncClient) -> None:
    for body in ({}, {"session": "short"}, {"session": "bad session id!"}, {"session": 12345678}, [SESSION],
                 {"session": SESSION + "\n"}):
        response = await client.post("/api/chat/history", json=body)
        assert response.status_code == 400, body
        assert "session" in response.json()["error"]
    malformed = await client.post("/api/chat/history", content=b'{"session": ',
                                  headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and malformed.json() == {"error": "malformed JSON"}
    form = await client.post("/api/chat/history", data={"session": SESSION})
    assert form.status_code == 415


async def test_a_bad_button_label_is_400(client: httpx.AsyncClient) -> None:
    for label in (["a"], "x" * 201, "a\x00b"):
        response = await client.post("/api/chat", json={"session": SESSION, "button": "cmd:find", "label": label})
        assert response.status_code == 400 and "label" in response.json()["error"]


async def test_flow_field_follows_the_conversation(client: httpx.AsyncClient) -> None:
    assert (await chat(client, text="宝宝发烧怎么办"))["flow"] is None
    assert (await chat(client, text="/complain"))["flow"] == "complaint"
    cancelled = await chat(client, button="cmd:cancel", label="返回/取消")
    assert cancelled["flow"] is None and cancelled["kind"] == "smalltalk"
    assert (await kept(client))["flow"] is None


async def test_typed_numbers_are_masked_and_the_pin_is_not_kept(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    text = ""
    for body in ({"text": "/complain"}, {"text": "历史测试托育中心"}, {"button": "c:dist:chengguan"},
                 {"button": "c:cat:hygiene_health"}, {"text": "厨房很脏，孩子们的餐具没有消毒。"},
                 {"button": "c:when:yesterday"}, {"button": "c:photos:done"}, {"text": "13912345678"},
                 {"button": "c:ok"}):
        payload = await chat(client, **body)
        text = str(payload["text"])
    pin = re.search(r"查询码：(\d+)", text)
    tracking = re.search(r"TY-\d{8}-[A-Z2-7]{8}", text)
    assert pin and tracking, text
    stored = str(await kept(client))
    assert "13912345678" not in stored and "139****5678" in stored  # what was typed and the review that echoed it
    assert pin.group(1) not in stored and f"查询码：{history.HIDDEN}" in stored
    assert tracking.group() in stored  # the tracking number alone opens nothing (the PIN or this chat is needed)


async def test_a_pin_typed_after_status_is_not_kept(client: httpx.AsyncClient) -> None:
    await chat(client, text="/status TY-20261201-ABCDEFGH 654321")
    stored = await kept(client)
    assert stored["exchanges"][0]["sent"] == f"/status TY-20261201-ABCDEFGH {history.HIDDEN}"  # type: ignore[index]
