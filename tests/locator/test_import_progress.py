"""Import progress: the importer and the store report rows done; the CLI draws a bar on a terminal."""

from __future__ import annotations

import csv
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from locator.importer import read_file
from locator.store import load
from storage.database import Database

ROOT = Path(__file__).resolve().parents[2]


def registry_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["registry_id", "name", "district", "lat", "lon", "care_types", "registered"])
        for i in range(rows):
            writer.writerow([f"P-{i:06d}", f"进度测试托育{i}", "城关区", 36.0 + (i % 100) * 1e-3,
                             103.8 + (i // 100) * 1e-3, "全日托", "true"])
    return path


async def test_reader_and_store_report_rows_done(tmp_path: Path, database: Database) -> None:
    checked: list[tuple[int, int | None]] = []
    path = registry_csv(tmp_path / "r.csv", 4500)
    parsed = read_file(path, progress=lambda done, total: checked.append((done, total)))
    assert [d for d, _ in checked] == list(range(1, 4501)) and {t for _, t in checked} == {4500}
    written: list[tuple[int, int]] = []
    await load(database, parsed.rows, progress=lambda done, total: written.append((done, total)))
    assert written == [(2000, 4500), (4000, 4500), (4500, 4500)]  # one report per chunk written
    again: list[tuple[int, int]] = []
    await load(database, parsed.rows, progress=lambda done, total: again.append((done, total)))
    assert again == []  # nothing changed, nothing written


@pytest.mark.slow
def test_cli_draws_a_bar_on_a_terminal_and_stays_quiet_in_a_pipe(tmp_path: Path) -> None:
    data = registry_csv(tmp_path / "big.csv", 60000)  # long enough to outlast the bar's first refresh on a fast machine
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUOYU_")}
    env.update(TUOYU_DATA_DIR=str(tmp_path), TUOYU_DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}",
               TUOYU_DEMO_DATA="false", COLUMNS="100")
    command = [sys.executable, "-m", "bot", "facilities", "import", str(data), "--dry-run"]
    leader, follower = pty.openpty()
    try:
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=follower, cwd=ROOT, env=env, timeout=120)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    terminal = b"".join(chunks).decode()
    assert run.returncode == 0 and b"60000 valid" in run.stdout
    assert "\rchecking: [" in terminal and "rows/s" in terminal and "ETA" in terminal
    assert "checking: 60,000 rows in" in terminal and terminal.endswith("\n")
    piped = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert piped.returncode == 0 and "\r" not in piped.stderr and "[#" not in piped.stderr
