"""What both browser suites share: headless Chromium at phone size and a real `tuoyu serve` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 360, "height": 780}
ROOT = Path(__file__).parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], tmp: Path, port: int) -> Iterator[str]:
    """Run `tuoyu serve` until /healthz answers; yield its base URL; stop it afterwards."""
    log = (tmp / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("tuoyu serve did not come up")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skips when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def serve_env(tmp: Path, port: int, secret: str) -> dict[str, str]:
    """A test `tuoyu serve`'s environment: its own SQLite file and data directory, demo data, no TUOYU_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUOYU_")}
    env.update(TUOYU_DATA_DIR=str(tmp), TUOYU_DATABASE_URL=f"sqlite:///{tmp / 'browser.sqlite3'}",
               TUOYU_PUBLIC_URL=f"http://127.0.0.1:{port}", TUOYU_SECRET_KEY=secret,
               TUOYU_DEMO_DATA="true", PYTHONUNBUFFERED="1")
    return env


@contextmanager
def phone_page(browser: Any, server: str, timeout_ms: int | None = None,
               viewport: dict[str, int] | None = None) -> Iterator[Any]:
    """A page in a fresh phone-sized context; fails the test on any script error or CSP violation."""
    context = browser.new_context(viewport=viewport or PHONE, base_url=server, locale="zh-CN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    if timeout_ms is not None:
        context.set_default_timeout(timeout_ms)
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


def shot(page: Any, name: str, full: bool = True) -> None:
    """A screenshot in test-artifacts/ for people to review."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def fits_phone(page: Any) -> bool:
    """No horizontal scrolling at the phone's width."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
