"""Rank articles for a question: each article is its question variants, title and keywords.

Score of an article = blend of (a) the best single variant, scored by how much of the variant
the question covers and how much of the question the variant explains, and (b) how much of the
question the article's whole vocabulary explains. Weights are inverse article frequency times a
weight per feature kind. The constants were chosen with `benchmarks/qa.py` (leave-one-out over
every variant plus the public question set), not guessed.
"""

from __future__ import annotations

import heapq
import math
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter

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
    """One indexed text, as `Retriever.docs` lists it (built on demand; the index itself is arrays)."""

    article: int
    text: str
    feats: frozenset[str]
    weight: float = 0.0


def _csr(rows: Sequence[Iterable[int]]) -> tuple[array[int], array[int]]:
    """Rows of ints as (offsets, values): row i is values[offsets[i]:offsets[i + 1]]."""
    offsets, values = array("I", [0]), array("I")
    for row in rows:
        values.extend(row)
        offsets.append(len(values))
    return offsets, values


class Retriever:
    """An in-memory index over the articles; build once per process, query many times.

    Features are numbered (`vocab`); documents, postings and weights are flat arrays, which keeps
    the index a few megabytes smaller than sets and lists of strings and makes the cache quick to load.
    """

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
        vocab: dict[str, int] = {}

        def number(feats: Iterable[str]) -> list[int]:
            return sorted(vocab.setdefault(sys.intern(f), len(vocab)) for f in feats)

        doc_article, doc_feats, texts = array("I"), [], []
        keyword_feats: list[list[int]] = []
        bags: list[set[int]] = [set() for _ in self.articles]
        for index, article in enumerate(self.articles):
            for text in self._texts(article):
                feats = number(self._features(self.normalize.content(text)))
                if feats:
                    doc_article.append(index)
                    doc_feats.append(feats)
                    texts.append(text)
                    bags[index].update(feats)
            words = [w for ws in article.keywords.values() for w in ws]
            keyword_feats.append(number({f for w in words for f in self._features(self.normalize.content(w))}))
            bags[index].update(keyword_feats[-1])
        df = [0] * len(vocab)
        for bag in bags:
            for feat in bag:
                df[feat] += 1
        n = len(self.articles) or 1
        self.vocab = vocab  # feature -> id; every feature of some article, so df >= 1
        self.weights = array("d", (weight_of_kind(f) * math.log(1 + n / df[i]) for f, i in vocab.items()))
        self.max_idf = math.log(1 + n)
        self.doc_article, self.doc_text = doc_article, texts
        self.doc_feat_offsets, self.doc_feat_ids = _csr(doc_feats)
        self.doc_weight = array("d", (sum(self.weights[f] for f in feats) for feats in doc_feats))
        # recall**p * precision**(1-p) == common * doc_weight**-p * q_weight**(p-1): one product per document
        self.doc_factor = array("d", (w ** -self.params.recall_power for w in self.doc_weight))
        self.keyword_offsets, self.keyword_ids = _csr(keyword_feats)
        postings: list[list[int]] = [[] for _ in vocab]
        for doc_id, feats in enumerate(doc_feats):
            for feat in feats:
                postings[feat].append(doc_id)
        self.post_offsets, self.post_docs = _csr(postings)
        bag_postings: list[list[int]] = [[] for _ in vocab]
        for index, bag in enumerate(bags):
            for feat in sorted(bag):
                bag_postings[feat].append(index)
        self.bag_offsets, self.bag_articles = _csr(bag_postings)

    @property
    def docs(self) -> list[_Doc]:
        """Every indexed text with its article index, features and weight (for `benchmarks/qa.py`)."""
        names = list(self.vocab)
        return [_Doc(self.doc_article[d], self.doc_text[d], frozenset(names[f] for f in self._doc_feats(d)),
                     self.doc_weight[d]) for d in range(len(self.doc_text))]

    def _doc_feats(self, doc_id: int) -> array[int]:
        return self.doc_feat_ids[self.doc_feat_offsets[doc_id]:self.doc_feat_offsets[doc_id + 1]]

    @staticmethod
    def _texts(article: Article) -> list[str]:
        """What a question is matched against: the article's question variants, titles and keywords."""
        texts = [q for qs in article.questions.values() for q in qs]
        texts += [t for t in article.title.values() if t]
        # All keywords of a language as one text: a question that is just a keyword ("近视", "血常规") matches it
        # weakly (it covers little of the list) yet enough to answer; a better-matching variant still wins.
        texts += ["，".join(ws) for ws in article.keywords.values() if ws]
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

    def _query(self, text: str) -> tuple[list[int], float]:
        """The question's features the index knows (ids, in one fixed order) and the weight of those it does not."""
        known: list[int] = []
        unknown = 0.0
        vocab = self.vocab
        for feat in self._features(self.normalize.content(text)):
            feat_id = vocab.get(feat)
            if feat_id is None:
                # Words no article has still count against every article: an unknown domain term
                # (育儿假 with no article on it) must lower confidence, not vanish from the question.
                unknown += self.unknown_weight(feat)
            else:
                known.append(feat_id)
        known.sort()  # one order of summation (a set's order varies by process): the same scores to the last bit
        return known, unknown

    def known_share(self, text: str) -> float:
        """How much of the question (by feature weight) any article speaks of at all; 0 for an empty one."""
        known, unknown = self._query(text)
        weight = sum(self.weights[f] for f in known)
        return weight / (weight + unknown) if weight + unknown > 0 else 0.0

    def search(self, text: str, limit: int = 5, exclude_doc: int | None = None) -> list[Hit]:
        """Best articles for `text`, highest score first; scores lie between 0 and 1."""
        known, unknown = self._query(text)
        if not known:
            return []
        weights = self.weights
        q_weight = sum(weights[f] for f in known) + unknown
        overlap = _overlap(known, weights, self.post_offsets, self.post_docs)
        best: dict[int, tuple[float, int]] = {}
        factor, doc_article = self.doc_factor, self.doc_article
        for doc_id, common in overlap.items():
            if doc_id == exclude_doc:
                continue
            product = common * factor[doc_id]
            index = doc_article[doc_id]
            held = best.get(index)
            if held is None or product > held[0]:
                best[index] = (product, doc_id)
        bag_overlap = _overlap(known, weights, self.bag_offsets, self.bag_articles)
        if exclude_doc is not None:  # leave-one-out: the held-out variant's words leave its bag too
            held_article = doc_article[exclude_doc]
            rest = set(self.keyword_ids[self.keyword_offsets[held_article]:self.keyword_offsets[held_article + 1]])
            for doc_id, index in enumerate(doc_article):
                if index == held_article and doc_id != exclude_doc:
                    rest.update(self._doc_feats(doc_id))
            bag_overlap[held_article] = sum(weights[f] for f in known if f in rest)
        power, share = self.params.recall_power, self.params.bag_weight
        q_factor = q_weight ** (power - 1)
        scored = []  # (rounded score, score, -article index, doc id); Hits are made only for the best `limit`
        for index, (product, doc_id) in best.items():
            score = product * q_factor
            bag_precision = bag_overlap.get(index, 0.0) / q_weight
            blended = (1 - share) * score + share * bag_precision * min(1.0, score * 2)
            scored.append((round(blended, 4), blended, -index, doc_id))
        # Rounded score first; a tie goes to the finer score, then the earlier article, never to hash order.
        top = heapq.nlargest(limit, scored, key=itemgetter(0, 1, 2))
        return [Hit(self.articles[-minus], score, self.doc_text[doc_id]) for score, _, minus, doc_id in top]


def _overlap(known: list[int], weights: Sequence[float], offsets: Sequence[int],
             postings: Sequence[int]) -> dict[int, float]:
    """Summed weight of the question's features in each posting target (a document or an article's bag)."""
    overlap: dict[int, float] = {}
    for feat_id in known:
        weight = weights[feat_id]
        for target in postings[offsets[feat_id]:offsets[feat_id + 1]]:
            overlap[target] = overlap.get(target, 0.0) + weight
    return overlap
