"""The public question set, our development set and the held-out fresh set, through the real engine.

Scored like shared/eval/score.py: the reply kind must match and every must_mention item must
appear (any of its `|` alternatives). Every emergency row must pass.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.engine.types import Inbound, State
from bot.i18n import default_catalog
from bot.port import public_reply
from knowledge.base import KnowledgeBase

HERE = Path(__file__).parent
PUBLIC = HERE.parents[2] / "shared" / "eval" / "questions.jsonl"
DEV = HERE / "dev_questions.jsonl"
#: Written like real parents' messages and never used to set cut-offs: a generalisation check.
FRESH = HERE / "fresh_questions.jsonl"


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def passes(row: dict, reply: dict) -> bool:
    facts = all(any(fold(alt) in fold(reply["text"]) for alt in item.split("|")) for item in row["must_mention"])
    return reply["kind"] == row["expect_kind"] and facts


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(KnowledgeBase.load(), default_catalog())


async def run(engine: Engine, path: Path) -> tuple[float, list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    failed_emergencies, passed = [], 0
    for row in rows:
        lang = row.get("lang") or "zh"
        replies, _ = await engine.handle(Inbound.message(row["text"]), State(lang=lang, lang_set=True))
        ok = passes(row, public_reply(replies))
        passed += ok
        if row["expect_kind"] == "emergency" and not ok:
            failed_emergencies.append(row["id"])
    return passed / len(rows), failed_emergencies


async def test_public_set(engine: Engine) -> None:
    if not PUBLIC.exists():
        pytest.skip("shared/eval is not beside this checkout")
    share, missed = await run(engine, PUBLIC)
    assert not missed, f"emergencies missed: {missed}"
    assert share >= 0.95


async def test_development_set(engine: Engine) -> None:
    share, missed = await run(engine, DEV)
    assert not missed, f"emergencies missed: {missed}"
    assert share >= 0.85


async def test_fresh_set(engine: Engine) -> None:
    """Every emergency in the held-out set is caught, and the set as a whole keeps passing.

    254/258 (98%) at the last retrieval change; the floor leaves room for an article or
    cut-off change elsewhere, not for losing a class of questions.
    """
    share, missed = await run(engine, FRESH)
    assert not missed, f"emergencies missed: {missed}"
    assert share >= 0.95
