"""Should the best article be given as the answer? A calibrated probability from a few signals.

No single score separates right answers from wrong ones: a question can resemble an article by
its words yet be about an adult, or share nothing lexically and still be the same question. A
logistic model over the signals below, fitted on real parents' questions with cross-validation
(`benchmarks/answerability.py`, coefficients in `data/answerability.yaml`), gives the chance that
the best article answers the question; the engine answers above one threshold and declines or
offers choices below it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from knowledge.normalize import load_yaml

#: The signals, in the order of the fitted coefficients.
FEATURES = (
    "semantic",  # cosine of the question and the best article's closest text
    "semantic_gap",  # how far the best article stands above the best article of another topic
    "lexical",  # the lexical score of that article (0 when lexical retrieval did not find it)
    "lexical_best",  # the best lexical score of any article
    "agree",  # 1 when lexical and semantic retrieval put the same article first
    "out_of_scope_gap",  # cosine to the closest out-of-scope example minus the best article's cosine
    "known",  # share of the question's weighted features that the knowledge base has at all
    "child",  # 1 when the question names a baby, child or an age in months
    "long",  # log of the question's length in characters
)

_CHILD = re.compile(
    r"宝宝|孩子|婴儿|婴幼儿|新生儿|小孩|小儿|娃|幼儿|儿子|女儿|闺女|小朋友|小宝|宝贝|[0-9一二两三四五六七八九十]+个?多?月|"
    r"满月|百天|周岁|[0-3一二两三]岁|托育|托儿|baby|babies|infant|toddler|newborn|child|kid|daughter|son\b|month"
)


def mentions_child(text: str) -> bool:
    return bool(_CHILD.search(text.lower()))


@dataclass(frozen=True)
class Model:
    """Logistic regression: P(answer) = sigmoid(intercept + Σ coefficient · feature)."""

    intercept: float
    coefficients: Mapping[str, float]
    answer_from: float  # answer at or above this probability
    clarify_from: float  # offer choices at or above this (when the choices are plausible), else decline
    lexical_weight: float  # ranking: semantic cosine + this × lexical score
    cue_weight: float  # ranking: + this for articles of a topic the question's words name (data/topic_cues.yaml)

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(self.coefficients.get(name, 0.0) * features[name] for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    @cache
    def default(cls) -> Model:
        return cls.from_dict(load_yaml("answerability.yaml"))

    @classmethod
    def from_dict(cls, raw: Mapping) -> Model:
        return cls(float(raw["intercept"]), {k: float(v) for k, v in raw["coefficients"].items()},
                   float(raw["answer_from"]), float(raw["clarify_from"]), float(raw["lexical_weight"]),
                   float(raw["cue_weight"]))

    def to_dict(self) -> dict:
        return {"intercept": self.intercept, "coefficients": dict(self.coefficients),
                "answer_from": self.answer_from, "clarify_from": self.clarify_from,
                "lexical_weight": self.lexical_weight, "cue_weight": self.cue_weight}
