"""The pickled index: built in a child process at start-up, then only loaded."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_repeated_questions_reuse_one_decision_and_the_memory_is_bounded() -> None:
    import pickle

    from knowledge.memo import Recent

    kb = KnowledgeBase.load()
    kb._decided = Recent(size=3, long_size=1)
    first = kb.decide("乙肝疫苗什么时候打")
    assert kb.decide("乙肝疫苗什么时候打") is first  # remembered, and frozen since it is shared
    for question in ("产假有多少天", "护理假有几天", "宝宝发烧怎么办", "育儿补贴怎么领"):
        kb.decide(question)
    assert len(kb._decided) == 3 and "乙肝疫苗什么时候打" not in kb._decided  # the oldest went first
    assert kb.decide("乙肝疫苗什么时候打") == first  # recomputed, the same answer
    long_story = "宝宝" + "昨天晚上一直哭" * 40 + "怎么办"
    story = kb.decide(long_story)
    assert kb.decide(long_story) is story  # the last stories are kept (decided off the loop, answered after)
    assert len(kb._decided) == 4 and "育儿补贴怎么领" in kb._decided  # ...apart: the questions stay
    other_story = "孩子" + "晚上睡不着一直闹" * 40 + "怎么办"
    kb.decide(other_story)
    assert long_story not in kb._decided and other_story in kb._decided and len(kb._decided) == 4
    copy = pickle.loads(pickle.dumps(kb))
    assert not len(copy._decided) and (copy._decided.size, copy._decided.long_size) == (3, 1)
    assert copy.decide("产假有多少天") == kb.decide("产假有多少天")


def test_tied_articles_rank_the_same_in_every_process() -> None:
    # Two articles tie on this question at four decimals; every instance must answer it the same way.
    code = ("from knowledge.base import KnowledgeBase; "
            "print([h.article.id for h in KnowledgeBase.load().retriever.search('孩子满3岁以后个税专项扣除还有吗')])")
    orders = {subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": str(seed)}).stdout
              for seed in range(4)}
    assert len(orders) == 1, orders
