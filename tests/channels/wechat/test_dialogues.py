"""WeChat transcripts: the fake WeChat posts signed messages to the real app over HTTP and reads the answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import Tuoyu
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from locator.demo import seed_demo
from storage.database import Database
from tests.channels.wechat.conftest import instance
from tests.channels.wechat.fake_wechat import FakeWeChat, Follower


@pytest.fixture
async def wx_aes(settings: Settings, database: Database, kb: KnowledgeBase, fake: FakeWeChat
                 ) -> AsyncIterator[FakeWeChat]:
    """The app in safe mode (TUOYU_WECHAT_AES_KEY set)."""
    async with instance(settings, database, kb, fake, aes=True) as served:
        fake.target = served.url
        yield fake


async def test_a_question_gets_a_passive_text_reply(wx: FakeWeChat) -> None:
    answer = await wx.post(wx.text("oPlain", "产假有多少天"))
    assert answer.status == 200 and answer.msg_type == "text"
    assert answer.text is not None and answer.text.startswith("国家规定的产假") and "98天" in answer.text
    assert wx.sent == []  # one part: passive, no customer-service message


async def test_a_question_in_safe_mode_is_decrypted_and_answered_encrypted(wx_aes: FakeWeChat) -> None:
    answer = await wx_aes.post(wx_aes.text("oSafe", "产假有多少天"), aes=True)
    assert answer.status == 200
    assert "<Encrypt>" in answer.body and "98天" not in answer.body  # nothing readable on the wire
    assert answer.text is not None and "98天" in answer.text  # Answer.read checked its signature and decrypted it
    plain = await wx_aes.post(wx_aes.text("oSafe", "产假有多少天"))  # compatible mode: plaintext still answered
    assert plain.text == answer.text


async def test_an_emergency_says_120_first(wx: FakeWeChat) -> None:
    text = await Follower(wx, "oEmergency").say("孩子抽搐了")
    assert "120" in text.splitlines()[0]


async def test_choices_are_numbered_and_a_number_picks_one(wx: FakeWeChat) -> None:
    parent = Follower(wx, "oNumbers")
    text = await parent.say("产假")
    assert "1. 甘肃男方护理假" in text and text.rstrip().endswith("回复数字即可选择。")
    assert "护理假" in (await parent.say("1")).splitlines()[0]
    assert "服务范围" in await parent.say("7")  # no choice 7 was shown: it is read as text


async def test_the_finder_from_a_shared_location(wx: FakeWeChat, tuoyu: Tuoyu) -> None:
    await seed_demo(tuoyu.db)
    # WeChat's map gives GCJ-02; the nearest demo facility to this point is 380 m away in WGS-84
    text = await Follower(wx, "oFinder").send(wx.location("oFinder", 36.0605, 103.8337, "兰州市城关区"))
    assert "离你的位置最近的托育机构" in text and "1. 示例·" in text
    assert "反映问题" in text  # the choices after the list, numbered


async def test_voice_uses_wechats_recognition_or_asks_to_type(wx: FakeWeChat) -> None:
    parent = Follower(wx, "oVoice")
    assert "98天" in await parent.send(wx.voice("oVoice", "产假有多少天"))
    assert "请打字" in await parent.send(wx.voice("oVoice", None))


async def test_following_welcomes_with_the_menu_and_menu_clicks_are_commands(wx: FakeWeChat) -> None:
    parent = Follower(wx, "oFollow")
    welcome = await parent.send(wx.event("oFollow", "subscribe"))
    assert welcome.startswith("您好") and "下方菜单" in welcome
    assert "可以这样问我" in await parent.send(wx.event("oFollow", "CLICK", "cmd:help"))
    assert "哪家机构" in await parent.send(wx.event("oFollow", "CLICK", "cmd:complain"))


async def test_what_needs_no_answer_gets_success(wx: FakeWeChat) -> None:
    for xml in (wx.event("oQuiet", "unsubscribe"), wx.event("oQuiet", "LOCATION"),
                wx.event("oQuiet", "VIEW", "https://tuoyu.example/"), wx.event("oQuiet", "CLICK", "not a key!")):
        answer = await wx.post(xml)
        assert (answer.status, answer.body) == (200, "success")


async def test_an_unknown_message_type_gets_a_polite_reply(wx: FakeWeChat) -> None:
    parent = Follower(wx, "oVideo")
    assert "抱歉" in await parent.send(wx.message("oVideo", "video", MediaId="m1", ThumbMediaId="t1"))
    assert "抱歉" in await parent.send(wx.message("oVideo", "miniprogrampage", Title="x"))
