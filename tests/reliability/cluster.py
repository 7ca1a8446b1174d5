"""Real `tuoyu serve` processes on one PostgreSQL database, a fake Bot API beside them, and a web user.

Used by the reliability tests and by benchmarks/load.py. Each instance has its own port and data
directory and shares the database and the session-signing key, as instances behind nginx do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.database import Database

ROOT = Path(__file__).resolve().parents[2]
START_S = 60.0
WEBHOOK_SECRET = "reliability_secret-1"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin(url: str, statement: str) -> None:
    """Run one statement outside a transaction, on a thread of its own so that callers may have a loop running."""
    async def run() -> None:
        admin = Database(url)
        try:
            async with admin.engine.connect() as conn:
                await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text(statement))
        finally:
            await admin.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str = "tuoyu_rel") -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url`, dropped (even if in use) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tuoyu_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of one instance: this checkout, no TUOYU_* inherited, INFO logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUOYU_")}
    env.update({"TUOYU_DATABASE_URL": database_url, "TUOYU_DATA_DIR": str(data_dir), "TUOYU_SECRET_KEY": "rel-key",
                "TUOYU_DEMO_DATA": "0", "TUOYU_LOG_LEVEL": "INFO", "PTB_TIMEDELTA": "1", "PYTHONPATH": str(ROOT),
                **extra})
    return env


def migrate(database_url: str, data_dir: Path) -> None:
    """`tuoyu db upgrade`, as a deployment runs it before starting the instances."""
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=tuoyu_env(database_url, data_dir),
                   cwd=ROOT, check=True, capture_output=True, timeout=120)


@dataclass
class Instance:
    """One `tuoyu serve` process; its stdout and stderr go to `log`."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut or an OOM kill."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 20 s."""
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()


def spawn(database_url: str, folder: Path, count: int, env: Mapping[str, str] | None = None) -> list[Instance]:
    """Start `count` instances at once and wait until every one answers /healthz."""
    instances = []
    for n in range(count):
        data_dir = folder / f"instance{n}"
        data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        extra = {k: v.format(port=port) for k, v in (env or {}).items()}
        log = data_dir / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=ROOT,
                                    env=tuoyu_env(database_url, data_dir, **extra), stdout=out,
                                    stderr=subprocess.STDOUT)
        instances.append(Instance(f"i{n}", port, proc, log))
    try:
        for instance in instances:
            wait_healthy(instance)
    except BaseException:
        for instance in instances:
            instance.stop()
        raise
    return instances


def wait_healthy(instance: Instance, timeout: float = START_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not instance.alive():
            raise AssertionError(f"{instance.name} exited during start-up:\n{instance.logs()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{instance.base}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{instance.name} did not become healthy:\n{instance.logs()[-3000:]}")


class BotApiThread:
    """The fake Bot API of tests/channels/telegram on its own event loop in a thread, for every test to share."""

    def __init__(self) -> None:
        from tests.channels.telegram.fake_bot_api import FakeBotApi

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.fake = FakeBotApi()

    def __enter__(self) -> BotApiThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def env(self) -> dict[str, str]:
        """Instance settings for the Telegram webhook inside `tuoyu serve` (`{port}` is the instance's)."""
        from tests.channels.telegram.fake_bot_api import BOT, TOKEN

        return {"TUOYU_TELEGRAM_TOKEN": TOKEN, "TUOYU_TELEGRAM_API_URL": self.fake.base_url,
                "TUOYU_BOT_USERNAME": BOT["username"], "TUOYU_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "TUOYU_WEBHOOK_URL": "http://127.0.0.1:{port}/telegram/webhook"}

    def sent_to(self, chat: int) -> list[str]:
        return [str(c.params.get("text", "")) for c in list(self.fake.calls) if c.method == "sendMessage"
                and int(c.params.get("chat_id", 0)) == chat]


def text_update(update_id: int, chat: int, text_: str) -> dict[str, Any]:
    """A private-chat text message update as Telegram posts it."""
    user = {"id": chat, "is_bot": False, "first_name": f"U{chat}", "language_code": "zh-hans"}
    message: dict[str, Any] = {"message_id": update_id, "date": int(time.time()), "text": text_,
                               "chat": {"id": chat, "type": "private"}, "from": user}
    if text_.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text_.split(" ", 1)[0])}]
    return {"update_id": update_id, "message": message}


class WebUser:
    """One person in the web chat: a session id and a client address of their own (X-Forwarded-For)."""

    def __init__(self, http: httpx.AsyncClient, n: int) -> None:
        self.http = http
        self.session = f"user{n:05d}{uuid.uuid4().hex[:8]}"
        self.ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"

    async def post(self, instance: Instance, **body: Any) -> httpx.Response:
        return await self.http.post(f"{instance.base}/api/chat", json={"session": self.session, **body},
                                    headers={"X-Forwarded-For": self.ip})

    async def send(self, instance: Instance, **body: Any) -> dict[str, Any]:
        """POST /api/chat and return the reply object; anything but 200 fails the test."""
        response = await self.post(instance, **body)
        assert response.status_code == 200, (instance.name, body, response.status_code, response.text[:300])
        return dict(response.json())


def complaint_steps(facility: str) -> list[dict[str, str]]:
    """The complaint dialogue (anonymous path) about `facility`; the last reply carries the tracking number.

    Name each complainant's facility differently: a second complaint about the same one is offered support
    of the first instead.
    """
    return [{"text": "/complain"}, {"text": facility}, {"button": "c:dist:chengguan"},
            {"button": "c:cat:food_safety"}, {"text": "孩子中午吃的饭菜有异味，回家后腹泻。"},
            {"button": "c:when:yesterday"}, {"button": "c:photos:done"}, {"button": "c:contact:anon"},
            {"button": "c:ok"}]
