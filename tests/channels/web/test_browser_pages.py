"""Pages at a 390 px phone in headless Chromium: guide doors and tap-to-call, A4/A5 posters, the trust page, the
staff list as cards and the status control that refuses an unconfirmed 不予受理."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.bootstrap import build
from bot.settings import Settings
from complaints.views import Submission
from tests.browser_support import ROOT, chromium, fits_phone, free_port, phone_page, serve_env, serving, shot

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")

TIMEOUT_MS = 60_000
PHONE_390 = {"width": 390, "height": 844}
ARTICLE = "illness_fever_home_care"
PASSWORD = "browser-pages-password"
TOUCH_PX = 44
#: PDF page sizes in points (1/72 in): A4 210×297 mm, A5 148×210 mm.
PAPER = {"a4": (595, 842), "a5": (420, 595)}


def file_complaints(env: dict[str, str]) -> list[str]:
    """A few complaints for 城关区卫生健康局, filed through the service as the chat would; their tracking numbers."""
    async def run() -> list[str]:
        tuoyu = await build(Settings.from_env(env))
        try:
            service = tuoyu.services.complaints
            filed = []
            for i, (category, facility) in enumerate((("hygiene_health", "阳光宝贝托育园（城关区张掖路店）"),
                                                     ("care_quality", "小星星托育中心"),
                                                     ("staff", "快乐成长日间托育"))):
                filed.append((await service.file(Submission(
                    draft_id=f"browser-pages-{i}", category=category, facility_name=facility, district="城关区",
                    description="厨房很脏，孩子们的餐具没有消毒。", happened="上周三",
                    chat_key=f"web:browserpages{i}"))).tracking)
            return filed
        finally:
            await tuoyu.close()

    with ThreadPoolExecutor(1) as pool:  # the test session's event loop runs in this thread
        return pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """`tuoyu serve` with a configured operator, a named referral code, staff and three complaints."""
    tmp = tmp_path_factory.mktemp("pages")
    port = free_port()
    env = serve_env(tmp, port, "browser-pages-secret")
    env.update(TUOYU_OPERATOR_NAME="兰州市托育服务指导中心（测试）", TUOYU_OPERATOR_PHONE="0931-8123456",
               TUOYU_OPERATOR_EMAIL="tuoyu@example.cn", TUOYU_ICP="陇ICP备00000000号-1")
    for command in (["staff", "add", "wang", "--office", "health.chengguan", "--password", PASSWORD],
                    ["share", "ref", "add", "QLH_CHC", "--name", "七里河区某社区卫生服务中心"]):
        subprocess.run([sys.executable, "-m", "bot", *command], env=env, cwd=ROOT, check=True, capture_output=True,
                       timeout=120)
    tracking = file_complaints(env)
    with serving(env, tmp, port) as base:
        yield base, tracking


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: Any, server: tuple[str, list[str]]) -> Iterator[Any]:
    """A 390×844 phone page; fails the test on any script error or CSP violation."""
    with phone_page(browser, server[0], TIMEOUT_MS, viewport=PHONE_390) as page:
        yield page


def heights(page: Any, selector: str) -> list[float]:
    found = page.eval_on_selector_all(selector, "els => els.map(e => e.getBoundingClientRect().height)")
    return [float(h) for h in found]


def test_guide_page_web_chat_first_tel_links_and_touch_targets(phone: Any) -> None:
    page = phone
    page.goto(f"/guide/{ARTICLE}?ref=QLH_CHC")
    assert fits_phone(page)
    assert page.locator("#qr svg").bounding_box()["width"] >= 100
    assert page.locator("#deep-link").count() == 0 and "Telegram" not in page.locator("main").inner_text()
    assert page.locator("#red-flags a.tel[href='tel:120']").count() >= 1
    assert page.locator("footer a.tel[href='tel:120']").count() == 1
    assert min(heights(page, "#chat-link, #doors a.more, footer p:not(.help) a, #related .articles a")) >= TOUCH_PX
    shot(page, "pages-guide-390")
    page.locator("#chat-link").click()
    page.wait_for_url(re.compile(rf"/chat\?start=g-{ARTICLE}-QLH_CHC&lang=zh"))
    page.locator("#log li.msg.bot").nth(1).wait_for()  # the article's answer after the greeting
    assert "发烧" in page.locator("#log li.msg.bot").nth(1).inner_text()


@pytest.mark.parametrize("size", ["a4", "a5"])
def test_poster_prints_on_one_sheet_of_its_size(browser: Any, server: tuple[str, list[str]], size: str) -> None:
    context = browser.new_context(viewport=PHONE_390, base_url=server[0], locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"/guide/{ARTICLE}/poster?ref=QLH_CHC&size={size}")
        assert page.locator("#clinic").inner_text() == "七里河区某社区卫生服务中心"
        assert 1 <= page.locator("#key-points li").count() <= 3
        assert page.locator("#hotline a.tel[href='tel:12320']").count() == 1
        assert page.locator("#telegram").count() == 0
        assert fits_phone(page)
        shot(page, f"pages-poster-{size}-390")
        pdf = page.pdf(prefer_css_page_size=True)
        pages = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        assert len(pages) == 1, f"{len(pages)} pages"
        width, height = (round(float(v)) for v in pages[0])
        assert abs(width - PAPER[size][0]) <= 2 and abs(height - PAPER[size][1]) <= 2
    finally:
        context.close()


def test_about_page_names_the_operator(phone: Any) -> None:
    page = phone
    page.goto("/about")
    assert page.locator("#operator-name").inner_text() == "兰州市托育服务指导中心（测试）"
    assert page.locator("#operator-phone a[href='tel:0931-8123456']").count() == 1
    assert "180天" in page.locator("#kept-complaints").inner_text()
    assert page.locator("footer .icp").inner_text() == "陇ICP备00000000号-1"
    assert fits_phone(page)
    shot(page, "pages-about-390")


def log_in(page: Any) -> None:
    page.goto("/staff/login")
    page.fill("#name", "wang")
    page.fill("#password", PASSWORD)
    page.locator("#login-form button").click()
    page.wait_for_url(re.compile(r"/staff\?"))


def test_staff_list_is_cards_without_horizontal_scroll(phone: Any) -> None:
    page = phone
    log_in(page)
    assert page.locator("#cases tbody tr").count() == 3
    assert fits_phone(page)
    assert page.locator("header nav a[href^='/chat']").count() == 0 and page.locator("footer .help").count() == 0
    line = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('#cases td.status')).lineHeight)"))
    assert max(heights(page, "#cases td.status")) < 2 * line  # 当前状态 on one line, not a character per line
    assert min(heights(page, "#cases td.tracking a")) >= TOUCH_PX
    shot(page, "pages-staff-list-390")


def test_status_control_refuses_an_unconfirmed_rejection(browser: Any, server: tuple[str, list[str]]) -> None:
    context = browser.new_context(viewport=PHONE_390, base_url=server[0], locale="zh-CN", device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        refuses_an_unconfirmed_rejection(context.new_page(), server[1][0])
    finally:
        context.close()


def refuses_an_unconfirmed_rejection(page: Any, tracking: str) -> None:
    """The refusal is a 400 page (the browser logs it as a failed load), so this page has no error check."""
    log_in(page)
    page.goto(f"/staff/cases/{tracking}")
    assert page.locator("#new-status").input_value() == ""  # starts on 请选择
    assert fits_phone(page)
    shot(page, "pages-staff-case-390")
    page.select_option("#new-status", "rejected")
    page.fill("#note", "不属于本部门职责，请向市场监管部门反映")
    page.locator("#status-change button").click()
    assert "请勾选确认" in page.locator("#case-error").inner_text()
    assert page.locator("#new-status").input_value() == "rejected"  # the form comes back as it was sent
    assert "已提交" in page.locator("#case-status").inner_text()
    page.check("#confirm")
    page.locator("#status-change button").click()
    page.wait_for_url(re.compile(rf"/staff/cases/{tracking}\?"))
    assert "不予受理" in page.locator("#case-status").inner_text()
    assert "更改状态" in page.locator("#history").inner_text() and "status" not in page.locator("#history").inner_text()


def test_facility_card_links_are_tall_enough_to_tap(phone: Any) -> None:
    page = phone
    page.goto("/facility/DEMO-620102-001?lang=zh")
    assert min(heights(page, "article.card .actions a")) >= TOUCH_PX
    assert fits_phone(page)
