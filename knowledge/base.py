"""The knowledge base as the engine uses it: articles by id and a decision for each question."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.emergency import EmergencyDetector
from knowledge.intents import IntentDetector
from knowledge.loader import ARTICLES, load_articles
from knowledge.model import Article
from knowledge.retrieval import Hit, Retriever

#: Below this the best article is not trusted at all (fallback); chosen with benchmarks/qa.py.
FALLBACK_BELOW = 0.22
#: Below this, or with a close runner-up, the user is asked to choose (clarify).
ANSWER_FROM = 0.38
#: A runner-up within this ratio of the best makes the question ambiguous.
AMBIGUOUS_RATIO = 0.92


@dataclass
class Decision:
    """How to answer: one article, a choice of up to 3, or a fallback (with the reason)."""

    kind: str  # "answer" | "clarify" | "fallback"
    hits: list[Hit] = field(default_factory=list)
    reason: str = ""  # for fallbacks: "adult", "dose", "diagnosis", "unrelated", "unknown"

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


class KnowledgeBase:
    """Articles, their index, and the rules that decide when retrieval may answer."""

    def __init__(self, articles: list[Article], intents: IntentDetector | None = None,
                 emergency: EmergencyDetector | None = None) -> None:
        self.articles = {a.id: a for a in articles}
        self.retriever = Retriever(articles)
        self.intents = intents or IntentDetector.default()
        self.emergency = emergency or EmergencyDetector.default()

    @classmethod
    def load(cls, folder: Path = ARTICLES) -> KnowledgeBase:
        articles, _problems = load_articles(folder)  # `tuoyu kb check` reports the problems
        return cls(articles)

    def get(self, article_id: str) -> Article | None:
        return self.articles.get(article_id)

    def decide(self, text: str) -> Decision:
        """Answer, clarify or fall back; out-of-scope medical questions never get an article."""
        out = self.intents.out_of_scope(text)
        if out is not None:
            return Decision("fallback", reason=out.reason)
        hits = self.retriever.search(text, limit=5)
        if not hits or hits[0].score < FALLBACK_BELOW:
            return Decision("fallback", hits, reason="unknown")
        best = hits[0]
        close = [h for h in hits[1:3] if h.score >= best.score * AMBIGUOUS_RATIO and h.score >= FALLBACK_BELOW]
        if best.score < ANSWER_FROM or close:
            choices = [best, *[h for h in hits[1:3] if h.score >= FALLBACK_BELOW]]
            if len(choices) > 1:
                return Decision("clarify", choices[:3])
            if best.score < ANSWER_FROM:
                return Decision("clarify", choices)
        return Decision("answer", [best, *hits[1:]])
