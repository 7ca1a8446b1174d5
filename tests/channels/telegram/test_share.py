"""Guidance links for health workers: deep links counted per article and code, inline sharing, the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from PIL import Image

from bot.bootstrap import Tuoyu
from bot.cli import main
from bot.share import ShareService, ShareStat, deep_link, parse_payload, web_link
from storage.database import Database
from tests.channels.telegram.fake_bot_api import FakeBotApi

CHAT = 3003


@pytest.mark.parametrize(("payload", "parsed"), [
    ("g-vaccine_hepb", ("vaccine_hepb", None)),
    ("g-vaccine_hepb-clinic_7", ("vaccine_hepb", "clinic_7")),
    ("g-vaccine_hepb-" + "x" * 17, None),
    ("g-../etc", None),
    ("g-vaccine_hepb-a-b", None),
    ("g-Vaccine", None),
    ("flyer", None),
])
def test_payload_allow_list(payload: str, parsed: tuple[str, str | None] | None) -> None:
    assert parse_payload(payload) == parsed


def test_links() -> None:
    assert deep_link("TuoyuBot", "vaccine_hepb", "cl1") == "https://t.me/TuoyuBot?start=g-vaccine_hepb-cl1"
    assert web_link("https://x.cn/", "vaccine_hepb", "cl1") == "https://x.cn/guide/vaccine_hepb?ref=cl1"
    with pytest.raises(ValueError, match="referral"):
        deep_link("TuoyuBot", "vaccine_hepb", "no spaces!")


async def test_deep_links_answer_the_article_and_are_counted(bot: FakeBotApi, tuoyu: Tuoyu) -> None:
    await bot.text(CHAT, "/start g-vaccine_hepb-clinic7")
    call = await bot.wait_for_call("sendMessage")
    assert call.params["text"].startswith("<b>乙肝疫苗什么时候打</b>")
    since = bot.mark()
    await bot.text(CHAT + 1, "/start g-vaccine_hepb")
    await bot.wait_for_call("sendMessage", since=since)
    since = bot.mark()
    await bot.text(CHAT + 2, "/start g-vaccine_hepb-clinic7")
    await bot.wait_for_call("sendMessage", since=since)
    for bad in ("/start g-no_such_article", "/start g-vaccine_hepb-<script>", "/start inline"):
        since = bot.mark()
        await bot.text(CHAT + 3, bad)
        welcome = await bot.wait_for_call("sendMessage", since=since)
        assert "托育" in welcome.params["text"]
    stats = await tuoyu.services.share.stats()
    assert stats == [ShareStat("vaccine_hepb", "clinic7", "telegram", 2),
                     ShareStat("vaccine_hepb", None, "telegram", 1)]


async def test_inline_query_lists_articles_with_a_deep_link_button(bot: FakeBotApi) -> None:
    await bot.inline(4004, "百白破")
    call = await bot.wait_for_call("answerInlineQuery")
    results = call.params["results"]
    assert results[0]["id"] == "vaccine_dtap"
    assert results[0]["title"] == "百白破疫苗什么时候打"
    assert results[0]["description"]
    button = results[0]["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"] == "https://t.me/TuoyuTestBot?start=g-vaccine_dtap"
    since = bot.mark()
    await bot.inline(4004, "vaccine", lang="en")
    english = await bot.wait_for_call("answerInlineQuery", since=since)
    assert {r["id"] for r in english.params["results"]} <= {"vaccine_dtap", "vaccine_hepb"}
    assert english.params["results"][0]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Open in Tuoyu"


async def test_share_service_counts_per_article_ref_and_channel(database: Database) -> None:
    share = ShareService(database)
    for ref, channel in (("a1", "telegram"), ("a1", "telegram"), (None, "web"), ("bad code!", "web")):
        await share.record("vaccine_hepb", ref, channel)
    assert await share.stats() == [ShareStat("vaccine_hepb", None, "web", 2),
                                   ShareStat("vaccine_hepb", "a1", "telegram", 2)]


def test_share_cli_prints_links_and_writes_a_qr_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TUOYU_BOT_USERNAME", "TuoyuLanzhouBot")
    monkeypatch.setenv("TUOYU_PUBLIC_URL", "https://tuoyu.example")
    out = tmp_path / "qr.png"
    assert main(["share", "vaccine_hepb", "--ref", "clinic7", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "https://t.me/TuoyuLanzhouBot?start=g-vaccine_hepb-clinic7" in printed
    assert "https://tuoyu.example/guide/vaccine_hepb?ref=clinic7" in printed
    assert Image.open(out).size[0] > 100
    assert main(["share", "vaccine_hepb", "--ref", "bad code"]) == 1
    assert main(["share", "no_such_article"]) == 1


def test_share_stats_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TUOYU_DATABASE_URL", f"sqlite:///{tmp_path / 'stats.sqlite3'}")
    assert main(["share", "stats"]) == 0
    assert "no guidance links" in capsys.readouterr().out

    async def seed() -> None:
        db = Database(f"sqlite:///{tmp_path / 'stats.sqlite3'}")
        await ShareService(db).record("vaccine_hepb", "clinic7", "telegram")
        await db.dispose()

    asyncio.run(seed())
    assert main(["share", "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"article": "vaccine_hepb", "ref": "clinic7", "channel": "telegram", "count": 1}]
