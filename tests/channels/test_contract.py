"""The channel contract: every channel passes the same scenarios through its real transport (see drivers/).

A new channel joins by adding its driver class to DRIVERS. What differs between channels lives in the drivers (how
a parent shares a place or a picture, switches language, opens a shared link); what a parent then sees and what
Tuoyu keeps is checked here, the same for all.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.settings import Settings
from complaints import photos
from complaints.models import Complaint
from locator.demo import seed_demo
from storage.database import Database
from storage.models import QuestionLog
from tests.bot.helpers import fixture_kb
from tests.channels.drivers import Driver, World, database_down
from tests.channels.drivers.console import ConsoleDriver
from tests.channels.drivers.telegram import TelegramDriver
from tests.channels.drivers.web import WebDriver
from tests.channels.drivers.wechat import WeChatDriver

DRIVERS: list[type[Driver]] = [ConsoleDriver, WebDriver, TelegramDriver, WeChatDriver]

QUESTION, ARTICLE = "产假有多少天", "leave_maternity_national"
FEVER, FEVER_ARTICLE = "宝宝发烧怎么办", "illness_fever"
EMERGENCY = "孩子突然抽搐了，叫不醒"
HAN = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(params=DRIVERS, ids=lambda d: d.name)
async def driver(request: pytest.FixtureRequest, settings: Settings, database: Database,
                 tmp_path: Path) -> AsyncIterator[Driver]:
    async with request.param.open(World(settings, database, fixture_kb(), tmp_path)) as opened:
        yield opened


def title(driver: Driver, article: str, lang: str = "zh") -> str:
    found = driver.tuoyu.kb.get(article)
    assert found is not None
    return str(found.text("title", lang))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


async def test_start_greets_with_the_menu(driver: Driver) -> None:
    seen = await driver.start()
    assert seen.text.strip()
    assert {"cmd:find", "cmd:complain"} <= set(seen.data), seen.buttons


async def test_a_question_gets_its_article(driver: Driver) -> None:
    await driver.start()
    seen = await driver.say(QUESTION)
    assert title(driver, ARTICLE) in seen.text


async def test_an_emergency_says_what_to_call_first(driver: Driver) -> None:
    await driver.start()
    seen = await driver.say(EMERGENCY)
    assert "120" in seen.text.strip().splitlines()[0], seen.texts


async def test_a_button_press_by_its_label(driver: Driver) -> None:
    await driver.start()
    seen = await driver.press(driver.tuoyu.port.t("btn_complain", "zh"))
    assert seen.text.strip()
    assert (await driver.tuoyu.conversations.load(driver.chat_key)).flow == "complaint"


async def test_a_shared_location_lists_the_nearest_facilities(driver: Driver, database: Database) -> None:
    await seed_demo(database)
    await driver.start()
    seen = await driver.share_location(36.0611, 103.8343)
    facilities = driver.tuoyu.services.facilities
    assert facilities is not None
    nearest = (await facilities.nearest(36.0611, 103.8343, limit=1)).hits[0].facility
    assert nearest.name in seen.text, seen.texts


async def test_a_photo_reaches_the_complaint(driver: Driver, settings: Settings, database: Database) -> None:
    await driver.start()
    await driver.say("/complain")
    await driver.say("阳光宝贝托育中心")
    for data in ("c:dist:chengguan", "c:cat:food_safety"):
        await driver.press(data)
    await driver.say("孩子中午吃的饭菜有异味，回家后腹泻。")
    await driver.press("c:when:yesterday")
    seen = await driver.send_photo(jpeg())
    assert driver.tuoyu.port.t("complaint_photo_added", "zh", count=1) in seen.text
    for data in ("c:photos:done", "c:contact:anon", "c:ok"):
        await driver.press(data)
    async with database.session() as session:
        complaint = (await session.execute(select(Complaint))).scalars().one()
    assert len(complaint.photos) == 1
    stored = photos.folder(settings.data_dir) / complaint.photos[0]
    assert stored.is_file() and stored.read_bytes().startswith(b"\xff\xd8\xff")


async def test_a_shared_link_opens_its_article_and_is_counted(driver: Driver) -> None:
    await driver.start()
    seen = await driver.open_link(f"g-{ARTICLE}-clinic7")
    assert title(driver, ARTICLE) in seen.text
    counts = [(s.article, s.ref, s.channel, s.count) for s in await driver.tuoyu.services.share.stats()]
    assert counts == [(ARTICLE, "clinic7", driver.name, 1)]


async def test_a_language_switch_holds_for_the_chat(driver: Driver) -> None:
    await driver.start()
    switched = await driver.switch_language("en")
    assert switched.text.strip() and not HAN.search(switched.text), switched.texts
    seen = await driver.say(QUESTION)  # still typed in Chinese
    assert title(driver, ARTICLE, "en") in seen.text
    assert (await driver.tuoyu.conversations.load(driver.chat_key)).lang == "en"


async def test_a_message_during_a_database_outage_is_answered_once_it_is_back(driver: Driver,
                                                                             database: Database) -> None:
    await driver.start()
    await driver.say(QUESTION)
    async with database_down(database):
        during = await driver.say(FEVER)
    assert during.retry == driver.tuoyu.port.t("outage_busy", "zh"), during
    assert title(driver, FEVER_ARTICLE) not in during.text
    after = await driver.again()
    assert after.retry is None and title(driver, FEVER_ARTICLE) in after.text
    async with database.session() as session:
        asked = await session.scalar(select(func.count()).select_from(QuestionLog).where(QuestionLog.text == FEVER))
    assert asked == 1, "answered once, nothing lost and nothing doubled"
    assert (await driver.tuoyu.conversations.load(driver.chat_key)).lang == "zh"
