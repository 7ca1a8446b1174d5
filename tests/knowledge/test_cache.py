"""The pickled index: built in a child process at start-up, then only loaded."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from knowledge.base import KnowledgeBase, cache_build_command, cache_path
from knowledge.loader import ARTICLES

ROOT = Path(__file__).resolve().parents[2]


def test_child_builds_the_cache_that_the_parent_then_loads(tmp_path: Path) -> None:
    command = cache_build_command(ARTICLES, tmp_path)
    assert command is not None
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, check=True, env=env, timeout=120)
    assert cache_path(ARTICLES, tmp_path).exists()
    assert cache_build_command(ARTICLES, tmp_path) is None  # nothing left to build
    kb = KnowledgeBase.load(cache_dir=tmp_path)
    fresh = KnowledgeBase.load()
    assert kb.articles.keys() == fresh.articles.keys()
    question = "乙肝疫苗什么时候打"
    assert [(h.article.id, h.score) for h in kb.retriever.search(question)] == \
        [(h.article.id, h.score) for h in fresh.retriever.search(question)]
