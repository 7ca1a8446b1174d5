"""Rank articles for a question: each article is its question variants, title and keywords.

Score of an article = blend of (a) the best single variant, scored by how much of the variant
the question covers and how much of the question the variant explains, and (b) how much of the
question the article's whole vocabulary explains. Weights are inverse article frequency times a
weight per feature kind. The constants were chosen with `benchmarks/qa.py` (leave-one-out over
every variant plus the public question set), not guessed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.features import Featurizer, is_pinyin, weight_of_kind
from knowledge.model import Article
from knowledge.normalize import Normalizer

#: Share of the maximum weight an unknown feature of each kind adds to the question's weight.
UNKNOWN_SHARE = {"t": 1.0, "w": 0.5, "b": 0.15}


@dataclass(frozen=True)
class ScorerParams:
    """Tunable constants of the ranking (see `benchmarks/qa.py`)."""

    recall_power: float = 0.6  # how much a variant must be covered by the question
    bag_weight: float = 0.6  # share of the article-vocabulary score in the blend
    pinyin: bool = True
    unigrams: bool = True


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float
    variant: str


@dataclass
class _Doc:
    article: int
    text: str
    feats: frozenset[str]
    weight: float = 0.0


class Retriever:
    """An in-memory index over the articles; build once per process, query many times."""

    def __init__(self, articles: Sequence[Article], normalizer: Normalizer | None = None,
                 params: ScorerParams | None = None, extra_terms: Iterable[str] = ()) -> None:
        self.articles = list(articles)
        self.normalize = normalizer or Normalizer.default()
        self.params = params or ScorerParams()
        terms = set(self.normalize.synonyms.mapping.values()) | {self.normalize.content(t) for t in extra_terms}
        for article in self.articles:
            for words in article.keywords.values():
                terms.update(self.normalize.content(w) for w in words)
        self.featurize = Featurizer(terms, pinyin=self.params.pinyin)
        self.docs: list[_Doc] = []
        self.keyword_feats: list[frozenset[str]] = []
        bags: list[set[str]] = [set() for _ in self.articles]
        for index, article in enumerate(self.articles):
            for text in self._texts(article):
                feats = self._features(self.normalize.content(text))
                if feats:
                    self.docs.append(_Doc(index, text, frozenset(feats)))
                    bags[index] |= feats
            keyword_feats: set[str] = set()
            for words in article.keywords.values():
                for word in words:
                    keyword_feats |= self._features(self.normalize.content(word))
            bags[index] |= keyword_feats
            self.keyword_feats.append(frozenset(keyword_feats))
        df: dict[str, int] = defaultdict(int)
        for bag in bags:
            for feat in bag:
                df[feat] += 1
        n = len(self.articles) or 1
        self.weights = {f: weight_of_kind(f) * math.log(1 + n / c) for f, c in df.items()}
        self.max_idf = math.log(1 + n)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for doc_id, doc in enumerate(self.docs):
            doc.weight = self._weight(doc.feats)
            for feat in doc.feats:
                self.postings[feat].append(doc_id)
        self.bag_postings: dict[str, list[int]] = defaultdict(list)
        for index, bag in enumerate(bags):
            for feat in bag:
                self.bag_postings[feat].append(index)

    @staticmethod
    def _texts(article: Article) -> list[str]:
        texts = [q for qs in article.questions.values() for q in qs]
        texts += [t for t in article.title.values() if t]
        return texts

    def unknown_weight(self, feature: str) -> float:
        """Weight of a feature no article has: full for domain terms and words, small for bigrams."""
        share = UNKNOWN_SHARE.get(feature[0], 0.0)
        if feature.startswith("w:") and is_pinyin(feature[2:]):
            share = 0.0  # typed pinyin is matched through its p: features
        return share * weight_of_kind(feature) * self.max_idf

    def _features(self, normalized: str) -> set[str]:
        feats = self.featurize(normalized)
        if not self.params.unigrams:
            feats = {f for f in feats if not f.startswith("u:")}
        return feats

    def _weight(self, feats: Iterable[str]) -> float:
        return sum(self.weights.get(f, 0.0) for f in feats)

    def search(self, text: str, limit: int = 5, exclude_doc: int | None = None) -> list[Hit]:
        """Best articles for `text`, highest score first; scores lie between 0 and 1."""
        query = self._features(self.normalize.content(text))
        known = {f: self.weights[f] for f in query if f in self.weights}
        if not known:
            return []
        # Words no article has still count against every article: an unknown domain term
        # (育儿假 with no article on it) must lower confidence, not vanish from the question.
        q_weight = sum(known.values()) + sum(self.unknown_weight(f) for f in query if f not in known)
        overlap: dict[int, float] = defaultdict(float)
        for feat, weight in known.items():
            for doc_id in self.postings.get(feat, ()):
                overlap[doc_id] += weight
        best: dict[int, tuple[float, int]] = {}
        power = self.params.recall_power
        for doc_id, common in overlap.items():
            if doc_id == exclude_doc:
                continue
            doc = self.docs[doc_id]
            recall = common / doc.weight
            precision = common / q_weight
            score = recall**power * precision ** (1 - power)
            if score > best.get(doc.article, (0.0, -1))[0]:
                best[doc.article] = (score, doc_id)
        bag_overlap: dict[int, float] = defaultdict(float)
        for feat, weight in known.items():
            for index in self.bag_postings.get(feat, ()):
                bag_overlap[index] += weight
        if exclude_doc is not None:  # leave-one-out: the held-out variant's words leave its bag too
            held = self.docs[exclude_doc].article
            rest = set(self.keyword_feats[held])
            for i, d in enumerate(self.docs):
                if d.article == held and i != exclude_doc:
                    rest |= d.feats
            bag_overlap[held] = sum(w for f, w in known.items() if f in rest)
        share = self.params.bag_weight
        hits = []
        for index, (score, doc_id) in best.items():
            bag_precision = bag_overlap[index] / q_weight
            blended = (1 - share) * score + share * bag_precision * min(1.0, score * 2)
            hits.append(Hit(self.articles[index], round(blended, 4), self.docs[doc_id].text))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:limit]
