"""WeChat's delivery protocol at /wechat: URL check, signatures, answered once, passive or `success` + API."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from bot.bootstrap import Tuoyu, build
from bot.channels.web.app import create_app
from bot.channels.wechat.models import WeChatContact, WeChatMessage
from bot.channels.wechat.server import WeChatChannel
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from storage.database import Database
from storage.models import QuestionLog
from tests.channels.wechat.conftest import instance
from tests.channels.wechat.fake_wechat import FakeWeChat, sign


async def asked(tuoyu: Tuoyu, text: str) -> int:
    async with tuoyu.db.session() as s:
        return int((await s.execute(select(func.count()).where(QuestionLog.text == text))).scalar_one())


async def test_the_url_check_echoes_only_a_signed_request(wx: FakeWeChat) -> None:
    good = await wx.verify("echo-4711")
    assert (good.status_code, good.text) == (200, "echo-4711")
    assert (await wx.verify("echo-4711", token="someoneElse")).status_code == 403
    unsigned = await wx.http.get(wx.target, params={"echostr": "x"})
    assert unsigned.status_code == 403


async def test_a_wrong_signature_gets_403_and_nothing_is_handled(wx: FakeWeChat, tuoyu: Tuoyu) -> None:
    answer = await wx.post(wx.text("oForger", "产假有多少天"), token="someoneElse")
    assert answer.status == 403
    assert await asked(tuoyu, "产假有多少天") == 0


async def test_safe_mode_checks_the_message_signature_too(settings: Settings, database: Database,
                                                          kb: KnowledgeBase, fake: FakeWeChat) -> None:
    async with instance(settings, database, kb, fake, aes=True) as served:
        fake.target = url = served.url
        xml = fake.text("oSafe", "产假有多少天")
        good = await fake.post(xml, aes=True)
        assert good.text is not None and "98天" in good.text
        params = fake.query(aes=True, encrypted="forged")  # a valid URL signature, a msg_signature of other bytes
        body = "<xml><ToUserName>gh_tuoyu_test</ToUserName><Encrypt>AAAA</Encrypt></xml>"
        response = await fake.http.post(url, params=params, content=body)
        assert response.status_code == 403


async def test_what_is_not_a_message_gets_400(wx: FakeWeChat) -> None:
    for body in ("", "<xml><Content>no type</Content></xml>", "<xml><MsgType>text</MsgType>", "not xml at all"):
        response = await wx.http.post(wx.target, params=wx.query(), content=body.encode())
        assert response.status_code == 400, body
    encrypted = await wx.http.post(wx.target, params=wx.query(aes=True, encrypted="x"), content=b"<xml/>")
    assert encrypted.status_code == 400  # safe mode is not configured here


async def test_a_repeated_msgid_is_answered_once(wx: FakeWeChat, tuoyu: Tuoyu) -> None:
    xml = wx.text("oRetry", "产假有多少天")
    answers = await asyncio.gather(*(wx.post(xml) for _ in range(3)))  # WeChat's retries, all at once
    answers += [await wx.post(xml) for _ in range(3)]  # and one after another
    assert {a.status for a in answers} == {200}
    assert len({a.text for a in answers}) == 1 and answers[0].text and "98天" in answers[0].text
    assert await asked(tuoyu, "产假有多少天") == 1  # the engine ran once
    other = await wx.post(wx.text("oRetry", "产假有多少天"))  # a new MsgId: a new question
    assert other.text == answers[0].text and await asked(tuoyu, "产假有多少天") == 2


async def test_a_long_reply_is_success_then_customer_service_messages_in_order(wx: FakeWeChat) -> None:
    answer = await wx.post(wx.text("oLong", "给我一个超长测试回答"))
    assert (answer.status, answer.body) == (200, "success")
    sent = await wx.wait_for_sent("oLong", 10)  # 10 paragraphs of ~1,200 bytes: one message each
    assert sent[0].startswith("超长测试回答")
    numbers = [int(p.split("段。")[0].rsplit("第", 1)[1]) for t in sent for p in t.split("\n\n") if "段。" in p]
    assert numbers == list(range(1, 11))  # every paragraph, in order, none twice
    assert all(len(t.encode()) <= 2048 for t in sent)


async def test_two_long_answers_to_one_follower_never_interleave(wx: FakeWeChat) -> None:
    first, second = wx.text("oTwice", "给我一个超长测试回答"), wx.text("oTwice", "超长回答测试")
    await asyncio.gather(wx.post(first), wx.post(second))
    sent = await wx.wait_for_sent("oTwice", 20)
    numbers = [int(p.split("段。")[0].rsplit("第", 1)[1]) for t in sent for p in t.split("\n\n") if "段。" in p]
    assert numbers == [*range(1, 11), *range(1, 11)]


async def test_a_slow_answer_is_success_now_and_a_message_later(wx: FakeWeChat, tuoyu: Tuoyu,
                                                                channel: WeChatChannel) -> None:
    channel.passive_s = 0.0  # as if the engine took longer than WeChat's window allows
    xml = wx.text("oSlow", "产假有多少天")
    answer = await wx.post(xml)
    assert (answer.status, answer.body) == (200, "success")
    [sent] = await wx.wait_for_sent("oSlow", 1)
    assert "98天" in sent
    retry = await wx.post(xml)  # WeChat's retry: the answer is on its way, never a second one
    assert (retry.status, retry.body) == (200, "success")
    assert await asked(tuoyu, "产假有多少天") == 1


async def test_wechat_is_off_without_its_token(database: Database, settings: Settings, kb: KnowledgeBase) -> None:
    tuoyu = await build(replace(settings, wechat_token=None), migrate=False, kb=kb, db=database)
    transport = httpx.ASGITransport(app=create_app(tuoyu.channel))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        timestamp, nonce = "1", "2"
        params = {"signature": sign("any", timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "echostr": "e"}
        assert (await client.get("/wechat", params=params)).status_code == 404
        assert (await client.post("/wechat", params=params, content=b"<xml/>")).status_code == 404


async def test_a_message_during_a_database_outage_gets_a_polite_reply(wx: FakeWeChat, tuoyu: Tuoyu,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(*_: object, **__: object) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database is down"))

    monkeypatch.setattr(tuoyu.db, "unit", down)
    answer = await wx.post(wx.text("oOutage", "孩子抽搐了"))
    assert answer.status == 200 and answer.text is not None
    assert "稍等片刻再试" in answer.text and "120" in answer.text and "SELECT" not in answer.text
    monkeypatch.undo()  # the database is back: the parent sends it again and gets the answer
    again = await wx.post(wx.text("oOutage", "孩子抽搐了"))
    assert again.text is not None and "120" in again.text.splitlines()[0]


async def test_odd_text_gets_an_answer_not_an_error(wx: FakeWeChat) -> None:
    for content in ("", "   ", "]]><xml>", "\U0001f476" * 3, "产假" * 3000, "/", "/start g-no_such_article"):
        answer = await wx.post(wx.text("oOdd", content))
        assert answer.status == 200 and (answer.text or answer.body == "success"), (content, answer.body)


async def test_old_message_keys_and_quiet_followers_are_pruned(wx: FakeWeChat, tuoyu: Tuoyu,
                                                               channel: WeChatChannel) -> None:
    await wx.post(wx.text("oOld", "产假有多少天"))
    await wx.post(wx.text("oRecent", "产假有多少天"))
    async with tuoyu.db.session() as s:
        await s.execute(update(WeChatMessage).where(WeChatMessage.key.in_(
            select(WeChatMessage.key).order_by(WeChatMessage.received_at).limit(1)))
            .values(received_at=WeChatMessage.received_at - 25 * 3600))
        await s.execute(update(WeChatContact).where(WeChatContact.openid == "oOld")
                        .values(last_seen=WeChatContact.last_seen - 8 * 24 * 3600))
    assert await channel.ledger.prune() == 2
    async with tuoyu.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(WeChatMessage))).scalar_one() == 1
        assert (await s.execute(select(WeChatContact.openid))).scalars().all() == ["oRecent"]
