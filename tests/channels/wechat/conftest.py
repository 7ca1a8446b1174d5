"""The real web app with `/wechat` under uvicorn on loopback, the fake WeChat posting to it and serving its API."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import uvicorn
import yaml
from starlette.applications import Starlette

from bot.bootstrap import Tuoyu, build
from bot.channels.web.app import create_app
from bot.channels.wechat.server import WeChatChannel
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from storage.database import Database
from tests.bot.helpers import FIXTURE_ARTICLES
from tests.channels.wechat.fake_wechat import AES_KEY, APPID, SECRET, TOKEN, FakeWeChat

LONG_ID = "other_long_reply"


def with_long_article(folder: Path) -> Path:
    """The fixture articles plus one whose answer is ~12,000 bytes (six WeChat messages)."""
    shutil.copytree(FIXTURE_ARTICLES, folder, dirs_exist_ok=True)
    paragraph = "长回答测试段落，" * 50
    long = {
        "id": LONG_ID, "topic": "other_in_scope", "title": {"zh": "超长测试回答", "en": "A very long answer"},
        "questions": {"zh": ["超长测试回答请给我", "给我一个超长测试回答", "超长回答测试", "测试超长回答"],
                      "en": ["very long test answer"]},
        "answer": {"zh": "\n\n".join(f"第{i}段。{paragraph}" for i in range(1, 11)), "en": "long"},
        "sources": [{"title": "测试", "issuer": "测试", "date": "2026", "url": None}],
        "reviewed": "2026-11-29", "related": [],
    }
    (folder / f"{LONG_ID}.yaml").write_text(yaml.safe_dump(long, allow_unicode=True), encoding="utf-8")
    return folder



@pytest.fixture(scope="session")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return KnowledgeBase.load(with_long_article(tmp_path_factory.mktemp("articles")))


def wechat_settings(settings: Settings, api_url: str, *, aes: bool = False) -> Settings:
    return replace(settings, wechat_token=TOKEN, wechat_appid=APPID, wechat_secret=SECRET,
                   wechat_aes_key=AES_KEY if aes else None, wechat_api_url=api_url,
                   public_url="https://tuoyu.example")


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """The app under uvicorn on a free loopback port (no lifespan: the outbox runs when a test says); its URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        await app.state.wechat.close()


@dataclass
class Instance:
    tuoyu: Tuoyu
    url: str  # its /wechat
    channel: WeChatChannel


@asynccontextmanager
async def instance(settings: Settings, db: Database, kb: KnowledgeBase, fake: FakeWeChat, *, aes: bool = False
                   ) -> AsyncIterator[Instance]:
    """One Tuoyu web app serving `/wechat` against the fake's API."""
    tuoyu = await build(wechat_settings(settings, fake.base_url, aes=aes), migrate=False, kb=kb, db=db)
    app = create_app(tuoyu.channel)
    async with served(app) as url:
        yield Instance(tuoyu, f"{url}/wechat", app.state.wechat)


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat() as server:
        yield server


@pytest.fixture
async def served_app(settings: Settings, database: Database, kb: KnowledgeBase, fake: FakeWeChat
                     ) -> AsyncIterator[Instance]:
    """Tuoyu serving /wechat in plaintext mode (the fake posts to it)."""
    async with instance(settings, database, kb, fake) as served_instance:
        fake.target = served_instance.url
        yield served_instance


@pytest.fixture
def tuoyu(served_app: Instance) -> Tuoyu:
    return served_app.tuoyu


@pytest.fixture
def channel(served_app: Instance) -> WeChatChannel:
    return served_app.channel


@pytest.fixture
async def wx(tuoyu: Tuoyu, fake: FakeWeChat) -> FakeWeChat:
    return fake
