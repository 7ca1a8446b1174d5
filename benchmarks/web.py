"""Web throughput and latency: POST /api/chat and GET /guide/{article}, 50 concurrent sessions on loopback.

Usage: python benchmarks/web.py [--duration 30] [--rounds 3] [--concurrency 50] [--rate 300]
The server (`--serve`, the same app as `tuoyu serve` with the per-client rate limits lifted, since every
session here comes from 127.0.0.1) runs in a separate process on a fresh SQLite database (or
TUOYU_DATABASE_URL). Two measurements per route, each `--rounds` times, medians printed:
- capacity: every session sends its next request as soon as the last one is answered (closed loop);
- latency at `--rate`: the sessions send on a fixed schedule totalling `--rate` req/s (open loop), and
  latency counts from the scheduled send time, so a slow server cannot hide its queue.
Chat questions (`--questions`): `common`, ten short questions every parent asks, or `held-out`, the 634
distinct questions of tests/knowledge (dev and fresh sets, ~44 characters each: what parents really type),
which cost retrieval about four times as much. The server remembers the analysis of its last 2048 short texts
(knowledge/memo.py), so repeated questions cost little; `--cold` turns that memory off in the server, so every
message pays the emergency rules, intents and retrieval, as a stream of all-new questions would.
Targets: ≥ 300 req/s, p99 ≤ 100 ms, 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = ["产假有多少天", "奶粉怎么冲才正确", "宝宝几个月加辅食", "育儿补贴怎么领", "宝宝晚上总是醒怎么办",
             "打疫苗前要注意什么", "宝宝发烧38度怎么办", "托育机构怎么选", "护理假有几天", "你好"]
GRACE_S = 5.0  # the open loop stops this long after the deadline even if requests are still scheduled
ARTICLES = ["feeding_formula_prep", "feeding_solids_start_6m", "sleep_night_waking", "vaccine_hepb"]
HELD_OUT = [ROOT / "tests" / "knowledge" / f"{name}_questions.jsonl" for name in ("dev", "fresh")]


def questions(kind: str) -> list[str]:
    """The chat texts to send: the common ten, or every held-out question (none is an indexed variant)."""
    if kind == "common":
        return QUESTIONS
    return [json.loads(line)["text"] for path in HELD_OUT for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@dataclass
class Round:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0  # seconds of server CPU (user + system) spent in the round
    client_cpu: float = 0.0  # the load generator's own CPU: near one core means the client is the limit
    scheduled: int = 0  # open loop: requests due within the round
    failures: Counter[str] = field(default_factory=Counter)  # what the errors were: HTTP status or exception

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.server_cpu / self.requests * 1000 if self.requests else float("nan")

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def worker(http: aiohttp.ClientSession, base: str, kind: str, n: int, stop: float, out: Round,
                 interval: float | None, texts: list[str]) -> None:
    """One session until the deadline: back to back, or every `interval` seconds from a staggered start."""
    session = f"bench{n:04d}{os.getpid()}"
    i = n * max(1, len(texts) // 50)  # sessions start at different places in the list
    due = time.perf_counter() + (interval * n / 50 if interval else 0.0)
    while True:
        i += 1
        if interval:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            started, due = due, due + interval
        else:
            started = time.perf_counter()
        if started >= stop or time.perf_counter() >= stop + GRACE_S:
            return  # an overloaded server leaves scheduled requests unsent: reported as "sent x of y"
        try:
            if kind == "chat":
                body = {"session": session, "text": texts[i % len(texts)]}
                async with http.post(f"{base}/api/chat", json=body) as response:
                    await response.read()
            else:
                async with http.get(f"{base}/guide/{ARTICLES[i % len(ARTICLES)]}") as response:
                    await response.read()
            failure = None if response.status == 200 else str(response.status)
        except aiohttp.ClientError as exc:
            failure = type(exc).__name__
        out.latencies.append(time.perf_counter() - started)
        out.requests += 1
        if failure:
            out.errors += 1
            out.failures[failure] += 1


async def run_round(base: str, kind: str, concurrency: int, duration: float, rate: float | None = None,
                    texts: list[str] = QUESTIONS) -> Round:
    """One measurement; `rate` None is the closed loop, else the open loop at that total rate."""
    result = Round(0, 0, duration, [], scheduled=int(rate * duration) if rate else 0)
    interval = concurrency / rate if rate else None
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        stop = time.perf_counter() + duration
        started = time.perf_counter()
        await asyncio.gather(*(worker(http, base, kind, n, stop, result, interval, texts)
                               for n in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def serve(port: int, cold: bool) -> None:
    """The benchmark's server process: `tuoyu serve` itself, with per-client limits lifted (and with `cold`,
    nothing remembered)."""
    from bot.channels.web.security import Limits
    from bot.cli.serve import run_loop, serve
    from knowledge import memo

    if cold:
        memo.UP_TO = -1  # no text is short enough to be remembered
    unlimited = Limits(chat_burst=10**9, chat_per_s=10**9, chat_ip_burst=10**9, chat_ip_per_s=10**9)
    run_loop(serve("127.0.0.1", port, unlimited))


def measured(server: psutil.Process, base: str, kind: str, args: argparse.Namespace, rate: float | None) -> Round:
    """One round, with the server process's CPU time over it."""
    before, client_before = server.cpu_times(), time.process_time()
    result = asyncio.run(run_round(base, kind, args.concurrency, args.duration, rate, questions(args.questions)))
    after = server.cpu_times()
    result.server_cpu = (after.user - before.user) + (after.system - before.system)
    result.client_cpu = time.process_time() - client_before
    return result


def report(name: str, rounds: list[Round]) -> None:
    for n, r in enumerate(rounds, 1):
        print(f"  {name} round {n}: {r.rps:7.1f} req/s  p50 {r.pct(0.5):6.1f} ms  p99 {r.pct(0.99):6.1f} ms  "
              f"errors {r.errors}/{r.requests}  server CPU {r.cpu_ms:.2f} ms/request  "
              f"client CPU {r.client_cpu / r.seconds:.0%} of a core"
              + (f"  sent {r.requests} of {r.scheduled}" if r.scheduled else "")
              + (f"  failures {dict(r.failures)}" if r.failures else ""))
    print(f"{name} median: {statistics.median(r.rps for r in rounds):7.1f} req/s  "
          f"p50 {statistics.median(r.pct(0.5) for r in rounds):6.1f} ms  "
          f"p99 {statistics.median(r.pct(0.99) for r in rounds):6.1f} ms  "
          f"errors {sum(r.errors for r in rounds)}  "
          f"server CPU {statistics.median(r.cpu_ms for r in rounds):.2f} ms/request",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rate", type=float, default=300.0, help="total req/s of the open-loop latency run")
    parser.add_argument("--only", choices=("chat", "guide"), help="measure one route")
    parser.add_argument("--questions", choices=("common", "held-out"), default="common",
                        help="chat texts: the ten common questions, or the 634 distinct held-out ones")
    parser.add_argument("--cold", action="store_true",
                        help="the server remembers no text's analysis: every message computed afresh")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.cold)
        return
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "TUOYU_DATA_DIR": tmp, "TUOYU_SECRET_KEY": "bench", "TUOYU_LOG_LEVEL": "WARNING"}
        proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), *(["--cold"] if args.cold else [])],
                                env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_up(base, proc)
            server = psutil.Process(proc.pid)
            print(f"server pid {proc.pid}, {args.concurrency} concurrent sessions, {args.duration:.0f} s rounds, "
                  f"chat questions: {args.questions} ({len(questions(args.questions))} distinct"
                  f"{', server memory of texts off' if args.cold else ''}), "
                  f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            for name, kind in (("/api/chat", "chat"), ("/guide/{article}", "guide")):
                if args.only and args.only != kind:
                    continue
                asyncio.run(run_round(base, kind, args.concurrency, 3.0, texts=questions(args.questions)))  # warm-up
                for label, rate in (("capacity", None), (f"at {args.rate:.0f} req/s", args.rate)):
                    rounds = [measured(server, base, kind, args, rate) for _ in range(args.rounds)]
                    report(f"{name} {label}", rounds)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
