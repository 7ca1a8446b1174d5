"""Replies as WeChat text: numbered choices, WeChat's byte limit, CDATA-safe text; conversions of odd input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from wechatpy import parse_message

from bot.channels.wechat.convert import Guide, Say, convert, message_key, numbered
from bot.channels.wechat.render import LIMIT_BYTES, cdata_safe, render, split
from bot.engine.types import Button, Inbound, InboundKind, Reply


def words(key: str) -> str:
    return {"wx_pick_hint": "回复数字即可选择。", "wx_location_hint": "发送位置"}[key]


def test_buttons_are_numbered_across_replies_and_location_requests_say_how() -> None:
    replies = [Reply("emergency", "⚠️ 请立即拨打120！", buttons=[Button("心肺复苏", "a:cpr")]),
               Reply("answer", "发烧", buttons=[Button("找托育", "cmd:find")], request_location=True)]
    [text], buttons = render(replies, words)
    assert text.splitlines()[0] == "⚠️ 请立即拨打120！"  # the emergency stays first
    assert "1. 心肺复苏" in text and "2. 找托育" in text and "发送位置" in text and text.endswith("回复数字即可选择。")
    assert buttons == [Button("心肺复苏", "a:cpr"), Button("找托育", "cmd:find")]
    assert numbered(Inbound.message("2"), buttons) == Inbound(InboundKind.BUTTON, text="cmd:find", channel="wechat")
    assert numbered(Inbound.message("3"), buttons).kind is InboundKind.TEXT


@given(st.lists(st.sampled_from(["托", "育", "a", " ", "\n", "\n\n", "😀", "\x00", "]]>", "字" * 120]),
                max_size=200).map("".join))
def test_split_keeps_every_character_in_order_within_the_limit(text: str) -> None:
    parts = split(text, 300)
    assert all(len(p.encode()) <= 300 for p in parts)
    squeeze = str.maketrans("", "", " \n\x00")
    assert "".join(parts).translate(squeeze) == text.translate(squeeze)


def test_a_long_answer_is_cut_at_paragraphs() -> None:
    paragraphs = [f"第{i}段" + "字" * 300 for i in range(8)]
    parts = split("\n\n".join(paragraphs))
    assert all(len(p.encode()) <= LIMIT_BYTES for p in parts) and len(parts) == 4
    assert all(p.startswith("第") for p in parts)


def test_cdata_cannot_be_closed_by_the_text() -> None:
    assert cdata_safe("a]]>b") == "a]]]]><![CDATA[>b"


def xml(body: str) -> str:
    head = "<ToUserName>gh</ToUserName><FromUserName>oU</FromUserName><CreateTime>1700000000</CreateTime>"
    return f"<xml>{head}{body}</xml>"


def test_conversions_of_what_wechat_sends() -> None:
    location = convert(parse_message(xml("<MsgType>location</MsgType><Location_X>36.0605</Location_X>"
                                         "<Location_Y>103.8337</Location_Y><MsgId>1</MsgId>")))
    assert isinstance(location, Inbound) and location.kind is InboundKind.LOCATION
    assert location.lat is not None and location.lon is not None
    assert 36.0605 < location.lat < 36.063 and 103.826 < location.lon < 103.8337  # GCJ-02 → WGS-84 offset
    bad = convert(parse_message(xml("<MsgType>location</MsgType><Location_X>north</Location_X><MsgId>2</MsgId>")))
    assert isinstance(bad, Inbound) and bad.kind is InboundKind.UNSUPPORTED
    scan = parse_message(xml("<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_g-a-B</EventKey>"))
    assert convert(scan) == Guide("g-a-B") and message_key(scan).startswith("eoU:1700000000:subscribe_scan")
    voice = parse_message(xml("<MsgType>voice</MsgType><MediaId>m</MediaId><Recognition></Recognition>"
                              "<MsgId>3</MsgId>"))
    assert convert(voice) == Say("wx_voice_unrecognised") and message_key(voice) == "m3"
    command = convert(parse_message(xml("<MsgType>text</MsgType><Content>/help</Content><MsgId>4</MsgId>")))
    assert command == Inbound(InboundKind.COMMAND, text="help", channel="wechat")
