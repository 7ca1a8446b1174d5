"""The composition root: build every service from one Settings object, and close them again."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.conversations import Conversations
from bot.engine.engine import Engine
from bot.engine.flow import Flow
from bot.i18n import Catalog, default_catalog
from bot.port import ChannelContext, ChannelPort
from bot.services import Services
from bot.settings import Settings, secret_key
from bot.share import ShareService
from complaints import photos
from knowledge.base import KnowledgeBase, cache_build_command
from knowledge.loader import ARTICLES
from knowledge.semantic import single_threaded_blas
from storage.database import Database

log = logging.getLogger(__name__)


@dataclass
class Tuoyu:
    """Everything a channel adapter or command needs, built once per process."""

    settings: Settings
    db: Database
    kb: KnowledgeBase
    catalog: Catalog
    engine: Engine
    conversations: Conversations
    port: ChannelPort
    services: Services

    @property
    def channel(self) -> ChannelContext:
        """What a channel adapter is handed: the port, the settings and the typed services, never this root."""
        return ChannelContext(self.port, self.settings, self.services)

    async def close(self) -> None:
        await self.services.close()
        await self.db.dispose()


def build_flows(settings: Settings, db: Database, kb: KnowledgeBase, services: Services) -> list[Flow]:
    """The multi-step flows this build offers (finder, complaint) with their services."""
    return [finder_flow(settings, db, services), complaint_flow(settings, db, services)]


def finder_flow(settings: Settings, db: Database, services: Services) -> Flow:
    """The facility finder service (services.facilities, with the online geocoder when configured) and its
    chat flow."""
    from bot.flows.finder import FinderFlow
    from locator.geocode import make_geocoder
    from locator.service import FacilityService

    geocoder = make_geocoder(settings.geocoder, settings.geocoder_key, settings.geocoder_url)
    services.facilities = FacilityService(db, geocoder=geocoder, provider=settings.geocoder)
    return FinderFlow(services.facilities)


def complaint_flow(settings: Settings, db: Database, services: Services) -> Flow:
    """The complaint service, its outbox worker (services.outbox, started by the server) and the intake flow."""
    from bot.flows.complaint import ComplaintFlow
    from complaints.outbox import Deliverer, standard_strategies
    from complaints.service import ComplaintService
    from complaints.tracking import pin_key

    deliverer = Deliverer(db, standard_strategies(smtp_host=settings.smtp_host, smtp_port=settings.smtp_port,
                                                  smtp_sender=settings.smtp_sender))
    service = ComplaintService(db, default_catalog().get, pin_key=pin_key(secret_key(settings)), wake=deliverer.wake)
    services.complaints, services.outbox = service, deliverer
    return ComplaintFlow(service, service.base_table, services.facilities,
                         retention_days=settings.contact_retention_days)


async def build(settings: Settings | None = None, *, migrate: bool = True, kb: KnowledgeBase | None = None,
                db: Database | None = None) -> Tuoyu:
    """Connect, migrate, seed demo data where configured, and wire the engine."""
    settings = settings or Settings.from_env()
    single_threaded_blas()
    db = db or Database(settings.database_url)
    cache_dir = settings.data_dir / "cache"
    builder = None if kb else await start_index_build(cache_dir)  # meanwhile: migrations
    async with db.exclusive("tuoyu-startup"):  # instances starting together migrate and seed one by one
        if migrate:
            await db.upgrade()
        if settings.demo_data:
            from locator.demo import seed_demo

            await seed_demo(db)  # only into an empty facility table
    if builder is not None and await builder.wait() != 0:
        log.warning("building the knowledge index in a child process failed; building it here")
    kb = kb or KnowledgeBase.load(cache_dir=cache_dir)
    catalog = default_catalog()
    services = Services(db, ShareService(db))
    engine = Engine(kb, catalog, build_flows(settings, db, kb, services), public_url=settings.public_url)
    conversations = Conversations(db, engine)
    if services.complaints is not None:
        services.complaints.chat_changed = conversations.drop_kept  # the retention purge edits conversation rows
    port = ChannelPort(conversations, kb, catalog, photo_folder=photos.folder(settings.data_dir),
                       share=services.share, outbox=services.outbox)
    return Tuoyu(settings, db, kb, catalog, engine, conversations, port, services)


async def start_index_build(cache_dir: Path) -> asyncio.subprocess.Process | None:
    """Start building a missing knowledge cache in a child process (None when it is there or cannot start).

    The child's index-building garbage (YAML, pinyin and traditional-Chinese tables) never enters this
    long-running process, which only loads the finished pickle.
    """
    command = cache_build_command(ARTICLES, cache_dir)
    if command is None:
        return None
    root = str(ARTICLES.resolve().parents[1])  # the folder holding the `knowledge` package
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    try:
        return await asyncio.create_subprocess_exec(*command, env={**os.environ, "PYTHONPATH": path},
                                                    stdin=asyncio.subprocess.DEVNULL)
    except OSError:
        return None


@asynccontextmanager
async def running(settings: Settings | None = None, **kwargs: Any) -> AsyncIterator[Tuoyu]:
    app = await build(settings, **kwargs)
    try:
        yield app
    finally:
        await app.close()
