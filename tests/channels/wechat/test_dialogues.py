"""WeChat transcripts: the fake WeChat posts signed messages to the real app over HTTP and reads the answers."""

from __future__ import annotations

from tests.channels.wechat.fake_wechat import FakeWeChat

USER = "oUser-question-1"


async def test_a_question_gets_a_passive_text_reply(wx: FakeWeChat) -> None:
    answer = await wx.post(wx.text(USER, "产假有多少天"))
    assert answer.status == 200 and answer.msg_type == "text"
    assert answer.text is not None and "产假" in answer.text
    assert wx.sent == []  # one part: passive, no customer-service message
