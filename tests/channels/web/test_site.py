"""Landing, about, health check, security headers, error pages."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.bootstrap import Tuoyu
from bot.settings import Settings, secret_key
from storage.database import Database


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
