"""Bursts over real HTTP on loopback: tries are reserved before the check, across two app instances.

Each app runs under uvicorn on 127.0.0.1 (no lifespan: the background jobs stay off). Clients bind their own
127.0.0.x source address where a test needs many addresses.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from bot.bootstrap import Tuoyu, build
from bot.channels.web.app import create_app
from bot.settings import Settings
from complaints import passwords
from complaints import tracking as tn
from complaints.service import PIN_TRIES
from complaints.views import Filed
from storage.database import Database
from tests.bot.helpers import fixture_kb
from tests.channels.web.conftest import CSRF


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """The app under uvicorn on a free loopback port; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    """Count calls of owner.name (a list, one entry per call)."""
    calls: list[int] = []
    real: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(owner, name, counted)
    return calls


async def healthz_while(base: str, busy: asyncio.Future[Any]) -> list[float]:
    """/healthz latencies (ms), one request every 10 ms until `busy` is done."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base) as probe:
        while not busy.done():
            start = time.perf_counter()
            assert (await probe.get("/healthz")).status_code == 200
            latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.01)
    return latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98] if len(values) > 2 else max(values)


async def test_fifty_simultaneous_wrong_passwords_check_at_most_five(tuoyu: Tuoyu, filed: Filed,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    checks = counting(monkeypatch, passwords, "_matches")
    async with served(create_app(tuoyu.channel)) as base, httpx.AsyncClient(base_url=base) as client:
        token = CSRF.search((await client.get("/staff/login")).text).group(1)  # type: ignore[union-attr]
        form = {"name": "wang", "password": "wrong", "csrf": token}
        burst = asyncio.gather(*(client.post("/staff/login", data=form) for _ in range(50)))
        latencies = await healthz_while(base, burst)
        codes = [r.status_code for r in await burst]
    print(f"\n50 logins: {len(checks)} checked; /healthz p99 {p99(latencies):.1f} ms, max {max(latencies):.1f} ms "
          f"over {len(latencies)}")
    assert len(checks) <= 5 and codes.count(400) == len(checks) and codes.count(429) == 50 - len(checks)


async def test_a_hundred_wrong_pins_from_a_hundred_addresses_on_two_instances_check_at_most_five(
        tuoyu: Tuoyu, filed: Filed, database: Database, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    compared = counting(monkeypatch, tn, "pin_matches")
    second_db = Database(database.url, schema=database.schema)
    second = await build(replace(settings, bot_username="TestTuoyuBot"), migrate=False, kb=fixture_kb(),
                         db=second_db)
    wrong = "000000" if filed.pin != "000000" else "111111"
    try:
        async with served(create_app(tuoyu.channel)) as one, served(create_app(second.channel)) as two:
            clients = [httpx.AsyncClient(base_url=(one, two)[n % 2],
                                         transport=httpx.AsyncHTTPTransport(local_address=f"127.0.0.{n + 2}"))
                       for n in range(100)]
            try:
                tokens = [CSRF.search((await c.get("/status")).text).group(1)  # type: ignore[union-attr]
                          for c in clients]
                responses = await asyncio.gather(*(
                    c.post("/status", data={"tracking": filed.tracking, "pin": wrong, "csrf": token})
                    for c, token in zip(clients, tokens, strict=True)))
            finally:
                await asyncio.gather(*(c.aclose() for c in clients))
    finally:
        await second.close()
    codes = [r.status_code for r in responses]
    print(f"\n100 PINs over two instances: {len(compared)} compared")
    assert len(compared) <= PIN_TRIES and codes.count(400) == len(compared)
    assert codes.count(429) == 100 - len(compared)
