"""Landing, about, health check, security headers, error pages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.bootstrap import Tuoyu, build
from bot.channels.web import history
from bot.channels.web.app import create_app
from bot.settings import Settings, secret_key
from storage.database import Database
from tests.bot.helpers import fixture_kb


async def test_healthz_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_503_when_database_does_not_answer(client: httpx.AsyncClient, tuoyu: Tuoyu,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    unreachable = Database("postgresql://nobody@127.0.0.1:9/none")  # nothing listens on the discard port
    monkeypatch.setattr(tuoyu.services, "db", unreachable)
    response = await client.get("/healthz")
    await unreachable.dispose()
    assert response.status_code == 503
    assert response.json()["status"] != "ok"


async def test_security_headers_on_every_page(client: httpx.AsyncClient) -> None:
    for path in ("/", "/guide", "/chat", "/about", "/status", "/staff/login", "/nowhere"):
        headers = (await client.get(path)).headers
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_pages_have_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    for path in ("/", "/guide", "/chat", "/about", "/status", "/guide/illness_fever", "/guide/illness_fever/poster"):
        html = (await client.get(path)).text
        assert "<script>" not in html and "style=" not in html and "<style" not in html, path
        assert "http://" not in html.replace("http://testserver", "").replace("http://127.0.0.1:8000", ""), path


async def test_landing_links_chat_guide_status(client: httpx.AsyncClient) -> None:
    html = (await client.get("/")).text
    for link in ('href="/chat', 'href="/guide', 'href="/status'):
        assert link in html


async def test_about_says_demo_data_when_demo_facilities_are_loaded(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    assert "演示数据" not in (await client.get("/about")).text
    async with tuoyu.db.session() as s:
        await s.execute(text(
            "INSERT INTO facility (registry_id, name, care_mask, district, lat, lon, datum, cell, registered, demo, "
            "extra, content_hash, updated_at) VALUES ('DEMO-1', '示例托育园', 1, '城关区', 36.06, 103.83, 'wgs84', 0, "
            ":t, :t, '{}', 'x', CURRENT_TIMESTAMP)"), {"t": True})
    assert "演示数据" in (await client.get("/about")).text
    assert "DEMO data" in (await client.get("/about?lang=en")).text


async def about_page(database: Database, settings: Settings, lang: str = "zh", **configured: object) -> str:
    """/about of a deployment configured with `configured` settings."""
    tuoyu = await build(replace(settings, **configured), migrate=False, kb=fixture_kb(), db=database)
    transport = httpx.ASGITransport(app=create_app(tuoyu.channel))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        return (await c.get(f"/about?lang={lang}")).text


async def test_about_shows_the_configured_operator(database: Database, settings: Settings) -> None:
    html = await about_page(database, settings, operator_name="兰州市某托育服务指导中心", operator_phone="0931-8123456",
                            operator_email="tuoyu@example.cn", icp="陇ICP备12345678号-1", contact_retention_days=90)
    assert '<dd id="operator-name">兰州市某托育服务指导中心</dd>' in html
    assert '<a class="tel" href="tel:0931-8123456">0931-8123456</a>' in html
    assert 'href="mailto:tuoyu@example.cn"' in html and 'id="operator-missing"' not in html
    assert html.count("陇ICP备12345678号-1") == 2  # on the page and in the footer
    assert "投诉办结90天后删除" in html.split('id="kept-complaints"', 1)[1].split("</li>", 1)[0]
    chat_history = html.split('id="kept-history"', 1)[1].split("</li>", 1)[0]
    assert f"最近{history.KEEP}轮问答" in chat_history and "超过90天的记录自动删除" in chat_history
    assert "139****5678" in chat_history and "工作人员的页面看不到" in chat_history
    english = await about_page(database, settings, "en", operator_name="Lanzhou childcare centre",
                               contact_retention_days=90)
    assert "deleted 90 days after the case is closed" in english
    assert f"the last {history.KEEP} exchanges" in english and "older than 90 days are deleted" in english


async def test_about_says_plainly_when_the_operator_is_not_filled_in(client: httpx.AsyncClient) -> None:
    html = (await client.get("/about")).text
    assert 'id="operator-missing"' in html and "运营方尚未填写运营单位和联系方式" in html
    assert '<dd id="operator-name">运营方尚未填写</dd>' in html and "mailto:" not in html and "ICP" not in html
    kept = html.split('id="privacy"', 1)[1]
    assert "投诉办结180天后删除" in kept and "草稿照片2天后删除" in kept  # the settings' and the code's periods
    assert 'id="who-sees"' in kept
    assert '<a class="tel" href="tel:12345">12345</a>' in html and '<a class="tel" href="tel:120">120</a>' in html


async def test_every_page_links_the_about_page_in_its_footer(client: httpx.AsyncClient) -> None:
    for path in ("/", "/guide", "/guide/illness_fever", "/chat", "/status", "/about", "/staff/login", "/nowhere"):
        foot = (await client.get(path)).text.split('<footer class="foot">', 1)[1]
        assert 'href="/about?lang=' in foot, path


async def test_unknown_page_is_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "没有找到这个页面" in response.text


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    assert (await client.delete("/guide")).status_code == 405


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="")
    key = secret_key(settings)
    assert len(key) >= 40 and secret_key(settings) == key
    assert (tmp_path / "web-secret.key").stat().st_mode & 0o077 == 0
    assert secret_key(Settings(data_dir=tmp_path, secret_key="given")) == "given"
