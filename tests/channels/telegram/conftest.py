"""The real PTB Application against the fake Bot API, over a migrated test database."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.bootstrap import Tuoyu, build
from bot.channels.telegram.app import build_application
from bot.channels.telegram.runtime import started
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from storage.database import Database
from tests.channels.telegram.fake_bot_api import BOT, TOKEN, FakeBotApi

FIXTURES = Path(__file__).with_name("fixtures") / "articles"
LONG_ID = "other_long_reply"
SECRET = "test_secret-123"


def write_articles(folder: Path) -> Path:
    """The fixture articles plus one with a 12,000-character answer (to test splitting)."""
    shutil.copytree(FIXTURES, folder, dirs_exist_ok=True)
    paragraph = "长回答测试段落，" * 50  # 400 characters
    long = {
        "id": LONG_ID, "topic": "other_in_scope", "title": {"zh": "超长测试回答", "en": "A very long answer"},
        "questions": {"zh": ["超长测试回答请给我", "给我一个超长测试回答", "超长回答测试", "测试超长回答",
                             "超长测试", "长回答测试"], "en": ["very long test answer", "long test answer"]},
        "answer": {"zh": "\n\n".join([paragraph] * 30), "en": "long"},
        "sources": [{"title": "测试", "issuer": "测试", "date": "2026", "url": None}],
        "reviewed": "2026-11-29", "related": [],
    }
    (folder / f"{LONG_ID}.yaml").write_text(yaml.safe_dump(long, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return KnowledgeBase.load(write_articles(tmp_path_factory.mktemp("articles")))


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


def bot_settings(settings: Settings, fake: FakeBotApi) -> Settings:
    return replace(settings, telegram_token=TOKEN, telegram_api_url=fake.base_url, bot_username=BOT["username"],
                   webhook_url="http://127.0.0.1:1/telegram/webhook", webhook_secret=SECRET,
                   public_url="https://tuoyu.example")


@pytest.fixture
async def tuoyu(settings: Settings, fake: FakeBotApi, database: Database, kb: KnowledgeBase) -> AsyncIterator[Tuoyu]:
    app = await build(bot_settings(settings, fake), migrate=False, kb=kb, db=database)
    yield app


@pytest.fixture
async def bot(tuoyu: Tuoyu, fake: FakeBotApi) -> AsyncIterator[FakeBotApi]:
    """The bot long-polling the fake server, started as `tuoyu telegram` does; yields the fake."""
    app = build_application(tuoyu.channel)
    async with started(app, tuoyu.channel, run_outbox=False):
        assert app.updater is not None
        since = fake.mark()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await fake.wait_for_call("getUpdates", since=since)
        yield fake
        await app.updater.stop()
    await asyncio.sleep(0)
