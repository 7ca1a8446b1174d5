"""Facility finder at national scale: import time and nearest-10 latency beside a brute-force scan.

Usage: python benchmarks/locator.py [--sizes 1000,100000,1000000] [--backends sqlite,postgresql]
                                    [--pg postgresql://postgres@127.0.0.1:5432/test] [--queries 300] [--brute N]
                                    [--cli N]
Synthetic facilities cluster around ~40 Chinese city centres (10 % scattered over the country). Every
brute-force query (every row measured with geopy's geodesic) is also checked for the same answer as the
indexed search. `--cli N` also times N queries through `tuoyu facilities near --json` (a new process each,
SQLite only) and checks each answer against the in-process one. Import is parse + check + write
(`--replace` into an empty table, in one transaction). Prints figures and the load average (the
machine may be shared); the correctness tests are in tests/locator. The 1M case needs about 3 GB of
memory and some minutes per backend.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from locator.geo import AREAS  # noqa: E402
from locator.importer import COLUMNS, parse  # noqa: E402
from locator.model import CARE_BITS  # noqa: E402
from locator.search import Filters, brute_force, close_reader, nearest  # noqa: E402
from locator.store import load  # noqa: E402
from storage.database import Database  # noqa: E402

# rough city centres (lat, lon, weight): enough to give dense clusters and empty countryside
CITIES = [(39.90, 116.40, 10), (31.23, 121.47, 10), (23.13, 113.26, 8), (22.54, 114.06, 8), (30.57, 104.07, 7),
          (29.56, 106.55, 7), (30.59, 114.31, 6), (34.34, 108.94, 5), (36.06, 103.83, 4), (38.04, 114.51, 4),
          (36.65, 117.12, 4), (34.75, 113.63, 5), (32.06, 118.80, 5), (30.27, 120.16, 6), (26.07, 119.30, 3),
          (28.23, 112.94, 4), (25.04, 102.71, 3), (26.65, 106.63, 3), (22.82, 108.37, 3), (20.04, 110.34, 2),
          (43.82, 125.32, 3), (45.80, 126.53, 3), (41.80, 123.43, 4), (40.84, 111.75, 2), (38.49, 106.23, 2),
          (36.62, 101.78, 2), (43.83, 87.62, 2), (29.65, 91.14, 1), (37.87, 112.55, 3), (31.82, 117.23, 4),
          (28.68, 115.86, 3), (39.13, 117.20, 5), (36.07, 120.38, 3), (24.48, 118.09, 2), (25.27, 110.29, 1),
          (27.99, 120.70, 2), (31.30, 120.58, 3), (35.28, 113.65, 1), (39.47, 75.99, 1), (24.80, 113.60, 1)]
CHINA = AREAS["china"]


def synthetic_csv(n: int, seed: int = 7) -> bytes:
    """n facility rows as a UTF-8 CSV registry file."""
    rng = random.Random(seed)
    weights = [w for *_, w in CITIES]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    codes = list(CARE_BITS)
    for i in range(n):
        if rng.random() < 0.1:
            lat, lon = rng.uniform(22, 45), rng.uniform(80, 125)
        else:
            clat, clon, _ = rng.choices(CITIES, weights)[0]
            lat, lon = rng.gauss(clat, 0.12), rng.gauss(clon, 0.15)
        care = ";".join(c for c in codes if rng.random() < 0.45) or "full_day"
        low = rng.choice((0, 6, 12, 18, 24))
        writer.writerow([f"B{i:07d}", f"机构{i}", "某区", f"{lat:.6f}", f"{lon:.6f}", care, "某路1号", "某街道",
                         rng.choice(("public", "inclusive", "private")), "", low, 36, 60, rng.randrange(0, 20),
                         "2026-10-01", "08:00-18:00", 1000, 2500, "0000", rng.random() < 0.9, "2024-01-01",
                         "2026-10-01", "benchmark", "false"])
    return out.getvalue().encode()


def query_points(count: int, seed: int) -> list[tuple[float, float, Filters]]:
    rng = random.Random(seed)
    weights = [w for *_, w in CITIES]
    points = []
    for _ in range(count):
        clat, clon, _ = rng.choices(CITIES, weights)[0]
        points.append((rng.gauss(clat, 0.08), rng.gauss(clon, 0.1), Filters(care_type=rng.choice(list(CARE_BITS)))))
    return points


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def open_db(backend: str, pg_url: str, workdir: Path) -> tuple[Database, str | None]:
    if backend == "sqlite":
        return Database(f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"), None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = Database(pg_url)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    return Database(pg_url, schema=schema), schema


async def drop(pg_url: str, schema: str) -> None:
    admin = Database(pg_url)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


async def run(backend: str, size: int, data: bytes, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    db, schema = await open_db(backend, args.pg, workdir)
    try:
        await db.upgrade()
        started = time.perf_counter()
        parsed = parse(data, "csv", area=CHINA)
        parsed_at = time.perf_counter()
        await load(db, parsed.rows, replace=True)  # on PostgreSQL this includes ANALYZE for a big load
        loaded_at = time.perf_counter()
        points = query_points(args.queries, seed=size)
        for lat, lon, f in points[:20]:  # warm the caches and the connection pool
            await nearest(db, lat, lon, f, limit=10)
        timings = []
        for lat, lon, f in points:
            t0 = time.perf_counter()
            await nearest(db, lat, lon, f, limit=10)
            timings.append((time.perf_counter() - t0) * 1000)
        brute_n = args.brute or max(5, min(30, 3_000_000 // max(size, 1)))
        brute_ms, mismatches = [], 0
        for lat, lon, f in points[:brute_n]:
            t0 = time.perf_counter()
            reference = await brute_force(db, lat, lon, f, limit=10)
            brute_ms.append((time.perf_counter() - t0) * 1000)
            found = await nearest(db, lat, lon, f, limit=10)
            mismatches += [(h.distance_m, h.facility.registry_id) for h in found.hits] != reference
        result = {"parse_s": parsed_at - started, "load_s": loaded_at - parsed_at, "import_s": loaded_at - started,
                  "rows": len(parsed.rows), "median_ms": statistics.median(timings), "p99_ms": pct(timings, 0.99),
                  "brute_median_ms": statistics.median(brute_ms), "brute_checked": brute_n,
                  "mismatches": mismatches}
        if args.cli and backend == "sqlite":
            result.update(await cli_timings(db, points[:args.cli]))
        return result
    finally:
        await close_reader(db)
        await db.dispose()
        if schema:
            await drop(args.pg, schema)


async def cli_timings(db: Database, points: list[tuple[float, float, Filters]]) -> dict[str, float]:
    """Wall time of `tuoyu facilities near` (process start included) and whether it answers as in-process."""
    env = {**os.environ, "TUOYU_DATABASE_URL": db.url, "TUOYU_DEMO_DATA": "false"}
    timings, mismatches = [], 0
    for lat, lon, f in points:
        argv = [sys.executable, "-m", "bot", "facilities", "near", repr(lat), repr(lon), "--limit", "10", "--json",
                "--registered-only"]
        if f.care_type:
            argv += ["--type", f.care_type]
        t0 = time.perf_counter()
        out = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=True, text=True).stdout
        timings.append((time.perf_counter() - t0) * 1000)
        found = await nearest(db, lat, lon, f, limit=10)
        mismatches += [c["id"] for c in json.loads(out)] != [h.facility.registry_id for h in found.hits]
    return {"cli_median_ms": statistics.median(timings), "cli_p99_ms": pct(timings, 0.99),
            "cli_checked": len(points), "cli_mismatches": mismatches}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default=os.environ.get("TUOYU_DATABASE_URL", "")
                        or "postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--brute", type=int, default=0,
                        help="queries also run as a brute-force scan and compared (default: 30, fewer when large)")
    parser.add_argument("--cli", type=int, default=0, help="queries also timed through `tuoyu facilities near`")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{'backend':<11}{'rows':>9}{'import s':>10}{'(parse':>8}{'load)':>8}{'near-10 med ms':>16}"
          f"{'p99 ms':>9}{'brute med ms':>14}{'checked':>9}{'equal':>7}{'load avg':>10}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            data = synthetic_csv(size)
            for backend in args.backends.split(","):
                r = await run(backend, size, data, args, Path(tmp))
                equal = "yes" if not r["mismatches"] else f"NO({int(r['mismatches'])})"
                print(f"{backend:<11}{int(r['rows']):>9}{r['import_s']:>10.1f}{r['parse_s']:>8.1f}{r['load_s']:>8.1f}"
                      f"{r['median_ms']:>16.2f}{r['p99_ms']:>9.2f}{r['brute_median_ms']:>14.1f}"
                      f"{int(r['brute_checked']):>9}{equal:>7}{os.getloadavg()[0]:>10.2f}", flush=True)
                if "cli_median_ms" in r:
                    same = "yes" if not r["cli_mismatches"] else f"NO({int(r['cli_mismatches'])})"
                    print(f"  through `tuoyu facilities near` ({int(r['cli_checked'])} queries, a process each): "
                          f"median {r['cli_median_ms']:.0f} ms, p99 {r['cli_p99_ms']:.0f} ms, same answer: {same}",
                          flush=True)


if __name__ == "__main__":
    asyncio.run(main())
