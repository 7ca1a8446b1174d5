"""Guidance pages for parents and health workers: topic index with search, article pages, A4 QR posters."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlencode

import segno
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.web.pages import request_lang
from knowledge.model import TOPICS, Article

REF = re.compile(r"^[A-Za-z0-9_]{1,16}\Z")
SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)
SEARCH_LIMIT = 10


def text_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Split an answer into paragraphs and bullet lists: [("p", [line]) | ("ul", [items])]."""
    blocks: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        bullet = re.match(r"^[-·•*]\s*(.+)$", line)
        if bullet and blocks and blocks[-1][0] == "ul":
            blocks[-1][1].append(bullet.group(1))
        elif bullet:
            blocks.append(("ul", [bullet.group(1)]))
        else:
            blocks.append(("p", [line]))
    return blocks


def deep_link(bot_username: str, article_id: str, ref: str | None) -> str:
    """The Telegram link that opens the bot on this article: start=g-<article>[-<ref>]."""
    payload = f"g-{article_id}" + (f"-{ref}" if ref else "")
    return f"https://t.me/{quote(bot_username)}?start={payload}"


@lru_cache(maxsize=1024)
def qr_svg(data: str, scale: int = 4) -> Markup:
    """An inline SVG QR code made locally (no external service sees the link)."""
    svg = segno.make(data, error="m").svg_inline(scale=scale, omitsize=True, dark="#000", light="#fff", border=2)
    return Markup(svg)  # segno's own markup: the data is encoded as modules, never as text


def page_url(public_url: str, article_id: str, lang: str, ref: str | None) -> str:
    """The article's public web address with its language and referral code."""
    query = urlencode({k: v for k, v in (("lang", lang), ("ref", ref)) if v})
    return f"{public_url.rstrip('/')}/guide/{article_id}?{query}"


def _article(request: Request) -> Article:
    article = request.app.state.port.knowledge.get(request.path_params["article_id"])
    if article is None:
        raise HTTPException(404)
    return article


def _ref(request: Request) -> str | None:
    ref = request.query_params.get("ref")
    return ref if ref and REF.match(ref) else None


async def index(request: Request) -> Response:
    """GET /guide: articles by topic, or search results for ?q= using the chat's retrieval."""
    kb = request.app.state.port.knowledge
    query = request.query_params.get("q", "").strip()[:200]
    results = None
    if query:
        results = kb.search(query, limit=SEARCH_LIMIT)
    by_topic = {topic: [a for a in kb.articles.values() if a.topic == topic] for topic in TOPICS}
    topics = [(topic, sorted(items, key=lambda a: a.id)) for topic, items in by_topic.items() if items]
    return request.app.state.pages.render(request, "guide_index.html", query=query, results=results,
                                          topics=topics, total=len(kb.articles))


async def article_page(request: Request) -> Response:
    """GET /guide/{article}: the article with red flags, sources, review date, related, QR and Telegram link."""
    return request.app.state.pages.cached(request, lambda: _article_page(request))


def _article_page(request: Request) -> Response:
    article = _article(request)
    kb = request.app.state.port.knowledge
    ref = _ref(request)
    link = deep_link(request.app.state.pages.bot_username, article.id, ref)
    related = [a for a in (kb.get(r) for r in article.related) if a is not None]
    return request.app.state.pages.render(
        request, "guide_article.html", article=article, related=related, deep_link=link, qr=qr_svg(link),
        ref=ref, **_article_context(article, request),
    )


async def poster(request: Request) -> Response:
    """GET /guide/{article}/poster: A4 page with a large QR code of the article's web address for clinic walls."""
    article = _article(request)
    raw_ref = request.query_params.get("ref")
    if raw_ref is not None and not REF.match(raw_ref):
        raise HTTPException(400, "ref must match [A-Za-z0-9_]{1,16}")
    pages = request.app.state.pages
    lang = request_lang(request)
    web = page_url(request.app.state.settings.public_url, article.id, lang, raw_ref)
    link = deep_link(pages.bot_username, article.id, raw_ref)
    return pages.render(request, "guide_poster.html", article=article, web_url=web, deep_link=link,
                        qr=qr_svg(web, 10), tg_qr=qr_svg(link), ref=raw_ref, lang=lang)


def _article_context(article: Article, request: Request) -> dict[str, object]:
    lang = request_lang(request)
    flags = article.red_flags.get(lang) or article.red_flags.get("zh") or []
    sources = [(s, s.url if s.url and SAFE_URL.match(s.url) else None) for s in article.sources]
    return {"lang": lang, "blocks": text_blocks(str(article.text("answer", lang))), "flags": flags,
            "sources": sources, "title": str(article.text("title", lang))}


routes = [
    Route("/guide", index, methods=["GET"]),
    Route("/guide/{article_id}", article_page, methods=["GET"]),
    Route("/guide/{article_id}/poster", poster, methods=["GET"]),
]
