"""A probe of danger signs as parents type them, and ordinary questions that use the same words.

tests/knowledge/emergency_probe.jsonl: one {"text", "expect", "sign"} a line, all our own phrasings
(search-engine queries, forum posts, typos, homophones, dialect, odd number formats, English), none
taken from an evaluation file. `expect` is the least tier the sign needs: "call" (phone 120/110 now),
"doctor" (a hospital now; a "call" reply is accepted too), "crisis" (a parent at risk), or "none" (an
ordinary question: a fever with the child well, prevention, a definition, an adult's own illness, a
past event that resolved). Rows with sign "fresh" were written after the rules were first widened,
to check that the mechanisms, not the sentences, were fixed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.emergency import EmergencyDetector

ROWS = [json.loads(line) for line in
        Path(__file__).with_name("emergency_probe.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
DANGER = [r for r in ROWS if r["expect"] != "none"]
ORDINARY = [r["text"] for r in ROWS if r["expect"] == "none"]


@pytest.fixture(scope="module")
def detector() -> EmergencyDetector:
    return EmergencyDetector.default()


def test_the_probe_is_broad() -> None:
    assert len(DANGER) >= 200 and len(ORDINARY) >= 150
    assert len({r["sign"] for r in DANGER}) >= 25
    english = sum(r["text"].isascii() for r in DANGER) / len(DANGER)
    assert 0.15 <= english <= 0.35, english


@pytest.mark.parametrize("row", DANGER, ids=lambda r: f"{r['sign']}:{r['text'][:30]}")
def test_every_danger_sign_is_caught_at_its_tier(detector: EmergencyDetector, row: dict) -> None:
    found = detector.detect(row["text"])
    assert found is not None, row["text"]
    if row["expect"] == "crisis":
        assert found.tier == "crisis", (row["text"], found)
    elif row["expect"] == "call":
        assert found.tier == "call", (row["text"], found)
    else:
        assert found.tier in ("doctor", "call"), (row["text"], found)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_questions_on_the_same_words_are_not_emergencies(detector: EmergencyDetector, text: str) -> None:
    assert detector.detect(text) is None, (text, detector.detect(text))
