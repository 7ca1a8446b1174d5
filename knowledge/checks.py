"""`tuoyu kb check`: every rule an article must meet before parents see it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from knowledge.loader import ARTICLES, load_articles
from knowledge.model import TOPICS, Article, RedFlag
from knowledge.retrieval import Retriever

ID = re.compile(r"^[a-z0-9_]{1,40}$")
MIN_ZH, MIN_EN = 6, 2


@dataclass(frozen=True)
class Problem:
    article: str
    message: str

    def __str__(self) -> str:
        return f"{self.article}: {self.message}"


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)


def check_article(article: Article, today: date, max_months: int) -> Iterator[str]:
    """Schema, both languages, sources, review age and red flags of one article."""
    if not ID.match(article.id):
        yield "id must be [a-z0-9_], at most 40 characters"
    if article.topic not in TOPICS:
        yield f"unknown topic {article.topic!r}"
    for lang in ("zh", "en"):
        if not article.title.get(lang):
            yield f"title.{lang} missing"
        if not article.answer.get(lang):
            yield f"answer.{lang} missing"
    if len(article.questions.get("zh", [])) < MIN_ZH:
        yield f"needs at least {MIN_ZH} zh question variants"
    if len(article.questions.get("en", [])) < MIN_EN:
        yield f"needs at least {MIN_EN} en question variants"
    if not article.sources:
        yield "no sources"
    for source in article.sources:
        if not source.title or not (source.issuer or source.number):
            yield f"source {source.title!r} needs a title and an issuer or document number"
    if article.reviewed is None:
        yield "reviewed date missing"
    elif article.reviewed > today:
        yield f"reviewed date {article.reviewed} is in the future"
    elif months_between(article.reviewed, today) >= max_months:
        yield f"review overdue: last reviewed {article.reviewed}, limit {max_months} months"
    if article.health and not (article.red_flags.get("zh") and article.red_flags.get("en")):
        yield "health topic without red flags in zh and en"
    elif article.health and not any(f.months is None for f in article.red_flags["zh"]):
        yield "health topic needs at least one red flag for every age (one without months)"
    ranges = {lang: sorted(map(_range, article.red_flags.get(lang, []))) for lang in ("zh", "en")}
    if ranges["zh"] != ranges["en"]:
        yield f"red flag ages differ between zh {ranges['zh']} and en {ranges['en']}: give each twin the same months"


def _range(flag: RedFlag) -> str:
    """A flag's age range as text, so open ends sort beside numbers: 'all', '0-3', '12-'."""
    if flag.months is None:
        return "all"
    return "-".join("" if m is None else f"{m:g}" for m in flag.months)


def collisions(articles: list[Article], retriever: Retriever | None = None) -> Iterator[Problem]:
    """A variant whose best match is another article misleads parents: report it."""
    retriever = retriever or Retriever(articles)
    for article in articles:
        for lang, variants in article.questions.items():
            for variant in variants:
                hits = retriever.search(variant, limit=1)
                if not hits or hits[0].article.id != article.id:
                    other = hits[0].article.id if hits else "nothing"
                    yield Problem(article.id, f"{lang} variant {variant!r} retrieves {other}")


def check_all(folder: Path = ARTICLES, today: date | None = None, max_months: int = 12) -> list[Problem]:
    """Every problem in the knowledge base, empty when it is fit to publish."""
    today = today or date.today()
    articles, load_problems = load_articles(folder)
    problems = [Problem(p.path.name, p.message) for p in load_problems]
    ids = {a.id for a in articles}
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            problems.append(Problem(article.id, "duplicate id"))
        seen.add(article.id)
        problems += [Problem(article.id, m) for m in check_article(article, today, max_months)]
        problems += [Problem(article.id, f"related {r!r} does not exist") for r in article.related if r not in ids]
    for path in folder.glob("*.yaml"):
        if path.stem not in ids:
            problems.append(Problem(path.name, "file name does not match any article id"))
    problems += list(collisions(articles))
    return problems
