"""Turn an article into a reply: answer, red flags, sources and review date, in the chat's language."""

from __future__ import annotations

from bot.engine.types import Button, Reply, Source
from bot.i18n import Catalog
from knowledge.base import KnowledgeBase
from knowledge.model import Article


def article_text(article: Article, lang: str, catalog: Catalog) -> str:
    """The plain text a parent reads: title, answer, red flags, sources, review date."""
    parts = [str(article.text("title", lang)), str(article.text("answer", lang))]
    flags = article.red_flags.get(lang) or article.red_flags.get("zh") or []
    if flags:
        lines = "\n".join(f"· {flag}" for flag in flags)
        parts.append(f"{catalog.get('answer_red_flags', lang)}\n{lines}")
    if article.health:
        parts.append(catalog.get("answer_general", lang))
    sources = "；".join(s.label() for s in article.sources) if lang == "zh" else "; ".join(
        s.label() for s in article.sources)
    if sources:
        parts.append(f"{catalog.get('answer_sources', lang)}：{sources}" if lang == "zh"
                     else f"{catalog.get('answer_sources', lang)}: {sources}")
    if article.reviewed:
        parts.append(catalog.get("answer_reviewed", lang, date=article.reviewed.isoformat()))
    return "\n\n".join(parts)


def article_reply(article: Article, lang: str, catalog: Catalog, kb: KnowledgeBase,
                  score: float = 1.0) -> Reply:
    """An `answer` reply with up to 3 related articles as buttons."""
    related = [kb.get(r) for r in article.related]
    buttons = [Button(str(a.text("title", lang)), f"a:{a.id}") for a in related if a][:3]
    return Reply(
        kind="answer", text=article_text(article, lang, catalog), buttons=buttons, article=article.id,
        topic=article.topic, sources=[Source(s.label(), s.url) for s in article.sources], score=score,
    )
