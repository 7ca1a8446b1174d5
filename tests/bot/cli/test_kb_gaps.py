"""`tuoyu kb gaps` ranks what fell back, most frequent first, with no chat identity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.bootstrap import build
from bot.engine.types import Inbound
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


async def test_gaps_rank_fallbacks(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, demo_data=False)
    app = await build(settings)
    try:
        for i, text in enumerate(["兰州明天天气怎么样"] * 3 + ["股票明天会涨吗", "产假有多少天"]):
            await app.conversations.process(f"web:s{i}", Inbound.message(text, channel="web"))
    finally:
        await app.close()
    env = {**os.environ, "TUOYU_DATA_DIR": str(tmp_path)}
    env.pop("TUOYU_DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-m", "bot", "kb", "gaps", "--json"], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    gaps = json.loads(run.stdout)
    assert gaps[0]["count"] == 3 and "天气" in gaps[0]["question"]
    assert all("web:" not in g["question"] for g in gaps)
