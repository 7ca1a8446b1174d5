"""`tuoyu complaints` and `tuoyu staff` as an operator runs them (subprocess, SQLite file)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from storage.database import Database
from tests.complaints.support import file, service

pytestmark = pytest.mark.slow


def tuoyu(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"TUOYU_DATABASE_URL": f"sqlite:///{db_path}", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=60)


def test_staff_handle_a_complaint_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "ops.sqlite3"
    assert tuoyu(path, "staff", "add", "li", "--office", "market_regulation.chengguan", "--password", "pw",
                 "--telegram-chat", "555").returncode == 0
    assert tuoyu(path, "staff", "add", "wu", "--office", "market_regulation.qilihe").returncode == 0
    assert tuoyu(path, "staff", "add", "x", "--office", "nowhere").returncode == 1

    async def seed() -> str:
        db = Database(f"sqlite:///{path}")
        try:
            return (await file(service(db), chat_key="console:parent")).tracking
        finally:
            await db.dispose()

    tracking = asyncio.run(seed())
    listed = json.loads(tuoyu(path, "complaints", "list", "--as", "li", "--json").stdout)
    assert [c["tracking"] for c in listed] == [tracking]
    assert tuoyu(path, "complaints", "list", "--as", "wu", "--json").stdout.strip() == "[]"
    assert tracking in tuoyu(path, "complaints", "list").stdout
    shown = tuoyu(path, "complaints", "show", tracking, "--as", "li")
    assert shown.returncode == 0 and "13912345678" in shown.stdout
    denied = tuoyu(path, "complaints", "show", tracking, "--as", "wu")
    assert denied.returncode == 1 and "Forbidden" in denied.stderr and "13912345678" not in denied.stdout
    bad = tuoyu(path, "complaints", "update", tracking, "--status", "resolved", "--as", "li")
    assert bad.returncode == 1 and "InvalidTransition" in bad.stderr
    assert tuoyu(path, "complaints", "update", tracking, "--status", "accepted", "--note", "已受理",
                 "--as", "li").returncode == 0
    delivered = tuoyu(path, "complaints", "deliver", "--once")
    assert delivered.returncode == 0 and "[console:parent]" in delivered.stdout
    notes = tuoyu(path, "complaints", "notifications", "--chat", "console:parent").stdout
    assert "已受理" in notes and "sent" in notes
    assert "telegram:555" in tuoyu(path, "complaints", "notifications").stdout, "no Telegram here: it waits"
    assert tuoyu(path, "complaints", "escalate").stdout.startswith("escalated 0")
    assert "0 closed" in tuoyu(path, "complaints", "purge", "--days", "1").stdout
