"""End to end in headless Chromium at a phone viewport, against `tuoyu serve` running in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.browser_support import (
    PHONE,
    ROOT,
    chromium,
    fits_phone,
    free_port,
    phone_page,
    serve_env,
    serving,
    shot,
)
from tests.channels.web.tile_server import Tiles, tile_server

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")

TIMEOUT_MS = 60_000  # generous: CI machines are small and shared
ARTICLE = "feeding_formula_prep"
QUESTION = "奶粉怎么冲才正确"
PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tuoyu serve` on a free loopback port, with a staff member of 城关区卫生健康局."""
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = serve_env(tmp, port, "browser-test-secret")
    subprocess.run([sys.executable, "-m", "bot", "staff", "add", "wang", "--office", "health.chengguan",
                    "--password", PASSWORD], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    with serving(env, tmp, port) as base:
        assert "Tuoyu web app on http://127.0.0.1:" in (tmp / "serve.log").read_text()
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: object, server: str) -> Iterator[object]:
    """A fresh phone-sized browser context (its own cookies and localStorage)."""
    with phone_page(browser, server, TIMEOUT_MS) as page:
        yield page


def test_guide_page_with_qr_code(phone: object) -> None:
    page = phone
    page.goto(f"/guide/{ARTICLE}?ref=clinic_7")
    assert page.locator("h1").inner_text()
    qr = page.locator("#qr svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 100
    assert page.locator("#red-flags").is_visible() and page.locator("#sources").is_visible()
    assert page.locator("#reviewed").is_visible()
    href = page.locator("#chat-link").get_attribute("href")  # the web chat is the door; Telegram is not configured
    assert href == f"/guide/{ARTICLE}/chat?ref=clinic_7&lang=zh" and page.locator("#deep-link").count() == 0
    assert fits_phone(page)
    shot(page, "guide-article-360")
    page.locator("a.lang").click()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "guide-article-360-en")
    page.goto(f"/guide/{ARTICLE}/poster?ref=clinic_7")
    assert page.locator("#poster-qr svg").bounding_box()["width"] >= 300
    shot(page, "guide-poster")


def test_guide_works_without_javascript(browser: object, server: str) -> None:
    context = browser.new_context(viewport=PHONE, base_url=server, java_script_enabled=False)  # type: ignore[attr-defined]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/guide")
    page.fill("#q", "冲奶粉的水要多少度")  # one of the article's own question variants
    page.locator("form.search button").click()
    page.locator(f'#results a[href^="/guide/{ARTICLE}"]').first.click()
    assert page.url.split("?")[0].endswith(f"/guide/{ARTICLE}")
    context.close()


def wait_for_bot(page: object, count: int) -> None:
    """Until more than `count` bot messages are shown (locators, not eval: the CSP forbids eval)."""
    page.locator("#log li.msg.bot").nth(count).wait_for()  # type: ignore[attr-defined]


def ask(page: object, text: str) -> None:
    count = page.locator("#log li.msg.bot").count()  # type: ignore[attr-defined]
    page.fill("#text", text)  # type: ignore[attr-defined]
    page.locator("#ask button[type=submit]").click()  # type: ignore[attr-defined]
    wait_for_bot(page, count)


def press(page: object, label_or_data: str) -> None:
    count = page.locator("#log li.msg.bot").count()  # type: ignore[attr-defined]
    selector = f'#log li.msg.bot:last-child button[data-button="{label_or_data}"]'
    page.locator(selector).last.click()  # type: ignore[attr-defined]
    wait_for_bot(page, count)


def last_bot_text(page: object) -> str:
    return page.locator("#log li.msg.bot").last.inner_text()  # type: ignore[attr-defined]


def test_chat_question_answered_with_buttons(phone: object) -> None:
    page = phone
    page.goto("/chat")
    ask(page, QUESTION)
    reply = page.locator("#log li.msg.bot").last
    assert "70" in reply.inner_text()  # the answer itself (water not below 70 °C)
    buttons = reply.locator("button[data-button^='a:']")
    assert buttons.count() >= 1
    assert fits_phone(page)
    shot(page, "chat-answer")
    buttons.first.click()
    wait_for_bot(page, 2)
    shot(page, "chat-related")


def test_finder_with_granted_geolocation(phone: object) -> None:
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 36.0611, "longitude": 103.8343})
    page.goto("/chat")
    press(page, "cmd:find")
    press(page, "f:t:any")
    press(page, "f:a:any")
    share = page.locator("#share-location")
    assert share.is_visible()
    count = page.locator("#log li.msg.bot").count()
    share.click()
    wait_for_bot(page, count + 1)
    page.locator("li.card.facility").first.wait_for()
    first = page.locator("li.card.facility").first
    assert "演示数据" in first.inner_text()
    assert fits_phone(page)
    shot(page, "chat-finder")
    cards = page.locator("#log li.msg.bot").last.locator("li.card.facility")
    assert cards.count() == 5
    for n in range(5):  # what parents ask, on every card; one report button each, none in a row below
        card = cards.nth(n)
        text = card.inner_text()
        fields = ("备案", "类型：", "月龄：", "性质：", "时间：", "收费：", "空余托位：", "截至")
        assert all(word in text for word in fields), text
        assert re.search(r"\d+(\.\d)? ?(公里|米)", text)
        assert card.locator("a.tel[href^='tel:']").count() == 1
        assert card.locator("button.report[data-button^='c:fac:']").count() == 1
    assert page.locator("#log li.msg.bot").last.locator(".buttons button[data-button^='c:fac:']").count() == 0
    assert page.locator("#log li.msg.bot").last.locator(".buttons button[data-button='f:more']").is_visible()
    last = page.locator("#log li.msg.bot").last  # no tile source configured: the drawn sketch, no street map
    assert last.locator("figure.map:not(.street) > svg").count() == 1
    assert last.locator(".leaflet-container").count() == 0


@pytest.fixture(scope="module")
def tiled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Tiles]]:
    """`tuoyu serve` with a street-map tile source: a tile server on loopback."""
    with tile_server() as tiles:
        tmp = tmp_path_factory.mktemp("serve-tiles")
        port = free_port()
        env = {**serve_env(tmp, port, "browser-test-secret"), "TUOYU_MAP_TILES": tiles.url}
        with serving(env, tmp, port) as base:
            yield base, tiles


def find_near(page: object, lat: float, lon: float) -> object:
    """The finder at a granted position: the reply with the cards."""
    page.context.grant_permissions(["geolocation"])  # type: ignore[attr-defined]
    page.context.set_geolocation({"latitude": lat, "longitude": lon})  # type: ignore[attr-defined]
    page.goto("/chat")  # type: ignore[attr-defined]
    press(page, "cmd:find")
    press(page, "f:t:any")
    press(page, "f:a:any")
    count = page.locator("#log li.msg.bot").count()  # type: ignore[attr-defined]
    page.locator("#share-location").click()  # type: ignore[attr-defined]
    wait_for_bot(page, count + 1)
    page.locator("li.card.facility").first.wait_for()  # type: ignore[attr-defined]
    return page.locator("#log li.msg.bot").last  # type: ignore[attr-defined]


def test_street_map_with_pins_when_tiles_are_configured(browser: object, tiled_server: tuple[str, Tiles]) -> None:
    server, tiles = tiled_server
    with phone_page(browser, server, TIMEOUT_MS) as page:
        reply = find_near(page, 36.0611, 103.8343)
        reply.locator(".leaflet-container").wait_for()  # type: ignore[attr-defined]
        reply.locator("img.leaflet-tile-loaded").first.wait_for()  # type: ignore[attr-defined]
        assert tiles.requests and all(r.endswith(".png") for r in tiles.requests)
        pins = reply.locator(".leaflet-marker-icon.pin-icon")  # type: ignore[attr-defined]
        assert pins.count() == 5 and [pins.nth(n).inner_text() for n in range(5)] == ["1", "2", "3", "4", "5"]
        assert reply.locator(".leaflet-marker-icon.you-icon").count() == 1  # type: ignore[attr-defined]  # parent
        assert reply.locator("figure.map:not(.street)").count() == 0  # type: ignore[attr-defined]
        assert fits_phone(page)
        shot(page, "chat-street-map")
        third = pins.nth(2).get_attribute("data-id")
        pins.nth(2).click(force=True)  # tap a pin: its card is the target
        card = reply.locator("li.card.facility").nth(2)  # type: ignore[attr-defined]
        assert page.evaluate("location.hash") == "#" + card.get_attribute("id")
        assert card.get_attribute("data-id") == third


def test_the_sketch_when_the_tiles_fail(browser: object, tiled_server: tuple[str, Tiles]) -> None:
    server, tiles = tiled_server
    tiles.failing = True  # (the browser logs the failed tile requests: no phone_page, which fails on them)
    context = browser.new_context(viewport=PHONE, base_url=server, locale="zh-CN")  # type: ignore[attr-defined]
    context.set_default_timeout(TIMEOUT_MS)
    try:
        reply = find_near(context.new_page(), 36.3445, 102.8600)  # 红古区: tiles no earlier test fetched
        reply.locator("figure.map:not(.street) > svg").wait_for()  # type: ignore[attr-defined]
        assert reply.locator(".leaflet-container").count() == 0  # type: ignore[attr-defined]
    finally:
        tiles.failing = False
        context.close()


def test_facility_page_calls_and_reports_that_facility(phone: object) -> None:
    page = phone
    page.goto("/facility/DEMO-620102-001?lang=zh")
    card = page.locator("article.card")
    assert card.locator("a.tel[href^='tel:']").count() == 1 and "月龄：" in card.inner_text()
    assert fits_phone(page)
    shot(page, "facility-page")
    page.locator("a.report").click()
    page.wait_for_url(re.compile(r"/chat\?report=DEMO-620102-001"))
    wait_for_bot(page, 1)  # after the greeting
    assert re.search(r"第 2/\d+ 步", last_bot_text(page))  # the complaint already knows which facility


def jpeg_file(tmp_path: Path) -> Path:
    path = tmp_path / "kitchen.jpg"
    Image.new("RGB", (320, 240), (180, 120, 60)).save(path, "JPEG")
    return path


def test_complaint_filed_handled_and_tracked(phone: object, browser: object, server: str, tmp_path: Path) -> None:
    page = phone
    page.goto("/chat")
    press(page, "cmd:complain")
    ask(page, "浏览器测试托育园")
    if page.locator("#log li.msg.bot:last-child button[data-button='c:pick:none']").count():
        press(page, "c:pick:none")
    if page.locator("#log li.msg.bot:last-child button[data-button^='c:dist:']").count():
        press(page, "c:dist:chengguan")
    press(page, "c:cat:hygiene_health")
    if page.locator("#log li.msg.bot:last-child button[data-button='c:sup:no']").count():
        press(page, "c:sup:no")
    ask(page, "厨房很脏，餐具没有消毒，孩子回家后拉肚子。")
    ask(page, "上周三中午")
    assert page.locator("#photo-label").is_visible()
    count = page.locator("#log li.msg.bot").count()
    page.set_input_files("#photo", str(jpeg_file(tmp_path)))
    wait_for_bot(page, count)
    assert "1" in last_bot_text(page)
    press(page, "c:photos:done")
    press(page, "c:contact:chat")
    shot(page, "complaint-review")
    press(page, "c:ok")
    filed = last_bot_text(page)
    tracking = re.search(r"TY-\d{8}-[A-Z2-7]{8}", filed).group(0)  # type: ignore[union-attr]
    pin = re.search(r"查询码：(\d{6})", filed).group(1)  # type: ignore[union-attr]
    shot(page, "complaint-filed")

    staff_context = browser.new_context(viewport=PHONE, base_url=server, locale="zh-CN")  # type: ignore[attr-defined]
    staff_context.set_default_timeout(TIMEOUT_MS)
    staff = staff_context.new_page()
    staff.goto("/staff/login")
    staff.fill("#name", "wang")
    staff.fill("#password", PASSWORD)
    staff.locator("#login-form button").click()
    staff.locator(f'#cases a:has-text("{tracking}")').click()
    assert "厨房很脏" in staff.locator("#description").inner_text()
    from playwright.sync_api import expect  # after the module's importorskip

    expect(staff.locator("#photos img")).to_have_js_property("complete", True)  # polled without eval (the CSP)
    assert staff.evaluate("document.querySelector('#photos img').naturalWidth") == 320
    staff.select_option("#new-status", "accepted")
    staff.fill("#note", "已受理，明天上门检查厨房卫生")
    staff.locator("#status-change button").click()
    assert "已受理" in staff.locator("#case-status").inner_text()
    shot(staff, "staff-case")
    staff.context.close()

    page.goto("/status")
    page.fill("#tracking", tracking)
    page.fill("#pin", pin)
    page.locator("#status-form button").click()
    assert "已受理" in page.locator("#current-status").inner_text()
    assert "明天上门检查厨房卫生" in page.locator("#history").inner_text()
    shot(page, "status-page")

    # Back in the web chat: the conversation survived the page changes, and the office's notice is there
    # (the server's jobs runner keeps it for this chat within its 5 s round; each visit fetches notices).
    for _ in range(20):
        page.goto("/chat")
        page.locator("#chat[data-restored]").wait_for()  # the history and notices from the server
        assert tracking in page.locator("#log").inner_text(), "the chat history survives leaving the page"
        notice = page.locator("#log li.notice.office")
        if notice.count():
            break
        page.wait_for_timeout(1000)
    assert "明天上门检查厨房卫生" in notice.last.inner_text() and tracking in notice.last.inner_text()
    shot(page, "chat-notice")
    page.reload()
    page.locator("#chat[data-restored]").wait_for()
    assert page.locator("#log li.notice.office").count() == 1, "a notice already shown is not added twice"


def test_a_shared_guidance_link_opens_the_article_in_the_chat(phone: object) -> None:
    """/chat?start=g-<article>-<ref> (a health worker's link for the web chat): chat.js posts it as `/start …`."""
    page = phone
    page.goto(f"/chat?start=g-{ARTICLE}-clinic7")
    wait_for_bot(page, 1)  # after the greeting
    assert "70" in last_bot_text(page)  # the article's answer (water not below 70 °C)


def test_an_article_link_opens_the_article_in_the_chat(phone: object) -> None:
    """/chat?article=<id>: the article without counting a shared link (chat.js presses its `a:` button)."""
    page = phone
    page.goto(f"/chat?article={ARTICLE}")
    wait_for_bot(page, 1)  # after the greeting
    assert "70" in last_bot_text(page)
