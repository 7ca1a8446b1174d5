"""Real `tuoyu telegram` processes against the fake Bot API: SIGKILL mid-conversation, SIGTERM drains."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.channels.telegram.conftest import SECRET
from tests.channels.telegram.fake_bot_api import TOKEN, FakeBotApi

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[3]
START_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the processes of this module, so the knowledge index cache is built once."""
    return tmp_path_factory.mktemp("data")


def env_for(fake: FakeBotApi, tmp_path: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUOYU_")}
    env.update(TUOYU_TELEGRAM_TOKEN=TOKEN, TUOYU_TELEGRAM_API_URL=fake.base_url, TUOYU_DATA_DIR=str(data_dir),
               TUOYU_DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}", TUOYU_DEMO_DATA="0",
               TUOYU_BOT_USERNAME="TuoyuTestBot", PTB_TIMEDELTA="1", PYTHONPATH=str(ROOT), **extra)
    return env


async def spawn(fake: FakeBotApi, env: dict[str, str], *args: str, ready: str) -> asyncio.subprocess.Process:
    """Start `tuoyu telegram ARGS` and wait for the call that shows it is up."""
    since = fake.mark()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "telegram", *args, env=env, cwd=ROOT,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        await fake.wait_for_call(ready, since=since, timeout=START_S)
    except AssertionError:
        proc.kill()
        raise AssertionError((await proc.communicate())[1].decode()[-2000:]) from None
    return proc


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


def button_data(call_params: dict) -> set[str]:
    return {b["callback_data"] for row in call_params["reply_markup"]["inline_keyboard"] for b in row}


async def test_sigkill_mid_conversation_then_restart_continues_and_sigterm_drains(fake: FakeBotApi, tmp_path: Path,
                                                                                  data_dir: Path) -> None:
    env = env_for(fake, tmp_path, data_dir)
    chat = 6006
    proc = await spawn(fake, env, ready="getUpdates")
    await fake.text(chat, "/find")
    await fake.wait_for_call("sendMessage")
    since = fake.mark()
    update_id = await fake.callback(chat, "f:t:full_day")
    age = await fake.wait_for_call("sendMessage", since=since)
    assert "f:a:any" in button_data(age.params)
    await fake.wait_for_call("getUpdates", lambda p: int(p.get("offset") or 0) > update_id, since=since)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()

    proc = await spawn(fake, env, ready="getUpdates")
    since = fake.mark()
    await fake.callback(chat, "f:a:any")  # the flow continues where the killed process left it
    keyboard = await fake.wait_for_call("sendMessage", lambda p: "keyboard" in (p.get("reply_markup") or {}),
                                        since=since)
    assert keyboard.params["reply_markup"]["keyboard"][0][0]["request_location"] is True

    fake.latency = 0.3  # replies are now slow: updates queue up inside the bot
    since = fake.mark()
    for n in range(6):
        await fake.text(7000 + n, "产假有多少天")
    await fake.wait_for_call("sendMessage", since=since)
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 20) == 0
    assert {int(c.params["chat_id"]) for c in fake.calls_of("sendMessage", since)} == set(range(7000, 7006))


async def test_webhook_sigterm_handles_requests_in_flight(fake: FakeBotApi, tmp_path: Path, data_dir: Path) -> None:
    port = free_port()
    env = env_for(fake, tmp_path, data_dir, TUOYU_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
                  TUOYU_WEBHOOK_SECRET=SECRET)
    proc = await spawn(fake, env, "--webhook", "--port", str(port), ready="setWebhook")
    await fake.text(8000, "/start")  # delivered (with retries) once uvicorn listens
    await fake.wait_for_call("sendMessage", timeout=START_S)
    fake.latency = 0.3
    since = fake.mark()
    for n in range(1, 7):
        await fake.text(8000 + n, "产假有多少天")
    await fake.wait_for_call("sendMessage", since=since)
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 20) == 0
    assert {int(c.params["chat_id"]) for c in fake.calls_of("sendMessage", since)} == set(range(8001, 8007))
    assert all(status == 200 for _, status in fake.deliveries if status)
