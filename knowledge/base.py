"""The knowledge base as the engine uses it: articles by id and a decision for each question."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.ages import child_age_months
from knowledge.answerability import Model, mentions_child
from knowledge.emergency import EmergencyDetector
from knowledge.intents import IntentDetector
from knowledge.loader import ARTICLES, load_articles
from knowledge.memo import UP_TO, Recent
from knowledge.model import Article
from knowledge.normalize import fold, load_yaml, readable_temperatures, t2s_table, use_t2s
from knowledge.retrieval import Hit, Retriever
from knowledge.semantic import E5Small, Embedder, QueryEncoder, SemanticIndex, VectorStore, text_key
from knowledge.typos import TypoFixer

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).parent

#: Runners-up within this much of the best fused score are offered beside the answer ("did you mean").
CLOSE_GAP = 0.004
#: Choices offered when unsure lie within this much of the best.
CHOICE_GAP = 0.03
#: Ranking: taken off articles written for children of other ages than the one the question names.
AGE_MISMATCH = 0.05
SCOPE_MISMATCH = 0.05  # an article of a scoped topic, for a question that names none of its service
#: A declined question still offers its closest articles as buttons from this answerability upward.
SUGGEST_FROM = 0.2
#: A search lists the articles within this much of the best.
SEARCH_GAP = 0.06
#: Candidates taken from each retriever before fusing.
POOL = 10


@dataclass(frozen=True)
class Decision:
    """How to answer: one article, a choice of up to 3, or a fallback (with the reason).

    Frozen, with hits as a tuple: one decision is shared by every asker of the same question.
    """

    kind: str  # "answer" | "clarify" | "fallback"
    hits: tuple[Hit, ...] = ()  # for answers: the best, then close runners-up
    reason: str = ""  # for fallbacks: "adult", "dose", "diagnosis", "unrelated", "unknown"

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


@dataclass(frozen=True)
class Evidence:
    """What both retrievers found for a question, and the signals the answerability model weighs."""

    ranked: tuple[Hit, ...]  # fused ranking, best first; Hit.score is the fused score
    features: dict[str, float]
    out_of_scope_reason: str  # the reason of the closest out-of-scope class


class KnowledgeBase:
    """Articles, their lexical and semantic indexes, and the model that decides when to answer."""

    def __init__(self, articles: list[Article], intents: IntentDetector | None = None,
                 emergency: EmergencyDetector | None = None, embedder: Embedder | None = None,
                 store: VectorStore | None = None) -> None:
        self.articles = {a.id: a for a in articles}
        self.ordered = list(articles)
        self.position = {a.id: i for i, a in enumerate(self.ordered)}
        topics = sorted({a.topic for a in self.ordered})
        self.topic_codes = np.array([topics.index(a.topic) for a in self.ordered], dtype=np.int32)
        # Articles written for an age range are matched on what is asked, not on the age, except check-ups:
        # the age is what a check-up question is about ("宝宝12个月体检").
        self.age_scoped = np.array([a.ages is not None and a.topic != "health_checkups" for a in self.ordered])
        self.cues = [(re.compile(pattern), np.array([a.topic == topic for a in self.ordered]))
                     for topic, pattern in load_yaml("topic_cues.yaml").items()]
        self.scopes = [(re.compile(pattern), np.array([a.topic == topic for a in self.ordered]))
                       for topic, pattern in load_yaml("topic_scope.yaml").items()]
        self.retriever = Retriever(articles)
        self.typos = typo_fixer(self.ordered, self.retriever.normalize.synonyms.mapping)
        self.intents = intents or IntentDetector.default()
        self.emergency = emergency or EmergencyDetector.default()
        self.model = Model.default()
        embedder = embedder or E5Small()
        self.encode = QueryEncoder(embedder)
        store = store or VectorStore()
        texts, owners = [], []
        for index, article in enumerate(self.ordered):
            for text in semantic_texts(article):
                texts.append(text)
                owners.append(index)
        self.semantic = SemanticIndex(store.matrix(embedder, texts), owners, len(self.ordered))
        classes = load_yaml("out_of_scope.yaml")
        self.out_of_scope_reasons = [str(spec["reason"]) for spec in classes.values()]
        examples = [(i, str(e)) for i, spec in enumerate(classes.values()) for e in spec["examples"]]
        self.out_of_scope = SemanticIndex(store.matrix(embedder, [e for _, e in examples]),
                                          [i for i, _ in examples], len(classes))
        self.embedded = [text_key(embedder.name, t) for t in [*texts, *(e for _, e in examples)]]
        self.t2s = t2s_table()  # pickled with the index so a warm start skips zhconv
        self._decided: Recent[Decision] = Recent()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        use_t2s(self.t2s)

    @classmethod
    def load(cls, folder: Path = ARTICLES, cache_dir: Path | None = None) -> KnowledgeBase:
        """Articles and index; with `cache_dir`, a pickled index is reused while no input changed."""
        if cache_dir is None:
            return cls(load_articles(folder)[0])  # `tuoyu kb check` reports load problems
        try:
            with cache_path(folder, cache_dir).open("rb") as stream:
                kb = pickle.load(stream)
            if isinstance(kb, cls):
                return kb
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass
        return build_cache(folder, cache_dir)

    @classmethod
    def refresh_vectors(cls, folder: Path = ARTICLES) -> tuple[int, int]:
        """Embed every text the index needs into the shipped vector file, dropping stale ones: (added, kept)."""
        store = VectorStore()
        before = set(store.vectors)
        kb = cls(load_articles(folder)[0], store=store)
        store.save(keep=kb.embedded)
        return len(set(kb.embedded) - before), len(set(kb.embedded))

    def get(self, article_id: str) -> Article | None:
        return self.articles.get(article_id)

    def decide(self, text: str) -> Decision:
        """Answer, clarify or fall back; out-of-scope medical questions never get an article.

        A pure function of the text: the most recent short questions' decisions are remembered.
        """
        return self._decided(text, self._decide)

    def _decide(self, text: str) -> Decision:
        text = self.typos(text)
        out = self.intents.out_of_scope(text)
        if out is not None:
            return Decision("fallback", reason=out.reason)
        evidence = self.evidence(text)
        if evidence is None:
            return Decision("fallback", reason="unknown")
        best = evidence.ranked[0]
        chance = self.model.probability(evidence.features)
        if chance >= self.model.answer_from:
            close = [h for h in evidence.ranked[1:3] if h.score >= best.score - CLOSE_GAP]
            return Decision("answer", tuple(Hit(h.article, chance - (best.score - h.score), h.variant)
                                            for h in (best, *close)))
        choices = [h for h in evidence.ranked[:3] if h.score >= best.score - CHOICE_GAP]
        if chance >= self.model.clarify_from and len(choices) > 1:
            return Decision("clarify", tuple(Hit(h.article, chance, h.variant) for h in choices))
        reason = evidence.out_of_scope_reason if evidence.features["out_of_scope_gap"] > 0 else "unknown"
        return Decision("fallback", tuple(Hit(h.article, chance, h.variant) for h in choices), reason=reason)

    def prepare(self, text: str) -> None:
        """Decide a message and each question it asks, ahead of the engine, which then finds them remembered: the
        sentence model runs in the caller's thread (a worker), not on the event loop. A story (longer than
        `UP_TO`) is decided whole, as the engine answers it."""
        self.decide(text)
        for part in self.questions(text):
            self.decide(part)

    def questions(self, text: str) -> list[str]:
        """The questions a message asks, when it asks several ("产假多少天？还有育儿补贴怎么领"); empty for one
        question and for a story (longer than `UP_TO`), which has one concern and is decided whole."""
        parts = self.intents.questions(text) if len(text) <= UP_TO else []
        return parts if len(parts) > 1 else []

    def search(self, text: str, limit: int = 10) -> list[Article]:
        """Articles for a search box: the fused ranking, nothing for what must never get an article."""
        text = self.typos(text)
        if self.intents.out_of_scope(text) is not None:
            return []
        evidence = self.evidence(text)
        if evidence is None:
            return []
        best = evidence.ranked[0].score
        return [h.article for h in evidence.ranked[:limit] if h.score >= best - SEARCH_GAP]

    def suggestions(self, decision: Decision) -> list[Article]:
        """Articles worth offering beside an honest "I can't answer that" (never for out-of-scope questions)."""
        if decision.kind != "fallback" or decision.reason != "unknown" or not decision.best:
            return []
        return [h.article for h in decision.hits[:2] if h.score >= SUGGEST_FROM]

    def evidence(self, text: str) -> Evidence | None:
        """Both rankings fused, and the answerability signals for the best article; None for an empty question."""
        if not self.intents.clean(text).strip():
            return None
        text = readable_temperatures(text)  # the sentence model reads "发烧378" as a number, not 37.8 °C
        query = self.encode(text)
        semantic = self.semantic.best_per_owner(query)
        age = child_age_months(text)
        ageless = without_ages(text) if age is not None else text
        if ageless != text:
            semantic = np.where(self.age_scoped, self.semantic.best_per_owner(self.encode(ageless)), semantic)
        folded = fold(text)
        cued = np.zeros(len(self.ordered), dtype=bool)
        for pattern, members in self.cues:
            if pattern.search(folded):
                cued |= members
        ranking = semantic + self.model.cue_weight * cued
        for pattern, members in self.scopes:
            if not pattern.search(folded):
                ranking = ranking - SCOPE_MISMATCH * members
        if age is not None:
            ranking = ranking - AGE_MISMATCH * ~np.array([a.fits_age(age) for a in self.ordered])
        lexical_hits = self.retriever.search(text, limit=POOL)
        lexical = {h.article.id: h.score for h in lexical_hits}
        pool = {int(i) for i in np.argpartition(-ranking, min(POOL, len(ranking) - 1))[:POOL]}
        pool.update(self.position[h.article.id] for h in lexical_hits)
        weight = self.model.lexical_weight
        fused = sorted(((float(ranking[i]) + weight * lexical.get(self.ordered[i].id, 0.0), -i)
                        for i in pool), reverse=True)
        ranked = tuple(Hit(self.ordered[-i], score, self.ordered[-i].id) for score, i in fused[:POOL])
        best_index = -fused[0][1]
        best = ranked[0].article
        best_semantic = float(semantic[best_index])
        others = semantic[self.topic_codes != self.topic_codes[best_index]]
        other_topic = float(others.max()) if others.size else -1.0
        out_sims = self.out_of_scope.best_per_owner(query)
        closest = int(np.argmax(out_sims))
        features = {
            "semantic": best_semantic,
            "semantic_gap": best_semantic - other_topic,
            "lexical": lexical.get(best.id, 0.0),
            "lexical_best": lexical_hits[0].score if lexical_hits else 0.0,
            "agree": float(bool(lexical_hits) and lexical_hits[0].article.id == best.id),
            "out_of_scope_gap": float(out_sims[closest]) - best_semantic,
            "known": self.retriever.known_share(text),
            "child": float(mentions_child(text)),
            "long": math.log(1 + len(text)),
        }
        return Evidence(ranked, features, self.out_of_scope_reasons[closest])


#: A child's age as parents write it ("9个月了", "1岁半的", "十八天"), for `without_ages`.
_AGE = re.compile(r"(\d+(\.\d+)?|[半一二两三四五六七八九十]+)\s*"
                  r"(个多月|个半月|个月|多月|月龄|月大|周岁|岁半|岁多|岁|周|天)(大的|大了|大|的|了|多)?")


def without_ages(text: str) -> str:
    """The question with the child's age cut out, unless little would be left of it."""
    stripped = _AGE.sub("", fold(text)).strip(" ，,。")
    return stripped if len(stripped) >= 4 else text


def semantic_texts(article: Article) -> list[str]:
    """What a question is compared with by meaning: the article's question variants, titles and keywords."""
    texts = [q for qs in article.questions.values() for q in qs]
    texts += [t for t in article.title.values() if t]
    texts += ["，".join(ws) if lang == "zh" else ", ".join(ws) for lang, ws in article.keywords.items() if ws]
    return texts


def typo_fixer(articles: list[Article], synonyms: dict[str, str]) -> TypoFixer:
    """What the articles say is known; synonyms and keywords are the words a typo is read as."""
    texts: list[str] = []
    words: list[str] = list(synonyms)
    for article in articles:
        texts += [t for t in article.title.values() if t] + list(article.answer.values())
        texts += [q for qs in article.questions.values() for q in qs]
        words += [w for ws in article.keywords.values() for w in ws]
    return TypoFixer(texts, words, load_yaml("typos.yaml"))


def cache_path(folder: Path, cache_dir: Path) -> Path:
    return cache_dir / f"kb-{fingerprint(folder)}.pickle"


def build_cache(folder: Path, cache_dir: Path) -> KnowledgeBase:
    """Build the index and pickle it into `cache_dir` (replacing older ones); the index is returned either way."""
    kb = KnowledgeBase(load_articles(folder)[0])
    cached = cache_path(folder, cache_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("kb-*.pickle"):
            if old != cached:
                old.unlink(missing_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")  # instances starting together each write their own
        with temporary.open("wb") as stream:
            pickle.dump(kb, stream, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(cached)
    except OSError:
        log.warning("could not write the knowledge cache in %s", cache_dir)
    return kb


def cache_build_command(folder: Path, cache_dir: Path) -> list[str] | None:
    """A command that builds the missing cache in a child process; None when the cache is there.

    Building the index allocates several times what the finished index keeps (YAML, pinyin and
    traditional-Chinese tables); a long-running process that lets a child build it and then loads
    the pickle stays ~20 MB smaller.
    """
    if cache_path(folder, cache_dir).exists():
        return None
    code = ("import sys; from pathlib import Path; from knowledge.base import build_cache; "
            "build_cache(Path(sys.argv[1]), Path(sys.argv[2]))")
    return [sys.executable, "-c", code, str(folder), str(cache_dir)]


def fingerprint(folder: Path) -> str:
    """A hash of everything the index is built from: articles, rule data and the retrieval code."""
    digest = hashlib.sha256()
    inputs = [*sorted(folder.glob("*.yaml")), *sorted((PACKAGE / "data").glob("*.yaml")),
              *sorted(PACKAGE.glob("*.py"))]
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
