"""Resident memory of `tuoyu serve` with the sentence model loaded, before and after 1,000 chat questions.

Usage: python benchmarks/serve_memory.py [--questions 1000]
The server runs in its own process on a fresh SQLite database; questions are the distinct texts of our own
sets (tests/knowledge) and, when present beside the checkout, ../shared/eval, asked one after another over
POST /api/chat, each in a new session, so each is analysed (never-seen until the sets run out).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.web import free_port, wait_up  # noqa: E402

SETS = [ROOT / "tests" / "knowledge" / "dev_questions.jsonl", ROOT / "tests" / "knowledge" / "fresh_questions.jsonl",
        ROOT.parent / "shared" / "eval" / "real-dev.jsonl", ROOT.parent / "shared" / "eval" / "questions.jsonl"]


def texts() -> list[str]:
    found: list[str] = []
    for path in SETS:
        if path.exists():
            found += [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return list(dict.fromkeys(found))


def ask(base: str, session: str, text: str) -> float:
    body = json.dumps({"session": session, "text": text}).encode()
    request = urllib.request.Request(f"{base}/api/chat", body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "TUOYU_DATA_DIR": data, "TUOYU_SECRET_KEY": "bench", "TUOYU_LOG_LEVEL": "WARNING"}
        env.pop("TUOYU_DATABASE_URL", None)
        # `tuoyu serve` itself, with the per-client limits lifted (every question here comes from 127.0.0.1)
        proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "web.py"), "--serve", str(port)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_up(base, proc)
            server = psutil.Process(proc.pid)
            ask(base, "warm-up-session", "产假有多少天")
            before = server.memory_info().rss / 2**20
            pool = texts()
            times = [ask(base, f"memory-{i:05d}", pool[i % len(pool)]) for i in range(args.questions)]
            after = server.memory_info().rss / 2**20
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    times.sort()
    distinct = min(len(pool), args.questions)
    print(f"tuoyu serve RSS: {before:.0f} MB after start-up and one question, {after:.0f} MB after "
          f"{args.questions} questions ({distinct} distinct); request p50 {statistics.median(times):.0f} ms, "
          f"p99 {times[int(len(times) * 0.99) - 1]:.0f} ms")


if __name__ == "__main__":
    main()
