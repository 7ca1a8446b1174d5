"""Turn an article into a reply that fits a phone: the answer, the red flags for the child's age, one
short sources line linking to the guide page (which lists every source in full), in the chat's language."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from bot.engine.types import Button, Reply, Source
from bot.i18n import LANGS, Catalog
from bot.share import web_link
from knowledge.base import KnowledgeBase
from knowledge.model import Article, ArticleSource

#: The article an emergency reply links to when its steps say to start CPR.
CPR_ARTICLE = "safety_cpr_infant_child"
CPR_WORDS = ("心肺复苏", "CPR")
_PARENTHESES = re.compile(r"\s*[（(][^）)]*[）)]")
_FIRST_OF_MANY = re.compile(r"[、；;/，,]|等\d+部门")
_HAN = re.compile(r"[\u3400-\u9fff]")
#: What fits one phone screen above the sources line: Chinese characters in zh, characters in en
#: (English runs about 4 characters per Chinese character of the same article).
BUDGET = {"zh": 400, "en": 1600}


def article_text(article: Article, lang: str, catalog: Catalog, age_months: float | None = None,
                 public_url: str | None = None) -> str:
    """The plain text a parent reads: title, answer, red flags for the child's age, one sources line.

    Above the sources line the text stays within `BUDGET` (one phone screen): when every fitting
    red flag would not fit, the most urgent ones are shown (all that say to call 120, at least one)
    and one line says how many more the guide page behind the "details" link lists.
    """
    head = [str(article.text("title", lang)), str(article.text("answer", lang))]
    tail = [catalog.get("answer_general", lang)] if article.health else []
    flags = [str(f) for f in article.flags(lang, age_months)]
    if flags:
        size = _measure(lang)
        room = BUDGET.get(lang, BUDGET[LANGS[0]]) if public_url else sys.maxsize  # without the page, show all
        room -= sum(size(p) for p in head + tail)
        room -= size(catalog.get("answer_red_flags", lang))
        shown = _fit(flags, room, size, size(catalog.get("answer_more_flags", lang, n=len(flags))))
        lines = [f"· {flag}" for flag in shown]
        if len(shown) < len(flags):
            lines.append(f"· {catalog.get('answer_more_flags', lang, n=len(flags) - len(shown))}")
        head.append(catalog.get("answer_red_flags", lang) + "\n" + "\n".join(lines))
    line = sources_line(article, lang, catalog, public_url)
    return "\n\n".join(head + tail + ([line] if line else []))


def _fit(flags: list[str], room: int, size: Callable[[str], int], more: int) -> list[str]:
    """The flags that fit in `room`, most urgent first, shown in the article's order."""
    if sum(size(f) for f in flags) <= room:
        return flags
    room -= more
    keep: set[int] = set()
    for i in sorted(range(len(flags)), key=lambda i: (_urgency(flags[i]), i)):
        if not keep or _urgency(flags[i]) == 0 or size(flags[i]) <= room:
            keep.add(i)
            room -= size(flags[i])
    return [flags[i] for i in sorted(keep)]


def _urgency(flag: str) -> int:
    """0 call 120, 1 see a doctor now, 2 today, 3 soon or later."""
    for rank, words in enumerate((("120",), ("立即", " now"), ("当天", "today"))):
        if any(w in flag for w in words):
            return rank
    return 3


def _measure(lang: str) -> Callable[[str], int]:
    """Chinese text is measured in Chinese characters, other languages in characters."""
    return (lambda text: len(_HAN.findall(text))) if lang == "zh" else len


def sources_line(article: Article, lang: str, catalog: Catalog, public_url: str | None) -> str:
    """One line, e.g. 来源：国家卫健委等 · 2026-12-07审核 · 详情 <guide page>; the first source's issuer leads."""
    parts = []
    if article.sources:
        key = "answer_sources_more" if len(article.sources) > 1 else "answer_sources"
        parts.append(catalog.get(key, lang, issuer=short_issuer(article.sources[0], lang, catalog)))
    if article.reviewed:
        parts.append(catalog.get("answer_reviewed", lang, date=article.reviewed.isoformat()))
    if public_url:
        link = web_link(public_url, article.id) + ("" if lang == LANGS[0] else f"?lang={lang}")
        parts.append(catalog.get("answer_details", lang, link=link))
    return " · ".join(parts)


def short_issuer(source: ArticleSource, lang: str, catalog: Catalog) -> str:
    """The issuer's everyday name in `lang` (国家卫生健康委办公厅 → 国家卫健委), else its first-named body."""
    names: dict[str, str] = catalog.messages.get(lang, {}).get("issuer_names") or {}
    full = source.issuer or source.title
    bare = _PARENTHESES.sub("", full).strip()
    first = _FIRST_OF_MANY.split(bare, maxsplit=1)[0].strip() or bare
    return next((names[n] for n in (full, bare, first) if n in names), first)


def article_reply(article: Article, lang: str, catalog: Catalog, kb: KnowledgeBase, score: float = 1.0,
                  age_months: float | None = None, public_url: str | None = None) -> Reply:
    """An `answer` reply with up to 3 related articles as buttons; `sources` keeps every source in full."""
    related = [kb.get(r) for r in article.related]
    buttons = [Button(str(a.text("title", lang)), f"a:{a.id}") for a in related if a][:3]
    return Reply(
        kind="answer", text=article_text(article, lang, catalog, age_months, public_url), buttons=buttons,
        article=article.id, topic=article.topic, sources=[Source(s.label(), s.url) for s in article.sources],
        score=score,
    )


def emergency_buttons(steps: str, lang: str, catalog: Catalog, kb: KnowledgeBase) -> list[Button]:
    """A button to the CPR article when the first steps say to start CPR and the article exists."""
    if kb.get(CPR_ARTICLE) is None or not any(word in steps for word in CPR_WORDS):
        return []
    return [Button(catalog.get("emergency_cpr_button", lang), f"a:{CPR_ARTICLE}")]
