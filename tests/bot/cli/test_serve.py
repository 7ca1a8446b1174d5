"""`tuoyu serve --host/--port`: links and QR codes point at the server as started when TUOYU_PUBLIC_URL is unset."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.cli import build_parser
from bot.cli.serve import with_public_url
from bot.settings import Settings
from tests.browser_support import ROOT, free_port

ARTICLE = "feeding_formula_prep"


@pytest.mark.parametrize("host, port, url", [
    ("127.0.0.1", 9123, "http://127.0.0.1:9123"),
    ("localhost", 8000, "http://localhost:8000"),
    ("192.168.1.20", 80, "http://192.168.1.20"),
    ("::1", 9123, "http://[::1]:9123"),
    ("0.0.0.0", 9123, "http://127.0.0.1:9123"),  # a browser cannot open 0.0.0.0
    ("::", 9123, "http://127.0.0.1:9123"),
])
def test_the_public_url_is_the_server_as_started(host: str, port: int, url: str) -> None:
    assert with_public_url(Settings(), host, port, env={}).public_url == url


def test_a_configured_public_url_wins() -> None:
    settings = Settings(public_url="https://tuoyu.example")
    assert with_public_url(settings, "0.0.0.0", 9123, env={"TUOYU_PUBLIC_URL": "https://tuoyu.example"}) is settings


def test_every_interface_says_how_to_name_the_public_address(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        with_public_url(Settings(), "0.0.0.0", 9123, env={})
    assert "TUOYU_PUBLIC_URL" in caplog.text and "0.0.0.0" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        with_public_url(Settings(), "127.0.0.1", 9123, env={})
    assert caplog.text == ""


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1"])
def test_a_port_that_is_not_one_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        build_parser().parse_args(["serve", "--port", port])
    assert usage.value.code == 2 and "not a port number" in capsys.readouterr().err


@pytest.mark.slow
def test_answers_and_posters_link_to_the_port_served(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUOYU_")}
    env.update(TUOYU_DATA_DIR=str(tmp_path), TUOYU_DEMO_DATA="false", PYTHONUNBUFFERED="1")
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "0.0.0.0", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        poster = httpx.get(f"{base}/guide/{ARTICLE}/poster", timeout=30).text
        assert f'id="web-url">{base}/guide/{ARTICLE}' in poster
        reply = httpx.post(f"{base}/api/chat", json={"session": "portlinks01", "text": "奶粉怎么冲才正确"},
                           timeout=30).json()
        assert reply["kind"] == "answer" and f"{base}/guide/{reply['article']}" in reply["text"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    logged = (tmp_path / "serve.log").read_text()
    assert "TUOYU_PUBLIC_URL" in logged and "Traceback" not in logged
