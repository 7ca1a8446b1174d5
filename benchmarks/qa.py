"""Retrieval quality and speed: lexical scorer comparison, self/leave-one-out retrieval, real questions
(answerability scores of right and wrong answers), latency for never-seen questions, cold start, RSS.

Usage: python benchmarks/qa.py [--quick]
Prints medians; nothing here is a pass/fail test (tests/ hold the correctness checks). Held-out-fold figures
on real questions come from benchmarks/answerability.py, which fits the model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.loader import load_articles  # noqa: E402
from knowledge.retrieval import Retriever, ScorerParams  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "questions.jsonl"
REAL = ROOT.parent / "shared" / "eval" / "real-dev.jsonl"
DEV = ROOT / "tests" / "knowledge" / "dev_questions.jsonl"


def self_and_loo(retriever: Retriever) -> tuple[float, float]:
    """Share of variants retrieving their own article, with and without themselves in the index."""
    own = loo = total = 0
    for doc_id, doc in enumerate(retriever.docs):
        article = retriever.articles[doc.article]
        if doc.text in article.title.values():
            continue  # titles are indexed but are not question variants
        target = article.id
        hits = retriever.search(doc.text, limit=1)
        own += bool(hits) and hits[0].article.id == target
        hits = retriever.search(doc.text, limit=1, exclude_doc=doc_id)
        loo += bool(hits) and hits[0].article.id == target
        total += 1
    return own / max(total, 1), loo / max(total, 1)


def topic_accuracy(retriever: Retriever, rows: list[dict]) -> float:
    """Share of answerable rows whose best article has the expected topic."""
    rows = [r for r in rows if r.get("expect_kind") == "answer"]
    good = sum(1 for r in rows if (h := retriever.search(r["text"], limit=1)) and h[0].article.topic == r["topic"])
    return good / max(len(rows), 1)


def load_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def compare_scorers(articles: list, rows: list[dict], dev: list[dict]) -> None:
    base = ScorerParams()
    variants = {
        "default": base,
        "bigrams only (no unigrams, no pinyin)": replace(base, unigrams=False, pinyin=False),
        "no pinyin": replace(base, pinyin=False),
        "no unigrams": replace(base, unigrams=False),
        "recall_power 0.4": replace(base, recall_power=0.4),
        "recall_power 0.8": replace(base, recall_power=0.8),
        "no article bag": replace(base, bag_weight=0.0),
        "bag 0.5": replace(base, bag_weight=0.5),
    }
    print(f"{'scorer':40s} {'self':>6s} {'loo':>6s} {'eval':>6s} {'dev':>6s}")
    for name, params in variants.items():
        retriever = Retriever(articles, params=params)
        own, loo = self_and_loo(retriever)
        print(f"{name:40s} {own:6.1%} {loo:6.1%} {topic_accuracy(retriever, rows):6.1%} "
              f"{topic_accuracy(retriever, dev):6.1%}")


def latency(kb: KnowledgeBase, questions: list[str]) -> dict[str, tuple[float, float]]:
    """(p50, p99) ms of `decide` for each question asked the first time (computed), then again (remembered)."""
    figures = {}
    for label in ("first time", "asked again"):
        times = []
        for q in questions:
            start = time.perf_counter()
            kb.decide(q)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        figures[label] = (statistics.median(times), times[int(len(times) * 0.99) - 1])
    return figures


def answer_scores(kb: KnowledgeBase, rows: list[dict]) -> None:
    """Quartiles of the answerability score for real questions whose best article is right, wrong, or out of scope."""
    from benchmarks.answerability import scorer

    accept = scorer().ACCEPT
    groups: dict[str, list[float]] = {"right article": [], "wrong article": [], "out of scope": []}
    for row in rows:
        if row["expected"] == "urgent_refer" or kb.intents.out_of_scope(row["text"]):
            continue
        evidence = kb.evidence(row["text"])
        if evidence is None:
            continue
        chance = kb.model.probability(evidence.features)
        if row["expected"] == "decline_or_refer":
            groups["out of scope"].append(chance)
        else:
            right = evidence.ranked[0].article.topic in {row["topic"]} | accept.get(row["topic"], set())
            groups["right article" if right else "wrong article"].append(chance)
    print(f"answerability on real questions (answer from {kb.model.answer_from}; rule-declined rows left out):")
    for name, values in groups.items():
        if values:
            q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
            above = sum(v >= kb.model.answer_from for v in values)
            print(f"  {name:14s} n={len(values):3d}  quartiles {q[0]:.2f} {q[1]:.2f} {q[2]:.2f}  answered {above}")


def cold_start(runs: int = 5) -> float:
    exe = ROOT / ".venv" / "bin" / "tuoyu"
    cmd = [str(exe) if exe.exists() else "tuoyu", "ask", "--json", "产假有多少天"]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env={**os.environ})
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the scorer comparison")
    args = parser.parse_args()
    articles, problems = load_articles()
    rows, dev = load_rows(EVAL), load_rows(DEV)
    print(f"{len(articles)} articles, {sum(len(v) for a in articles for v in a.questions.values())} variants, "
          f"{len(problems)} load problems; public rows {len(rows)}, dev rows {len(dev)}")
    if not args.quick:
        compare_scorers(articles, rows, dev)
    start = time.perf_counter()
    kb = KnowledgeBase(articles)
    print(f"index build: {(time.perf_counter() - start) * 1000:.0f} ms")
    real = load_rows(REAL)
    if real:
        answer_scores(kb, real)
    questions = [r["text"] for r in real + rows + dev] or ["产假有多少天"]
    print(f"embedding threads: {kb.encode.embedder.threads if hasattr(kb.encode.embedder, 'threads') else '?'}")
    for label, (p50, p99) in latency(kb, list(dict.fromkeys(questions))).items():
        print(f"in-process per question, {label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms (targets 30 / 150 ms)")
    print(f"tuoyu ask cold start median of 5: {cold_start():.2f} s (target 2.5 s)")
    print(f"peak RSS of this process: {psutil.Process().memory_info().rss / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
