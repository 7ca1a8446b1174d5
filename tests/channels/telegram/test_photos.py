"""Complaint photos sent in Telegram are fetched into the photo store, where department staff see them."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from bot.bootstrap import Tuoyu
from complaints import photos
from complaints.models import Complaint
from tests.channels.telegram.fake_bot_api import ApiError, FakeBotApi

CHAT = 1301


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


async def step(bot: FakeBotApi, action: str, value: str = "") -> str:
    """One user action (text, button or photo); the text of the bot's answer."""
    since = bot.mark()
    if action == "text":
        await bot.text(CHAT, value)
    elif action == "press":
        await bot.callback(CHAT, value)
    else:
        await bot.media(CHAT, "photo")
    call = await bot.wait_for_call("sendMessage", lambda p: int(p["chat_id"]) == CHAT, since=since)
    return str(call.params["text"])


async def file_complaint_with_a_photo(bot: FakeBotApi) -> str:
    await step(bot, "text", "/complain")
    await step(bot, "text", "阳光宝贝托育中心")
    await step(bot, "press", "c:dist:chengguan")
    await step(bot, "press", "c:cat:food_safety")
    await step(bot, "text", "孩子中午吃的饭菜有异味，回家后腹泻。")
    await step(bot, "press", "c:when:yesterday")
    added = await step(bot, "photo")
    await step(bot, "press", "c:photos:done")
    await step(bot, "press", "c:contact:anon")
    await step(bot, "press", "c:ok")
    return added


async def stored_photos(tuoyu: Tuoyu) -> list[str]:
    async with tuoyu.db.session() as session:
        complaint = (await session.execute(select(Complaint).order_by(Complaint.id.desc()))).scalars().first()
    assert complaint is not None
    return list(complaint.photos)


async def test_a_complaint_photo_is_kept_where_staff_see_it(bot: FakeBotApi, tuoyu: Tuoyu) -> None:
    bot.files["photo-big"] = jpeg()  # the largest size of the photo the fake user sends
    assert "第 1 张" in await file_complaint_with_a_photo(bot)
    [stored] = await stored_photos(tuoyu)
    path = photos.photo_path(photos.folder(tuoyu.settings.data_dir), stored)
    assert path is not None and path.read_bytes().startswith(photos.JPEG)  # re-encoded, metadata stripped


async def test_a_photo_that_cannot_be_fetched_keeps_its_telegram_id(bot: FakeBotApi, tuoyu: Tuoyu) -> None:
    bot.faults["getFile"] = [ApiError(400, "Bad Request: file is too big")]
    assert "第 1 张" in await file_complaint_with_a_photo(bot)  # the family is not held up
    assert await stored_photos(tuoyu) == ["photo-big"]


async def test_a_photo_outside_a_complaint_is_not_fetched(bot: FakeBotApi, tuoyu: Tuoyu) -> None:
    bot.files["photo-big"] = jpeg()
    await step(bot, "photo")  # a family photo sent to the bot: answered politely, never stored
    assert not bot.calls_of("getFile")
    assert not photos.folder(tuoyu.settings.data_dir).exists() or not any(
        photos.folder(tuoyu.settings.data_dir).iterdir())
