"""Staff password checks run off the event loop, bounded, and take as long for unknown names as for known ones."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Literal

import pytest
from argon2 import PasswordHasher

from complaints import passwords


class Recording(PasswordHasher):
    """The real hasher, noting which thread ran each check and how many ran at once."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[str] = set()
        self.running = self.most = 0
        self.lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.lock:
            self.threads.add(threading.current_thread().name)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


async def test_checks_run_in_the_bounded_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    recording = Recording()
    monkeypatch.setattr(passwords, "HASHER", recording)
    stored = recording.hash("right")
    results = await asyncio.gather(*(passwords.matches(stored, "wrong") for _ in range(6)),
                                   passwords.matches(stored, "right"))
    assert results == [False] * 6 + [True]
    assert all(name.startswith("argon2") for name in recording.threads)
    assert 1 <= recording.most <= passwords.WORKERS


async def test_unknown_name_costs_a_real_check() -> None:
    stored = await passwords.hashed("right")
    await passwords.matches(None, "warm-up")  # the dummy hash is made once
    start = time.perf_counter()
    assert not await passwords.matches(stored, "wrong")
    known = time.perf_counter() - start
    start = time.perf_counter()
    assert not await passwords.matches(None, "wrong")
    unknown = time.perf_counter() - start
    assert unknown > known / 3, (known, unknown)  # a skipped hash would be ~1000x faster
