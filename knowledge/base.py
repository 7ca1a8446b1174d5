"""The knowledge base as the engine uses it: articles by id and a decision for each question."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from knowledge.emergency import EmergencyDetector
from knowledge.intents import IntentDetector
from knowledge.loader import ARTICLES, load_articles
from knowledge.memo import Recent
from knowledge.model import Article
from knowledge.normalize import t2s_table, use_t2s
from knowledge.retrieval import Hit, Retriever

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).parent

#: Below this the best article is not trusted at all (fallback); chosen with benchmarks/qa.py.
FALLBACK_BELOW = 0.15
#: Below this the user is asked to choose (clarify) instead of getting an answer.
ANSWER_FROM = 0.2
#: Long narratives (symptoms, history, then the question) spread their weight over many words, so
#: their best scores run lower; from this many characters the cut-offs below apply instead.
LONG_FROM = 60
LONG_FALLBACK_BELOW = 0.10
LONG_ANSWER_FROM = 0.13
#: Runners-up within this ratio of the best are offered beside the answer ("did you mean").
CLOSE_RATIO = 0.9


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


class KnowledgeBase:
    """Articles, their index, and the rules that decide when retrieval may answer."""

    def __init__(self, articles: list[Article], intents: IntentDetector | None = None,
                 emergency: EmergencyDetector | None = None) -> None:
        self.articles = {a.id: a for a in articles}
        self.retriever = Retriever(articles)
        self.intents = intents or IntentDetector.default()
        self.emergency = emergency or EmergencyDetector.default()
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

    def get(self, article_id: str) -> Article | None:
        return self.articles.get(article_id)

    def decide(self, text: str) -> Decision:
        """Answer, clarify or fall back; out-of-scope medical questions never get an article.

        A pure function of the text: the most recent short questions' decisions are remembered.
        """
        return self._decided(text, self._decide)

    def _decide(self, text: str) -> Decision:
        out = self.intents.out_of_scope(text)
        if out is not None:
            return Decision("fallback", reason=out.reason)
        hits = self.retriever.search(text, limit=5)
        long = len(text) >= LONG_FROM
        floor, answer_from = (LONG_FALLBACK_BELOW, LONG_ANSWER_FROM) if long else (FALLBACK_BELOW, ANSWER_FROM)
        if not hits or hits[0].score < floor:
            return Decision("fallback", tuple(hits), reason="unknown")
        best = hits[0]
        if best.score < answer_from:
            return Decision("clarify", tuple(h for h in hits[:3] if h.score >= floor))
        close = [h for h in hits[1:3] if h.score >= best.score * CLOSE_RATIO]
        return Decision("answer", (best, *close))


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
