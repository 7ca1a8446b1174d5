"""`tuoyu ask` keeps the contract: reply object fields, batch order and ids, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def tuoyu(*args: str, stdin: str = "", tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUOYU_DATA_DIR": str(tmp), "TUOYU_DEMO_DATA": "false"}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_ask_json_reply_object(tmp_path: Path) -> None:
    run = tuoyu("ask", "--json", "宝宝不喘气了怎么办", tmp=tmp_path)
    assert run.returncode == 0, run.stderr
    reply = json.loads(run.stdout)
    assert set(reply) >= {"kind", "article", "topic", "candidates", "text", "sources", "score"}
    assert reply["kind"] == "emergency" and "120" in reply["text"].splitlines()[0]
    assert 0 <= reply["score"] <= 1


def test_batch_keeps_order_ids_and_languages(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "text": "你好"},
        {"id": 2, "text": "My baby is not breathing", "lang": "en"},
        "not json",
        {"id": "c", "text": "股票明天会涨吗"},
    ]
    feed = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
    run = tuoyu("ask", "--json", "--batch", "-", stdin=feed + "\n", tmp=tmp_path)
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 2, None, "c"]
    assert out[0]["kind"] == "smalltalk"
    assert out[1]["kind"] == "emergency" and out[1]["text"].startswith("⚠️ Emergency")
    assert "error" in out[2]
    assert out[3]["kind"] == "fallback" and out[3]["article"] is None


@pytest.mark.parametrize("args", [("ask",), ("nosuchcommand",), ("kb",)])
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    run = tuoyu(*args, tmp=tmp_path)
    assert run.returncode == 2 and run.stderr and "Traceback" not in run.stderr


def test_failures_exit_1_with_one_line(tmp_path: Path) -> None:
    run = tuoyu("ask", "--batch", str(tmp_path / "missing.jsonl"), tmp=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_kb_list_json(tmp_path: Path) -> None:
    run = tuoyu("kb", "list", "--json", tmp=tmp_path)
    assert run.returncode == 0
    rows = json.loads(run.stdout)
    assert rows and set(rows[0]) == {"id", "topic", "title", "reviewed"}
