"""`tuoyu … | head -1`: a reader that stops early ends the command quietly, as other Unix tools end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SIGPIPE_STATUS = 141  # 128 + SIGPIPE: what a shell reports for `yes | head -1`'s writer


def closed_reader(tmp: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `tuoyu ARGS` with its stdout a pipe whose reader has already gone (`head -1` after its line)."""
    read, write = os.pipe()
    os.close(read)
    env = {**os.environ, "TUOYU_DATA_DIR": str(tmp), "TUOYU_DEMO_DATA": "false"}
    try:
        return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, stdout=write,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env, timeout=120)
    finally:
        os.close(write)


@pytest.mark.parametrize("args, stdin", [
    (("ask", "宝宝发烧怎么办"), ""),
    (("ask", "--json", "--batch", "-"),
     "".join(json.dumps({"id": n, "text": "宝宝发烧怎么办"}, ensure_ascii=False) + "\n" for n in range(3))),
    (("kb", "list"), ""),
])
def test_a_reader_that_left_ends_it_quietly(tmp_path: Path, args: tuple[str, ...], stdin: str) -> None:
    run = closed_reader(tmp_path, *args, stdin=stdin)
    assert run.stderr.strip() == "" and run.returncode == SIGPIPE_STATUS, run.stderr


def test_head_reads_its_line(tmp_path: Path) -> None:
    env = {**os.environ, "TUOYU_DATA_DIR": str(tmp_path), "TUOYU_DEMO_DATA": "false", "PYTHON": sys.executable}
    feed = "".join(json.dumps({"id": n, "text": "你好"}) + "\n" for n in range(50))
    run = subprocess.run(["bash", "-o", "pipefail", "-c", '"$PYTHON" -m bot ask --json --batch - | head -1'],
                         input=feed, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert json.loads(run.stdout)["id"] == 0
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr
    assert run.returncode in (0, SIGPIPE_STATUS)  # 0 when all 50 replies fitted in the pipe before head left
