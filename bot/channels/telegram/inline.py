"""Inline mode: `@bot 疫苗` in any chat lists matching articles, each with a button back into the bot."""

from __future__ import annotations

import html

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)

from bot.i18n import normalize_lang
from bot.port import ChannelPort
from bot.share import deep_link
from knowledge.model import Article

RESULTS = 10
SUMMARY = 120  # characters of the answer shown under the title
BODY = 1500  # characters of the answer put into the shared message


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split()) if limit <= SUMMARY else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def article_result(article: Article, lang: str, bot_username: str, open_label: str) -> InlineQueryResultArticle:
    """One result: title, short summary, the answer as the shared message, and a deep-link button."""
    title, answer = str(article.text("title", lang)), str(article.text("answer", lang))
    link = deep_link(bot_username, article.id)
    message = f"<b>{html.escape(title)}</b>\n\n{html.escape(_shorten(answer, BODY))}"
    return InlineQueryResultArticle(
        id=article.id, title=title, description=_shorten(answer, SUMMARY),
        input_message_content=InputTextMessageContent(message),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(open_label, url=link)]]),
    )


async def answer_inline(port: ChannelPort, query: InlineQuery, bot_username: str) -> None:
    """Articles found by the engine's own rules (`ChannelPort.search`: nothing for an emergency, which needs the
    bot, not a shared card, nor for out-of-scope questions); an empty query offers only the button that opens
    the bot."""
    lang = normalize_lang(query.from_user.language_code if query.from_user else None)
    articles = port.search(query.query or "", limit=RESULTS)
    open_label = port.t("tg_inline_open", lang)
    results = [article_result(a, lang, bot_username, open_label) for a in articles]
    await query.answer(results, cache_time=300, is_personal=False,
                       button=InlineQueryResultsButton(port.t("tg_inline_start", lang), start_parameter="inline"))
