"""How long a chat reply is on a phone: every article rendered as the engine renders it, in zh and en.

Usage: python benchmarks/reply_length.py [--ages 2,24] [--worst N]
Each article is opened the way a tapped button or `tuoyu ask` opens it (the engine's `a:<id>` path),
in a fresh chat of that language. Prints median, p90 and max of the reply's characters (and, for zh,
its Chinese characters); `--ages` repeats the count with a child's age (months) known to the chat.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine.engine import CHILD_AGE, Engine  # noqa: E402
from bot.engine.types import Inbound, InboundKind, State  # noqa: E402
from bot.i18n import default_catalog  # noqa: E402
from bot.settings import Settings  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402

HAN = re.compile(r"[\u3400-\u9fff]")


def engine() -> Engine:
    """The engine as `tuoyu ask` builds it (flows aside: an article button never reaches one)."""
    return Engine(KnowledgeBase.load(), default_catalog(), public_url=Settings.from_env().public_url)


async def replies(eng: Engine, lang: str, age: int | None) -> dict[str, str]:
    """Article id → the text a parent reads after opening it."""
    out = {}
    for article_id in sorted(eng.kb.articles):
        state = State(lang=lang, lang_set=True)
        if age is not None:
            state.memory[CHILD_AGE] = age
        got, _ = await eng.handle(Inbound(InboundKind.BUTTON, text=f"a:{article_id}"), state)
        out[article_id] = "\n\n".join(r.text for r in got)
    return out


def p90(values: list[int]) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def line(label: str, values: list[int]) -> str:
    return f"  {label:<22} median {statistics.median(values):>6.0f}   p90 {p90(values):>5}   max {max(values):>5}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ages", default="", help="comma-separated child ages in months to repeat the count with")
    parser.add_argument("--worst", type=int, default=3, help="list the N longest zh replies")
    args = parser.parse_args()
    eng = engine()
    ages: list[int | None] = [None, *(int(a) for a in args.ages.split(",") if a.strip())]
    print(f"{len(eng.kb.articles)} articles")
    for age in ages:
        print(f"child's age: {'not known' if age is None else f'{age} months'}")
        for lang in ("zh", "en"):
            texts = await replies(eng, lang, age)
            print(line(f"{lang} characters", [len(t) for t in texts.values()]))
            if lang == "zh":
                han = {a: len(HAN.findall(t)) for a, t in texts.items()}
                print(line("zh Chinese characters", list(han.values())))
                worst = sorted(han.items(), key=lambda kv: -kv[1])[: args.worst]
                print("  longest: " + ", ".join(f"{a} {n}" for a, n in worst))
            else:
                words = [len(t.split()) for t in texts.values()]
                print(line("en words", words))


if __name__ == "__main__":
    asyncio.run(main())
