"""Scene QR codes (`qrscene_g-<article>[-<ref>]`) as the guidance links health workers share, counted per clinic."""

from __future__ import annotations

from bot.bootstrap import Tuoyu
from bot.share import ShareService, ShareStat
from tests.channels.wechat.fake_wechat import FakeWeChat, Follower


async def test_scene_qr_codes_open_the_article_and_are_counted_per_clinic(wx: FakeWeChat, tuoyu: Tuoyu) -> None:
    new = Follower(wx, "oNewParent")  # scans a clinic's code and follows the account in one step
    opened = await new.send(wx.event("oNewParent", "subscribe", "qrscene_g-illness_fever-CL01"))
    assert opened.startswith("宝宝发烧怎么办") and "下方菜单" in opened
    follower = Follower(wx, "oFollower")  # already follows: WeChat sends SCAN with the bare scene
    assert (await follower.send(wx.event("oFollower", "SCAN", "g-illness_fever-CL01"))).startswith("宝宝发烧怎么办")
    other = Follower(wx, "oOther")
    assert (await other.send(wx.event("oOther", "SCAN", "g-illness_fever-CL02"))).startswith("宝宝发烧怎么办")
    stats = await ShareService(tuoyu.db).stats()
    assert stats == [ShareStat("illness_fever", "CL01", "wechat", 2), ShareStat("illness_fever", "CL02", "wechat", 1)]


async def test_a_scene_that_is_not_a_guide_link_is_a_plain_welcome(wx: FakeWeChat, tuoyu: Tuoyu) -> None:
    for scene in ("qrscene_12345", "qrscene_g-no_such_article", "qrscene_g-illness_fever-bad ref!"):
        welcome = await Follower(wx, f"o{hash(scene)}").send(wx.event(f"o{hash(scene)}", "subscribe", scene))
        assert welcome.startswith("您好")
    assert await ShareService(tuoyu.db).stats() == []
