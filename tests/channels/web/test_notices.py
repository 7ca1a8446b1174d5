"""Web complainants hear back: the office's notices to `web:<session>` are kept for that chat and shown by the
page on the next visit; neither the session id nor the notice's text reaches a log line."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.bootstrap import Tuoyu
from complaints.views import Submission
from tests.channels.web.conftest import PASSWORD

SESSION = "noticesweb01"
NOTE = "已约谈园长，请家长放心"


async def notices(client: httpx.AsyncClient, session: str = SESSION) -> httpx.Response:
    return await client.post("/api/chat/notices", json={"session": session})


async def test_a_status_change_reaches_the_web_chat_and_no_log_line(client: httpx.AsyncClient, tuoyu: Tuoyu,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    service = tuoyu.services.complaints
    await service.add_staff("wang", "health.chengguan", password=PASSWORD)
    filed = await service.file(Submission(
        draft_id="web-notice", category="hygiene_health", facility_name="阳光宝贝托育园", district="城关区",
        description="厨房很脏，孩子们的餐具没有消毒。", happened="上周三", chat_key=f"web:{SESSION}"))
    assert (await notices(client)).json() == {"notices": []}
    await service.update(filed.tracking, "wang", "accepted", note=NOTE)
    with caplog.at_level(logging.DEBUG):
        assert await tuoyu.services.outbox.run_once() >= 1
    shown = (await notices(client)).json()["notices"]
    assert len(shown) == 1 and filed.tracking in shown[0]["text"] and NOTE in shown[0]["text"]
    assert shown[0]["id"] and len(shown[0]["at"]) == len("2026-12-07 12:07")
    assert (await notices(client, "someoneelse01")).json() == {"notices": []}, "only the chat that filed"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "notification" in logged and SESSION not in logged and NOTE not in logged


async def test_a_failed_delivery_logs_no_address(tuoyu: Tuoyu, caplog: pytest.LogCaptureFixture) -> None:
    from complaints.outbox import enqueue

    outbox = tuoyu.services.outbox
    del outbox.strategies["web"]  # nothing can deliver it: the failure is logged, the row waits
    async with tuoyu.db.session() as s:
        enqueue(s, f"web:{SESSION}", NOTE)
    with caplog.at_level(logging.DEBUG):
        assert await outbox.run_once() == 0
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed" in logged and SESSION not in logged and NOTE not in logged


@pytest.mark.parametrize("body", [{}, {"session": "short"}, {"session": "bad session!"}, [], "x",
                                  {"session": SESSION + "\n"}])
async def test_malformed_requests_are_refused(client: httpx.AsyncClient, body: object) -> None:
    assert (await client.post("/api/chat/notices", json=body)).status_code == 400


async def test_notices_need_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/chat/notices", content=f"session={SESSION}",
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415


async def test_log_lines_of_a_web_chat_name_it_by_a_digest(client: httpx.AsyncClient) -> None:
    from bot.observability import ContextFilter, bind, log_chat

    record = logging.LogRecord("t", logging.INFO, __file__, 1, "x", None, None)
    with bind(chat=f"web:{SESSION}"):
        ContextFilter().filter(record)
    assert SESSION not in record.context and log_chat(f"web:{SESSION}") in record.context  # type: ignore[attr-defined]
    assert log_chat("telegram:123") == "telegram:123"
