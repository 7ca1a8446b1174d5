"""The console adapter over the real engine and database: language pinned by --lang or taken from what is typed."""

from __future__ import annotations

import io

from bot.bootstrap import build
from bot.channels import console
from bot.settings import Settings
from storage.database import Database
from tests.bot.helpers import fixture_kb


async def chat(settings: Settings, database: Database, lines: str, lang: str | None) -> str:
    app = await build(settings, db=database, kb=fixture_kb())
    out = io.StringIO()
    await console.run(app.port, lang=lang, stdin=io.StringIO(lines), stdout=out)
    return out.getvalue()


async def test_without_lang_an_english_question_gets_english(settings: Settings, database: Database) -> None:
    out = await chat(settings, database, "How long is maternity leave in China?\n/quit\n", None)
    assert "您好" in out and "Maternity leave" in out


async def test_lang_pins_the_language(settings: Settings, database: Database) -> None:
    out = await chat(settings, database, "How long is maternity leave in China?\n/quit\n", "zh")
    assert "国家规定的产假" in out
