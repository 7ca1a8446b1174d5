"""Load every article file; the knowledge base is the articles plus the index built on them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.model import Article

ARTICLES = Path(__file__).with_name("articles")


@dataclass
class LoadProblem:
    path: Path
    message: str


def load_articles(folder: Path = ARTICLES) -> tuple[list[Article], list[LoadProblem]]:
    """Parse each `*.yaml`; a file that does not parse is reported, not fatal."""
    articles: list[Article] = []
    problems: list[LoadProblem] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            problems.append(LoadProblem(path, f"YAML error: {exc}"))
            continue
        if not isinstance(raw, dict):
            problems.append(LoadProblem(path, "not a mapping"))
            continue
        try:
            articles.append(Article.from_dict(raw))
        except (TypeError, ValueError, AttributeError) as exc:
            problems.append(LoadProblem(path, f"malformed: {exc}"))
    return articles, problems
