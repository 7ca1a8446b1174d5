"""One access token for every instance: fetched once, stored with its expiry, refetched once when refused."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from bot.channels.wechat.models import WeChatToken
from bot.channels.wechat.server import WeChatChannel
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from storage.database import Database
from tests.channels.wechat.conftest import instance
from tests.channels.wechat.fake_wechat import FakeWeChat, Follower


async def test_two_instances_share_one_access_token(settings: Settings, database: Database, kb: KnowledgeBase,
                                                    fake: FakeWeChat) -> None:
    other_db = Database(database.url, schema=database.schema)  # the second instance's own engine and pool
    async with instance(settings, database, kb, fake) as first, instance(settings, other_db, kb, fake) as second:
        followers = []
        for n, served in enumerate((first, second, first, second)):
            fake.target = served.url
            followers.append(asyncio.create_task(  # long answers: every instance calls the API at once
                fake.post(fake.text(f"oTwin{n}", "给我一个超长测试回答"))))
        answers = await asyncio.gather(*followers)
        assert {a.body for a in answers} == {"success"}
        for n in range(4):
            await fake.wait_for_sent(f"oTwin{n}", 10)
    await other_db.dispose()
    assert fake.token_fetches == 1


async def test_a_refused_token_is_refetched_once_and_the_call_made_again(fake: FakeWeChat, channel: WeChatChannel
                                                                         ) -> None:
    await Follower(fake, "oExpired").say("给我一个超长测试回答")
    assert fake.token_fetches == 1
    fake.expire_tokens()  # WeChat answers 40001 to the stored token from now on
    await Follower(fake, "oExpired").say("给我一个超长测试回答")
    assert fake.token_fetches == 2
    assert fake.calls.count("custom_send") == 10 + 1 + 10  # one call refused, then made again


async def test_a_token_near_expiry_is_refreshed_before_it_runs_out(fake: FakeWeChat, channel: WeChatChannel,
                                                                   database: Database) -> None:
    await Follower(fake, "oEarly").say("给我一个超长测试回答")
    async with database.session() as s:  # four minutes left: inside the five-minute margin
        await s.execute(update(WeChatToken).values(expires_at=WeChatToken.expires_at - 7200 + 240))
    channel.api.tokens._expires_at -= 7200 - 240
    await Follower(fake, "oEarly").say("给我一个超长测试回答")
    assert fake.token_fetches == 2
