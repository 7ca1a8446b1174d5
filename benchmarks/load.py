"""Sustained mixed load on real `tuoyu serve` instances sharing one PostgreSQL database, two beside one.

Usage: python benchmarks/load.py [--seconds 60] [--users 50] [--think 0.5] [--instances 2,1]
Needs PostgreSQL (TUOYU_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test); each run gets a fresh
database with the demo facilities. Every simulated parent has a session and a client address of their own
(X-Forwarded-For, as nginx sets it), pauses `--think` seconds between requests (so stays under the per-client
rate limit, as a person does) and picks tasks 70% question, 20% facility finder (type, age, location), 10%
complaint (the whole nine-step dialogue); requests go round-robin over the instances, as nginx sends them.
Reported per run: requests, throughput, p50/p99 latency, errors (anything but 200; must be 0), and each
instance's peak RSS. Figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.cluster import Instance, WebUser, complaint_steps, fresh_database, migrate, spawn  # noqa: E402

QUESTIONS = ["产假有多少天", "宝宝几个月加辅食", "育儿补贴怎么领", "宝宝晚上总是醒怎么办", "打疫苗前要注意什么",
             "宝宝发烧38度怎么办", "托育机构怎么选", "护理假有几天", "婴幼儿照护个税扣除多少",
             "how long is maternity leave", "1岁半宝宝体检查什么", "宝宝便秘怎么办"]
FINDER = [{"text": "/find"}, {"button": "f:t:full_day"}, {"button": "f:a:any"},
          {"location": {"lat": 36.0611, "lon": 103.8343}}]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tasks: dict[str, int] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    def summary(self, label: str) -> dict[str, object]:
        n = len(self.latencies) + len(self.errors)
        return {"run": label, "requests": n, "req_per_s": round(n / self.seconds, 1), "p50_ms": round(self.pct(0.5), 1),
                "p99_ms": round(self.pct(0.99), 1), "errors": len(self.errors), "tasks": self.tasks,
                "peak_rss_mb": self.rss_mb}


async def parent(n: int, http: httpx.AsyncClient, pick: itertools.cycle, deadline: float, think: float,
                 result: Result) -> None:
    """One simulated parent: tasks until the deadline, a pause between requests."""
    rng = random.Random(n)
    user = WebUser(http, n)
    await asyncio.sleep(rng.random() * think)  # staggered start
    while time.monotonic() < deadline:
        roll = rng.random()
        task = "question" if roll < 0.7 else "finder" if roll < 0.9 else "complaint"
        steps = ([{"text": rng.choice(QUESTIONS)}] if task == "question" else FINDER if task == "finder"
                 else complaint_steps(f"压测第{user.session}-{rng.randrange(10**6)}号托育中心"))
        result.tasks[task] = result.tasks.get(task, 0) + 1
        for body in steps:
            instance: Instance = next(pick)
            started = time.perf_counter()
            try:
                response = await user.post(instance, **body)
                ok = response.status_code == 200
                detail = f"{instance.name} {response.status_code} {response.text[:120]}"
            except httpx.HTTPError as exc:
                ok, detail = False, f"{instance.name} {type(exc).__name__}"
            if ok:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors.append(detail)
            await asyncio.sleep(think)


async def sample_rss(instances: list[Instance], result: Result, stop: asyncio.Event) -> None:
    processes = {i.name: psutil.Process(i.proc.pid) for i in instances}
    while not stop.is_set():
        for name, proc in processes.items():
            result.rss_mb[name] = max(result.rss_mb.get(name, 0.0), round(proc.memory_info().rss / 2**20, 1))
        await asyncio.sleep(1.0)


async def drive(instances: list[Instance], args: argparse.Namespace) -> Result:
    result = Result()
    limits = httpx.Limits(max_connections=args.users, keepalive_expiry=1.0)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        warm = WebUser(http, 0)
        for instance in instances:  # first requests load caches; not measured
            for question in QUESTIONS:
                await warm.post(instance, text=question)
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(instances, result, stop))
        pick = itertools.cycle(instances)
        started = time.monotonic()
        await asyncio.gather(*[parent(n + 1, http, pick, started + args.seconds, args.think, result)
                               for n in range(args.users)])
        result.seconds = time.monotonic() - started
        stop.set()
        await sampler
    return result


def run(count: int, args: argparse.Namespace) -> dict[str, object]:
    """A fresh database, `count` instances, the load, and the figures."""
    with fresh_database(args.database_url, prefix="tuoyu_load") as url, tempfile.TemporaryDirectory() as tmp:
        migrate(url, Path(tmp))
        instances = spawn(url, Path(tmp), count, {"TUOYU_DEMO_DATA": "1", "TUOYU_LOG_LEVEL": "WARNING"})
        try:
            result = asyncio.run(drive(instances, args))
        finally:
            for instance in instances:
                instance.stop()
    summary = result.summary(f"{count} instance{'s' if count > 1 else ''}")
    if result.errors:
        summary["first_errors"] = result.errors[:5]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=50, help="simulated parents at once")
    parser.add_argument("--think", type=float, default=0.5, help="pause between one parent's requests (s)")
    parser.add_argument("--instances", default="2,1", help="instance counts to run, in order")
    parser.add_argument("--database-url", default=os.environ.get("TUOYU_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("load.py needs PostgreSQL: several instances cannot share an SQLite file")
    print(f"{args.users} parents, {args.think:g} s think time, {args.seconds:g} s per run, "
          f"{psutil.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    failed = False
    for count in (int(c) for c in args.instances.split(",")):
        summary = run(count, args)
        failed = failed or bool(summary["errors"])
        print(f"{summary['run']:>12}: {summary['requests']} requests  {summary['req_per_s']} req/s  "
              f"p50 {summary['p50_ms']} ms  p99 {summary['p99_ms']} ms  errors {summary['errors']}  "
              f"peak RSS {summary['peak_rss_mb']} MB  tasks {summary['tasks']}", flush=True)
        print(json.dumps(summary, ensure_ascii=False), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
