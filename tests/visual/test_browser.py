"""Maps and charts in headless Chromium at phone width (360×780), against `tuoyu serve`; screenshots for review."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser_support import chromium, fits_phone, free_port, phone_page, serve_env, serving, shot

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")

PASSWORD = "charts-test-password"


async def file_complaints(url: str) -> None:
    """Ten weeks of complaints for 城关区卫生健康局, some accepted and resolved, filed on a moving clock."""
    from bot.i18n import default_catalog
    from complaints.service import ComplaintService
    from complaints.views import Submission
    from storage.database import Database

    db = Database(url)
    await db.upgrade()
    now = datetime.now(UTC)
    moment = [now - timedelta(weeks=10)]
    service = ComplaintService(db, default_catalog().get, pin_key=b"test", clock=lambda: moment[0])
    await service.add_staff("chart", "health.chengguan", password=PASSWORD)
    await service.add_staff("chartcity", "health.city", password=PASSWORD)
    categories = ("hygiene_health", "care_quality", "staff", "unregistered")
    for n in range(40):
        moment[0] = now - timedelta(weeks=10) + timedelta(hours=41 * n)
        filed = await service.file(Submission(
            draft_id=f"chart-{n}", category=categories[n % 4 if n % 3 else 1], facility_name=f"示例托育{n % 6}",
            district=("城关区", "七里河区")[n % 7 == 0], description="图表测试用的投诉内容。", happened="上周"))
        if filed.office_code != "health.chengguan" or n % 5 == 4:
            continue
        moment[0] += timedelta(hours=3 + n % 9)
        await service.update(filed.tracking, "chart", "accepted")
        if n % 2 == 0:
            moment[0] += timedelta(days=4 + n % 6)
            if moment[0] < now:
                await service.update(filed.tracking, "chart", "resolved", "已整改")
    await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tuoyu serve` with the demo facilities and ten weeks of complaints."""
    tmp = tmp_path_factory.mktemp("serve-visual")
    port = free_port()
    env = serve_env(tmp, port, "visual-test-secret")
    url = env["TUOYU_DATABASE_URL"]
    with ThreadPoolExecutor(1) as pool:  # pytest-asyncio may already run a loop in this thread
        pool.submit(asyncio.run, file_complaints(url)).result()
    with serving(env, tmp, port) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: object, server: str) -> Iterator[object]:
    with phone_page(browser, server) as page:
        yield page


def test_finder_map_in_the_chat_and_tapping_a_pin(phone: object) -> None:
    page = phone
    page.goto("/chat?lang=zh")
    for data, then in (("cmd:find", 'button[data-button="f:t:any"]'), ("f:t:any", 'button[data-button="f:a:any"]'),
                       ("f:a:any", "#share-location")):
        page.locator(f'button[data-button="{data}"]').last.click()
        page.locator(then).last.wait_for()
    page.fill("#text", "西关十字")
    page.locator("#ask button[type=submit]").click()
    page.locator("figure.map svg").first.wait_for()
    svg = page.locator("figure.map svg").first
    assert svg.bounding_box()["width"] >= 300  # the map spans the phone's width
    pins = page.locator("figure.map a.pin")
    assert pins.count() == page.locator("ol.cards li.card").count() >= 3
    assert fits_phone(page)
    svg.scroll_into_view_if_needed()
    shot(page, "finder-map-360", full=False)
    shot(page, "finder-map-360-full")
    second = pins.nth(1)
    card_id = second.get_attribute("href").lstrip("#")
    second.click()
    assert page.evaluate("location.hash") == f"#{card_id}"
    card = page.locator(f"#{card_id}")
    assert card.is_visible() and card.locator(".num").inner_text() == "2"
    shot(page, "finder-map-tapped-360", full=False)
    page.goto(card.locator("a.details").get_attribute("href"))
    assert page.locator("figure.map svg a.pin").count() == 1 and fits_phone(page)
    shot(page, "facility-page-360")
    page.locator("a.lang").click()
    assert page.locator("html").get_attribute("lang") == "en" and fits_phone(page)
    shot(page, "facility-page-360-en")


def login(page: object, name: str) -> None:
    page.goto("/staff/login?lang=zh")  # type: ignore[attr-defined]
    page.fill("input[name=name]", name)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.locator("form button[type=submit]").first.click()  # type: ignore[attr-defined]


def test_staff_charts_at_phone_width(phone: object) -> None:
    page = phone
    login(page, "chart")
    page.locator("#charts").click()
    page.locator("figure.chart svg").first.wait_for()
    assert page.locator("figure.chart svg").count() == 5
    assert page.locator("figure.chart svg g.column").count() >= 10  # weekly columns
    assert fits_phone(page)
    shot(page, "staff-charts-360")
    with page.expect_download() as download:
        page.locator("#charts-csv").click()
    assert download.value.suggested_filename == "tuoyu-charts-health.chengguan.csv"


def test_city_level_charts_show_what_was_escalated(phone: object) -> None:
    page = phone
    login(page, "chartcity")
    page.locator("#charts").click()
    page.locator("#scopes a").click()  # from the city office's own cases to the whole department
    page.locator("figure.chart svg").first.wait_for()
    assert "scope=city" in page.url and fits_phone(page)
    shot(page, "staff-charts-city-360")
