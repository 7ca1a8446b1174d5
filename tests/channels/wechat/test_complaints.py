"""A complaint filed in WeChat with a photo (fetched through the media API), and its notices back in the chat as
customer-service messages, or marked undeliverable once WeChat's 48-hour window has closed."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select, update

from bot.bootstrap import Tuoyu
from bot.channels.wechat.models import WeChatContact
from complaints import photos
from complaints.models import Complaint, ComplaintEvent, Outbox
from tests.channels.wechat.fake_wechat import FakeWeChat, Follower

OPENID = "oComplainant"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


async def file_with_a_photo(wx: FakeWeChat, parent: Follower) -> str:
    await parent.say("/complain")
    await parent.say("阳光宝贝托育中心")
    await parent.pick("城关区")
    await parent.pick("食品安全")
    await parent.say("孩子中午吃的饭菜有异味，回家后腹泻。")
    await parent.pick("昨天")
    added = await parent.send(wx.image(OPENID, "MEDIA_ID_1", jpeg()))
    await parent.pick("完成")
    await parent.pick("只在这里通知我")
    await parent.pick("确认提交")
    return added


async def filed(tuoyu: Tuoyu) -> Complaint:
    async with tuoyu.db.session() as s:
        row = (await s.execute(select(Complaint).order_by(Complaint.id.desc()))).scalars().first()
    assert row is not None
    return row


async def staff_accepts(tuoyu: Tuoyu, row: Complaint, note: str = "") -> None:
    service = tuoyu.services.complaints
    await service.add_staff(f"staff{row.id}", row.office_code, password="correct horse battery")
    await service.update(row.tracking, f"staff{row.id}", "accepted", note)


async def test_a_complaint_with_a_photo_is_filed_and_notified_back_in_the_chat(wx: FakeWeChat, tuoyu: Tuoyu) -> None:
    parent = Follower(wx, OPENID)
    assert "第 1 张" in await file_with_a_photo(wx, parent)
    assert wx.media_fetches == ["MEDIA_ID_1"]
    row = await filed(tuoyu)
    assert row.chat_key == f"wechat:{OPENID}" and row.tracking in parent.last
    [stored] = row.photos
    path = photos.photo_path(photos.folder(tuoyu.settings.data_dir), stored)
    assert path is not None and path.read_bytes().startswith(photos.JPEG)  # stored where staff see it

    await staff_accepts(tuoyu, row)
    before = len(wx.sent)
    assert await tuoyu.services.outbox.run_once() >= 1
    notices = [s.text for s in wx.sent[before:] if s.openid == OPENID]
    assert len(notices) == 1 and row.tracking in notices[0]


async def test_a_photo_that_cannot_be_fetched_keeps_its_media_id(wx: FakeWeChat, tuoyu: Tuoyu) -> None:
    parent = Follower(wx, OPENID)
    await parent.say("/complain")
    await parent.say("阳光宝贝托育中心")
    await parent.pick("城关区")
    await parent.pick("食品安全")
    await parent.say("孩子中午吃的饭菜有异味，回家后腹泻。")
    await parent.pick("昨天")
    xml = wx.image(OPENID, "MEDIA_GONE", b"")
    del wx.media["MEDIA_GONE"]  # expired on WeChat's side (temporary media last 3 days)
    assert "第 1 张" in await parent.send(xml)  # the family is not held up


async def test_a_photo_outside_a_complaint_is_not_fetched(wx: FakeWeChat) -> None:
    reply = await Follower(wx, "oFamilyPhoto").send(wx.image("oFamilyPhoto", "MEDIA_FAMILY", jpeg()))
    assert "抱歉" in reply and wx.media_fetches == []


async def test_a_notice_after_48_hours_is_marked_undeliverable(wx: FakeWeChat, tuoyu: Tuoyu) -> None:
    parent = Follower(wx, OPENID)
    await file_with_a_photo(wx, parent)
    row = await filed(tuoyu)
    async with tuoyu.db.session() as s:  # the family's last message was 49 hours ago
        await s.execute(update(WeChatContact).where(WeChatContact.openid == OPENID)
                        .values(last_seen=WeChatContact.last_seen - 49 * 3600))
    await staff_accepts(tuoyu, row)
    before = len(wx.sent)
    await tuoyu.services.outbox.run_once()
    assert [s for s in wx.sent[before:] if s.openid == OPENID] == []  # WeChat would refuse it (45015)
    async with tuoyu.db.session() as s:
        notice = (await s.execute(select(Outbox).where(Outbox.address == f"wechat:{OPENID}"))).scalars().one()
        events = (await s.execute(select(ComplaintEvent).where(ComplaintEvent.complaint_id == row.id,
                                                               ComplaintEvent.action == "notice_undeliverable"))
                  ).scalars().all()
    assert notice.last_error is not None and notice.last_error.startswith("undeliverable: ")
    assert "48" in notice.last_error and notice.attempts == 1  # finished, not retried
    assert len(events) == 1 and "48" in events[0].note and "状态页" in events[0].note
    assert await tuoyu.services.outbox.run_once() == 0  # nothing left due
