"""Fit the answerability model on real parents' questions and report held-out-fold figures.

    python benchmarks/answerability.py [--write] [--folds 5] [--show N]

Rows come from ../shared/eval/real-dev.jsonl (never shipped). Folds keep rows of one source
together: a group is the source file plus the row's neighbourhood in it (rows copied from the
same stretch of a dataset land in the same fold). For each fold the model is fitted on the other
folds (coefficients, then the answer threshold that passes most training rows, then the ranking's
lexical weight), the engine answers the held-out rows with it, and `score_real.judge` scores the
replies; the held-out figures are the sum over folds. The ranking weights are chosen on those
training rows together with our own development set (tests/knowledge/dev_questions.jsonl: each answer row whose
topic's article ranks first counts one), since parents' real questions say little about the fine distinctions our
own sets test (陪产假 vs 产假). `--write` fits on every row and writes knowledge/data/answerability.yaml.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import itertools
import json
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine.engine import Engine  # noqa: E402
from bot.engine.types import Inbound, State  # noqa: E402
from bot.i18n import default_catalog  # noqa: E402
from bot.port import public_reply  # noqa: E402
from knowledge.answerability import FEATURES, Model  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.memo import Recent  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
OUT = ROOT / "knowledge" / "data" / "answerability.yaml"
LEXICAL_WEIGHTS = (0.0, 0.02, 0.05, 0.1)
CUE_WEIGHTS = (0.0, 0.01, 0.02, 0.03)
#: What one development-set row ranked right counts against one real training row passed.
DEV_SHARE = 0.5
#: L2 penalty of the logistic fit, on standardised features.
PENALTY = 1.0


def scorer():
    spec = importlib.util.spec_from_file_location("score_real", EVAL / "score_real.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def group_of(row: dict) -> str:
    source = row.get("source", "")
    head, _, tail = source.partition("#")
    number = re.search(r"\d+", tail)
    return f"{head}#{int(number.group()) // 1000 if number else 0}"


def folds(rows: Sequence[dict], k: int) -> list[int]:
    """Fold of each row: whole groups, largest first, each into the emptiest fold."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[group_of(row)].append(i)
    sizes, fold = [0] * k, [0] * len(rows)
    for members in sorted(groups.values(), key=len, reverse=True):
        target = sizes.index(min(sizes))
        for i in members:
            fold[i] = target
        sizes[target] += len(members)
    return fold


def fit_logistic(x: np.ndarray, y: np.ndarray, penalty: float = PENALTY) -> tuple[float, np.ndarray]:
    """Newton's method on standardised features; (intercept, coefficients) on the original scale."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    w = np.zeros(z.shape[1])
    reg = np.eye(z.shape[1]) * penalty
    reg[0, 0] = 0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + reg @ w
        hess = (z.T * (p * (1 - p))) @ z + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    coef = w[1:] / std
    return float(w[0] - (coef * mean).sum()), coef


class Study:
    """The engine and the rows, with each row's answerability signals under each lexical weight."""

    def __init__(self, rows: list[dict], dev: list[dict]) -> None:
        self.rows = rows
        self.dev = [r for r in dev if r["expect_kind"] == "answer" and r.get("topic")]
        self.kb = KnowledgeBase.load()
        self.engine = Engine(self.kb, default_catalog())
        self.judge = scorer().judge
        self.accept = scorer().ACCEPT
        self.signals: dict[tuple[float, float], list[tuple[np.ndarray, int] | None]] = {}
        self.dev_cache: dict[tuple[float, float], int] = {}

    def use(self, model: Model) -> None:
        self.kb.model = model
        self.kb._decided = Recent()

    def label(self, row: dict, article) -> int | None:
        """1 when the best article would pass the row, 0 when answering it fails; None for triage rows."""
        if row["expected"] == "urgent_refer":
            return None
        if row["expected"] == "decline_or_refer":
            return 0
        topics = {row["topic"]} | self.accept.get(row["topic"], set())
        text = "\n".join(str(v) for v in article.answer.values())
        ok = article.topic in topics and all(
            any(m.lower() in text.lower() for m in item.split("|")) for item in row.get("must_mention", []))
        return int(ok)

    def collect(self, weights: tuple[float, float]) -> list[tuple[np.ndarray, int] | None]:
        if weights not in self.signals:
            self.use(Model(0, {}, 1, 1, *weights))
            out: list[tuple[np.ndarray, int] | None] = []
            for row in self.rows:
                evidence = self.kb.evidence(row["text"])
                label = self.label(row, evidence.ranked[0].article) if evidence else None
                out.append(None if evidence is None or label is None else
                           (np.array([evidence.features[f] for f in FEATURES]), label))
            self.signals[weights] = out
        return self.signals[weights]

    def dev_hits(self, weights: tuple[float, float]) -> int:
        """Our development set's answer rows whose topic's article ranks first under these ranking weights."""
        self.use(Model(0, {}, 1, 1, *weights))
        firsts = [e.ranked[0].article.topic if (e := self.kb.evidence(r["text"])) else None for r in self.dev]
        return sum(1 for r, topic in zip(self.dev, firsts, strict=True) if topic == r["topic"])

    def fit(self, members: Sequence[int]) -> Model:
        """Ranking weights, coefficients and threshold that pass the most of `members` (and of the dev set)."""
        best: tuple[int, Model] | None = None
        for weights in itertools.product(LEXICAL_WEIGHTS, CUE_WEIGHTS):
            dev = self.dev_cache.setdefault(weights, self.dev_hits(weights))
            data = [self.collect(weights)[i] for i in members]
            kept = [(i, d) for i, d in zip(members, data, strict=True) if d is not None]
            x = np.array([d[0] for _, d in kept])
            y = np.array([d[1] for _, d in kept], dtype=float)
            intercept, coef = fit_logistic(x, y)
            chance = 1 / (1 + np.exp(-(intercept + x @ coef)))
            declines = np.array([self.rows[i]["expected"] in ("decline_or_refer", "answer_or_decline")
                                 for i, _ in kept])
            for threshold in np.arange(0.2, 0.81, 0.02):
                answered = chance >= threshold
                passed = int(((answered & (y == 1)) | (~answered & declines)).sum()) + DEV_SHARE * dev
                model = Model(intercept, dict(zip(FEATURES, map(float, coef), strict=True)),
                              round(float(threshold), 2), round(float(threshold), 2), *weights)
                if best is None or passed > best[0]:
                    best = (passed, model)
        assert best is not None
        return best[1]

    async def replies(self, members: Sequence[int]) -> dict[int, dict]:
        out = {}
        for i in members:
            replies, _ = await self.engine.handle(Inbound.message(self.rows[i]["text"]),
                                                  State(lang="zh", lang_set=False))
            out[i] = public_reply(replies)
        return out

    def score(self, replies: dict[int, dict]) -> dict[str, list[int]]:
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for i, reply in replies.items():
            group, ok = self.judge(self.rows[i], reply)
            groups[group][0] += ok
            groups[group][1] += 1
        return groups


def line(name: str, groups: dict[str, list[int]]) -> str:
    passed, total = sum(g[0] for g in groups.values()), sum(g[1] for g in groups.values())
    parts = ", ".join(f"{k} {groups[k][0]}/{groups[k][1]}" for k in ("answer", "urgent", "out_of_scope"))
    return f"{name}: {passed}/{total} ({100 * passed / total:.1f}%), {parts}"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="fit on every row and write the model file")
    parser.add_argument("--show", type=int, default=0, help="print this many held-out failures")
    parser.add_argument("--rows", default=str(EVAL / "real-dev.jsonl"))
    args = parser.parse_args()
    rows = [json.loads(x) for x in Path(args.rows).read_text(encoding="utf-8").splitlines() if x.strip()]
    dev = [json.loads(x) for x in (ROOT / "tests" / "knowledge" / "dev_questions.jsonl").read_text(
        encoding="utf-8").splitlines() if x.strip()]
    study = Study(rows, dev)
    fold = folds(rows, args.folds)
    held: dict[int, dict] = {}
    for k in range(args.folds):
        train = [i for i in range(len(rows)) if fold[i] != k]
        study.use(study.fit(train))
        held.update(await study.replies([i for i in range(len(rows)) if fold[i] == k]))
    print(line(f"held-out ({args.folds} folds by source)", study.score(held)))
    model = study.fit(range(len(rows)))
    study.use(model)
    print(line("whole set (fitted on all rows)", study.score(await study.replies(range(len(rows))))))
    shown = 0
    for i, reply in sorted(held.items()):
        if shown < args.show and not study.judge(rows[i], reply)[1]:
            shown += 1
            print(f"  {rows[i]['id']} [{rows[i]['expected']}/{rows[i]['topic']}] got {reply['kind']}/{reply['topic']}"
                  f" {reply.get('article')} {reply['score']}")
    if args.write:
        header = "# Fitted by benchmarks/answerability.py on real-dev (all rows); do not edit by hand.\n"
        OUT.write_text(header + yaml.safe_dump(model.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
