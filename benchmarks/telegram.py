"""Telegram throughput: the whole Tuoyu stack (PTB → engine → database) beside a bare PTB echo bot.

The fake Bot API runs in this process; each bot runs in a child process so its CPU time and RSS are
its own. For polling and webhook, at 0 ms and 50 ms simulated Bot API latency, N text updates over
100 chats are injected at once; the clock stops at the N-th sendMessage. Medians of --runs.

    python benchmarks/telegram.py [--updates 1000] [--runs 3] [--rss-updates 5000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
# This file is named telegram.py: keep its folder off the path so `import telegram` finds the library.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks")]

from tests.channels.telegram.fake_bot_api import TOKEN, FakeBotApi  # noqa: E402

CHATS = 100
SECRET = "bench_secret"
IN_FLIGHT = int(os.environ.get("BENCH_IN_FLIGHT", "16"))  # Tuoyu's default; --in-flight sets it for both bots
CONNECTIONS = int(os.environ.get("BENCH_WEBHOOK_CONNECTIONS", "20"))  # webhook max_connections, both bots
QUESTIONS = ["产假有多少天", "乙肝疫苗什么时候打", "宝宝发烧怎么办", "百白破疫苗什么时候打", "宝宝几个月开始加辅食",
             "育儿补贴怎么领", "宝宝晚上总是醒", "疫苗打完发烧怎么办", "新生儿黄疸", "How long is maternity leave?"]


# ---- the bots (child processes) ---------------------------------------------------------------

def limiter() -> Any:
    """The flood limiter both bots use: Tuoyu's retries, but Telegram's ~30 msg/s overall cap off, since
    that cap (not either bot) would otherwise be what is measured."""
    from telegram.ext import AIORateLimiter

    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


async def echo_bot(mode: str, port: int) -> None:
    """A bare PTB echo bot with the same concurrency, flood limiter, transport, pool and webhook
    `max_connections` as Tuoyu: PTB polling, or PTB's custom-webhook example (queue.put).
    `--echo-transport httpx` gives it stock PTB's httpx transport instead."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text)  # type: ignore[union-attr]

    builder = (ApplicationBuilder().token(TOKEN).base_url(os.environ["TUOYU_TELEGRAM_API_URL"])
               .concurrent_updates(IN_FLIGHT).rate_limiter(limiter()))
    if os.environ.get("BENCH_ECHO_TRANSPORT") == "httpx":  # stock PTB
        builder = builder.connection_pool_size(IN_FLIGHT * 2)
    else:  # Tuoyu's transport, so that the ratio measures what Tuoyu adds on top of it
        from bot.channels.telegram.request import AiohttpRequest

        builder = builder.request(AiohttpRequest(IN_FLIGHT * 2)).get_updates_request(AiohttpRequest(1))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))

    async def webhook(request: Request) -> Response:
        await app.update_queue.put(Update.de_json(await request.json(), app.bot))
        return Response()

    async with app:
        await app.start()
        if mode == "polling":
            stop = asyncio.Event()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            assert app.updater is not None
            await app.updater.start_polling(timeout=30)
            await stop.wait()
            await app.updater.stop()
        else:
            await app.bot.set_webhook(os.environ["TUOYU_WEBHOOK_URL"], secret_token=SECRET,
                                      max_connections=CONNECTIONS)
            asgi = Starlette(routes=[Route("/telegram/webhook", webhook, methods=["POST"])])
            await uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="warning")).serve()
        await app.stop()


async def tuoyu_bot(mode: str, port: int) -> None:
    """Tuoyu's own runtime (bootstrap, per-chat processor, webhook ledger), with the same flood limiter as the echo."""
    from bot.bootstrap import running
    from bot.channels.telegram.app import build_application
    from bot.channels.telegram.runtime import run_polling, serve_webhook

    async with running() as tuoyu:
        app = build_application(tuoyu.channel, webhook=mode == "webhook", rate_limiter=limiter(), in_flight=IN_FLIGHT)
        if mode == "polling":
            await run_polling(tuoyu.channel, app=app)
        else:
            await serve_webhook(tuoyu.channel, host="127.0.0.1", port=port, app=app,
                                max_connections=CONNECTIONS)


# ---- the driver --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Child:
    """One bot process and the fake server it talks to."""

    def __init__(self, bot: str, mode: str, data_dir: Path) -> None:
        self.bot, self.mode, self.data_dir = bot, mode, data_dir
        self.fake = FakeBotApi()
        self.port = free_port()
        self.proc: asyncio.subprocess.Process | None = None
        self.sent = 0

    async def start(self) -> None:
        await self.fake.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TUOYU_")}
        env.update(TUOYU_TELEGRAM_TOKEN=TOKEN, TUOYU_TELEGRAM_API_URL=self.fake.base_url, PTB_TIMEDELTA="1",
                   TUOYU_DATA_DIR=str(self.data_dir), TUOYU_DEMO_DATA="0", PYTHONPATH=str(ROOT),
                   TUOYU_DATABASE_URL=f"sqlite:///{self.data_dir / f'{self.bot}-{self.mode}.sqlite3'}",
                   TUOYU_WEBHOOK_URL=f"http://127.0.0.1:{self.port}/telegram/webhook", TUOYU_WEBHOOK_SECRET=SECRET)
        self.proc = await asyncio.create_subprocess_exec(sys.executable, __file__, "--child", self.bot, self.mode,
                                                         str(self.port), env=env, cwd=ROOT)
        ready = "getUpdates" if self.mode == "polling" else "setWebhook"
        while not self.fake.calls_of(ready):
            if self.proc.returncode is not None:
                raise RuntimeError(f"the {self.bot} bot exited with status {self.proc.returncode}")
            await asyncio.sleep(0.1)
        self.fake.count_only = True
        await self.run(CHATS, 0.0)  # warm-up: every chat once, and the webhook server is listening

    async def run(self, n: int, latency: float) -> dict[str, float]:
        """Inject n updates at once; updates/s and child CPU ms per update until the n-th reply."""
        assert self.proc is not None
        self.fake.latency = latency
        process = psutil.Process(self.proc.pid)
        driver = psutil.Process()
        cpu0, driver0, t0 = sum(process.cpu_times()[:2]), sum(driver.cpu_times()[:2]), time.perf_counter()
        for i in range(n):
            await self.fake.text(1 + i % CHATS, QUESTIONS[i % len(QUESTIONS)])
        self.sent += n
        await self.fake.wait_for_counted("sendMessage", self.sent, timeout=600)
        elapsed, cpu = time.perf_counter() - t0, sum(process.cpu_times()[:2]) - cpu0
        driver_cpu = sum(driver.cpu_times()[:2]) - driver0
        return {"updates_per_s": n / elapsed, "cpu_ms_per_update": cpu * 1000 / n,
                "fake_api_cpu_ms_per_update": driver_cpu * 1000 / n,
                "rss_mb": process.memory_info().rss / 2**20}

    async def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
        await self.fake.stop()


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    """Both bots run side by side and take turns (alternating who goes first), so drifting load on a
    shared machine hits them alike; the ratio is the median of the per-turn ratios."""
    results: dict[str, Any] = {"updates": args.updates, "runs": args.runs, "chats": CHATS, "in_flight": args.in_flight,
                               "loop": args.loop, "echo_transport": args.echo_transport,
                               "webhook_max_connections": int(os.environ["BENCH_WEBHOOK_CONNECTIONS"]),
                               "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes:
            children = {bot: Child(bot, mode, Path(tmp)) for bot in args.bots}
            try:
                for child in children.values():
                    await child.start()
                for latency in (0.0, 0.05):
                    ms = int(latency * 1000)
                    runs: dict[str, list[dict[str, float]]] = {bot: [] for bot in children}
                    for turn in range(args.runs):
                        order = list(children) if turn % 2 == 0 else list(reversed(children))
                        for bot in order:
                            runs[bot].append(await children[bot].run(args.updates, latency))
                    for bot, measured in runs.items():
                        results[f"{bot}/{mode}/{ms}ms"] = median(measured)
                        print(f"{bot:6s} {mode:8s} {ms:3d} ms  {median(measured)}", file=sys.stderr)
                    if len(runs) == 2:
                        ratios = [t["updates_per_s"] / e["updates_per_s"] for t, e in zip(runs["tuoyu"], runs["echo"],
                                                                                           strict=True)]
                        results[f"ratio/{mode}/{ms}ms"] = round(statistics.median(ratios), 2)
                        print(f"ratio  {mode:8s} {ms:3d} ms  {[round(r, 2) for r in ratios]}", file=sys.stderr)
                if mode == "polling":
                    for bot, child in children.items():
                        remaining = args.rss_updates - child.sent
                        if remaining > 0:
                            await child.run(remaining, 0.0)
                        rss = psutil.Process(child.proc.pid).memory_info().rss / 2**20  # type: ignore[union-attr]
                        results[f"{bot}/rss_mb_after_{child.sent}"] = round(rss, 1)
                        print(f"{bot:6s} RSS after {child.sent} updates: {rss:.1f} MB", file=sys.stderr)
            finally:
                for child in children.values():
                    await child.stop()
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rss-updates", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--modes", nargs="+", choices=("polling", "webhook"), default=["polling", "webhook"])
    parser.add_argument("--in-flight", type=int, default=IN_FLIGHT,
                        help="updates handled at once by each bot (also its pool size / 2; webhook max_connections "
                             "is a quarter more)")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="both bots' event loop (uvloop: what tuoyu serve and tuoyu telegram run on)")
    parser.add_argument("--echo-transport", choices=("aiohttp", "httpx"), default="aiohttp",
                        help="the echo bot's Bot API transport: Tuoyu's (default) or stock PTB's httpx")
    parser.add_argument("--bots", nargs="+", choices=("echo", "tuoyu"), default=["echo", "tuoyu"])
    parser.add_argument("--profile", metavar="DIR", help="write each bot's cProfile stats to DIR/<bot>-<mode>.prof")
    parser.add_argument("--child", nargs=3, metavar=("BOT", "MODE", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        bot, mode, port = args.child
        run = (echo_bot if bot == "echo" else tuoyu_bot)(mode, int(port))
        runner: Any = asyncio.run
        if os.environ.get("BENCH_UVLOOP"):
            import uvloop

            runner = uvloop.run
        profile_dir = os.environ.get("BENCH_PROFILE_DIR")
        if not profile_dir:
            runner(run)
            return 0
        import cProfile

        with cProfile.Profile() as profiler:
            runner(run)
        profiler.dump_stats(Path(profile_dir) / f"{bot}-{mode}.prof")
        return 0
    from bot.channels.telegram.runtime import webhook_connections

    os.environ["BENCH_IN_FLIGHT"] = str(args.in_flight)  # the children read these
    os.environ["BENCH_WEBHOOK_CONNECTIONS"] = str(webhook_connections(args.in_flight))
    if args.loop == "uvloop":
        os.environ["BENCH_UVLOOP"] = "1"
    os.environ["BENCH_ECHO_TRANSPORT"] = args.echo_transport
    if args.profile:
        os.environ["BENCH_PROFILE_DIR"] = str(Path(args.profile).resolve())
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    results = asyncio.run(bench(args))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:32s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
