"""Guidance pages: index and search, article pages, posters with QR codes and referral codes; the web chat is the
first door and Telegram is shown only when it is configured."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from bot.bootstrap import Tuoyu, build
from bot.channels.web.app import create_app
from bot.channels.web.guide import deep_link, key_points, qr_svg, text_blocks
from bot.settings import Settings
from bot.share import ShareStat
from storage.database import Database
from tests.bot.helpers import fixture_kb

TELEGRAM = re.compile(r"t\.me/|Telegram", re.IGNORECASE)


@pytest.fixture
async def telegram_client(database: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The web app of a deployment that also runs the Telegram bot."""
    tuoyu = await build(replace(settings, bot_username="TestTuoyuBot", telegram_token="123:test"), migrate=False,
                        kb=fixture_kb(), db=database)
    transport = httpx.ASGITransport(app=create_app(tuoyu.channel), client=("203.0.113.8", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def main_of(html: str) -> str:
    return html.split("<main>", 1)[1].split("</main>", 1)[0]


async def test_index_lists_articles_by_topic(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide")).text
    assert 'id="topic-leave_maternity"' in html and 'href="/guide/leave_maternity_national?lang=zh"' in html
    assert "产假" in html


async def test_search_uses_the_retrieval(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide", params={"q": "老公能休几天陪产假"})).text
    results = html.split('id="results"', 1)[1].split("</section>", 1)[0]
    assert results.index("leave_paternity_gansu") >= 0


async def test_search_without_hits_says_so(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide", params={"q": "火星旅游签证"})).text
    assert "没有找到相关文章" in html


async def test_a_danger_sign_searched_gets_what_to_do_now_not_articles(client: httpx.AsyncClient) -> None:
    html = main_of((await client.get("/guide", params={"q": "宝宝吞了纽扣电池"})).text)
    danger = html.split('id="danger"', 1)[1].split("</section>", 1)[0]
    assert 'href="tel:120"' in danger and 'role="alert"' in html and 'id="results"' not in html
    english = main_of((await client.get("/guide", params={"q": "my baby is not breathing", "lang": "en"})).text)
    assert 'id="danger"' in english and "120" in english.split('id="danger"', 1)[1]
    ordinary = main_of((await client.get("/guide", params={"q": "宝宝发烧怎么办"})).text)
    assert 'id="danger"' not in ordinary and 'id="results"' in ordinary


async def test_an_out_of_scope_search_gets_no_article(client: httpx.AsyncClient) -> None:
    html = main_of((await client.get("/guide", params={"q": "我老公高血压吃什么药"})).text)
    assert "没有找到相关文章" in html


async def test_search_query_is_escaped(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide", params={"q": "<script>alert(1)</script>"})).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


async def test_article_page_has_everything(client: httpx.AsyncClient) -> None:
    response = await client.get("/guide/illness_fever")
    assert response.status_code == 200
    html = response.text
    assert 'id="red-flags"' in html and 'id="sources"' in html and 'id="reviewed"' in html
    chat = "http://127.0.0.1:8000/guide/illness_fever/chat?lang=zh"
    assert 'id="qr"' in html and str(qr_svg(chat)) in html
    assert 'id="chat-link" href="/guide/illness_fever/chat?lang=zh"' in html


async def test_without_telegram_pages_show_no_telegram(client: httpx.AsyncClient) -> None:
    for path in ("/guide/illness_fever", "/guide/illness_fever?ref=clinic_07", "/guide/illness_fever/poster",
                 "/guide/illness_fever/poster?ref=clinic_07&size=a5", "/guide/illness_fever?lang=en"):
        html = (await client.get(path)).text
        assert not TELEGRAM.search(main_of(html)), path
        assert 'id="deep-link"' not in html and 'id="telegram-qr"' not in html


async def test_with_telegram_it_is_the_second_door(telegram_client: httpx.AsyncClient) -> None:
    html = (await telegram_client.get("/guide/illness_fever?ref=clinic_07")).text
    link = "https://t.me/TestTuoyuBot?start=g-illness_fever-clinic_07"
    assert f'id="deep-link" href="{link}"' in html and str(qr_svg(link)) in html
    assert html.index('id="chat-link"') < html.index('id="deep-link"')  # the web chat comes first
    poster = (await telegram_client.get("/guide/illness_fever/poster?ref=clinic_07")).text
    assert link in poster and str(qr_svg(link)) in poster
    assert poster.index('id="poster-qr"') < poster.index('id="telegram-qr"')


async def test_red_flags_and_footer_call_numbers_are_tel_links(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide/illness_fever")).text
    flags = html.split('id="red-flags"', 1)[1].split("</section>", 1)[0]
    assert '<a class="tel" href="tel:120">120</a>' in flags
    foot = html.split('<footer class="foot">', 1)[1]
    assert 'href="tel:120"' in foot and 'href="tel:110"' in foot and 'href="/about?lang=zh"' in foot


async def test_article_pages_are_cacheable_per_language(client: httpx.AsyncClient) -> None:
    first = await client.get("/guide/illness_fever")
    again = await client.get("/guide/illness_fever")
    assert first.text == again.text and "public" in again.headers["cache-control"]
    assert again.headers["vary"] == "Accept-Language"
    assert "set-cookie" not in again.headers
    english = await client.get("/guide/illness_fever", headers={"accept-language": "en"})
    assert english.text != first.text


async def test_non_health_article_has_no_red_flag_box(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide/leave_maternity_national")).text
    assert 'id="red-flags"' not in html
    assert 'id="related"' in html and "/guide/leave_paternity_gansu" in html


async def test_english_by_query_or_header(client: httpx.AsyncClient) -> None:
    assert "98 days" in (await client.get("/guide/leave_maternity_national?lang=en")).text
    html = (await client.get("/guide/leave_maternity_national", headers={"accept-language": "en-US,en;q=0.9"})).text
    assert "98 days" in html and '<html lang="en">' in html
    zh = (await client.get("/guide/leave_maternity_national", headers={"accept-language": "zh-CN,en;q=0.5"})).text
    assert "98天" in zh


async def test_ref_goes_into_the_chat_link_and_qr(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide/illness_fever?ref=clinic_07")).text
    link = "http://127.0.0.1:8000/guide/illness_fever/chat?lang=zh&ref=clinic_07"
    assert str(qr_svg(link)) in html and 'href="/guide/illness_fever/chat?ref=clinic_07&amp;lang=zh"' in html


async def test_invalid_ref_is_dropped_on_the_article_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/guide/illness_fever", params={"ref": "bad-ref\"><x"})
    assert response.status_code == 200
    assert "bad-ref" not in main_of(response.text)


async def test_poster_has_title_key_points_chat_qr_and_12320(client: httpx.AsyncClient) -> None:
    response = await client.get("/guide/illness_fever/poster?ref=CHC12&lang=zh")
    assert response.status_code == 200
    html = response.text
    chat = "http://127.0.0.1:8000/guide/illness_fever/chat?lang=zh&ref=CHC12"
    assert str(qr_svg(chat, 10)) in html and chat.replace("&", "&amp;") in html
    assert "发烧" in main_of(html).split("<h1>", 1)[1].split("</h1>", 1)[0]
    points = re.findall(r"<li>(.*?)</li>", html.split('id="key-points"', 1)[1].split("</ul>", 1)[0])
    assert 1 <= len(points) <= 3
    answer = (await client.get("/guide/illness_fever")).text.split('class="answer"', 1)[1].split("</div>", 1)[0]
    assert all(f"<li>{p}</li>" in answer or f"<p>{p}</p>" in answer for p in points)  # the article's own words
    assert '<a class="tel" href="tel:12320">12320</a>' in html and "/static/print.css" in html
    assert 'id="clinic"' in html and 'class="blank"' in html  # a line to write the clinic's name on
    assert 'class="poster size-a4"' in html and 'id="size-a5"' in html


async def test_poster_prints_the_name_of_its_referral_code(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    await tuoyu.services.share.name_ref("CHC12", "七里河区某社区卫生服务中心")
    html = (await client.get("/guide/illness_fever/poster?ref=CHC12&size=a5")).text
    clinic = html.split('id="clinic">', 1)[1].split("</p>", 1)[0]
    assert clinic == "七里河区某社区卫生服务中心"
    assert 'class="poster size-a5"' in html and 'aria-current="page">A5' in html


async def test_poster_rejects_bad_size(client: httpx.AsyncClient) -> None:
    assert (await client.get("/guide/illness_fever/poster?size=letter")).status_code == 400


async def test_chat_link_opens_the_chat_on_the_article_as_a_shared_link_counted_once(client: httpx.AsyncClient,
                                                                                    tuoyu: Tuoyu) -> None:
    response = await client.get("/guide/illness_fever/chat?ref=CHC12&lang=zh")
    assert response.status_code == 303
    assert response.headers["location"] == "/chat?start=g-illness_fever-CHC12&lang=zh"
    bad = await client.get("/guide/illness_fever/chat", params={"ref": "bad ref"})
    assert bad.headers["location"] == "/chat?start=g-illness_fever&lang=zh"
    assert await tuoyu.services.share.stats() == [], "the redirect itself counts nothing"
    for n, start in enumerate(("g-illness_fever-CHC12", "g-illness_fever")):  # what chat.js posts for ?start=
        reply = (await client.post("/api/chat", json={"session": f"poster-{n}", "text": f"/start {start}"})).json()
        assert reply["article"] == "illness_fever"
    assert await tuoyu.services.share.stats() == [ShareStat("illness_fever", None, "web", 1),
                                                  ShareStat("illness_fever", "CHC12", "web", 1)]
    assert (await client.get("/guide/no_such_article/chat")).status_code == 404


def test_key_points_are_the_articles_first_bullets_or_paragraphs() -> None:
    assert key_points(text_blocks("要点：\n- 一\n- 二\n- 三\n- 四\n结尾")) == ["一", "二", "三"]
    assert key_points(text_blocks("第一段。\n第二段。\n第三段。")) == ["第一段。", "第二段。"]
    assert key_points(text_blocks("只有一条：\n- 一\n说明")) == ["只有一条：", "说明"]


async def test_poster_rejects_bad_ref(client: httpx.AsyncClient) -> None:
    for ref in ("", "toolongreferral_code", "a-b", "中文"):
        assert (await client.get("/guide/illness_fever/poster", params={"ref": ref})).status_code == 400


async def test_unknown_article_is_404(client: httpx.AsyncClient) -> None:
    for path in ("/guide/no_such_article", "/guide/no_such_article/poster", "/guide/..%2F..%2Fetc"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "没有找到这个页面" in response.text


def test_text_blocks_paragraphs_and_lists() -> None:
    assert text_blocks("要点：\n- 一\n- 二\n\n结尾") == [("p", ["要点："]), ("ul", ["一", "二"]), ("p", ["结尾"])]


def test_deep_link_payload() -> None:
    assert deep_link("Bot", "a_b", None) == "https://t.me/Bot?start=g-a_b"
    assert deep_link("Bot", "a_b", "X1") == "https://t.me/Bot?start=g-a_b-X1"


async def test_article_pages_revalidate_with_their_etag(client: httpx.AsyncClient) -> None:
    first = await client.get("/guide/illness_fever")
    etag = first.headers["etag"]
    same = await client.get("/guide/illness_fever", headers={"if-none-match": f'W/"x", {etag}'})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    assert "public" in same.headers["cache-control"] and same.headers["vary"] == "Accept-Language"
    stale = await client.get("/guide/illness_fever", headers={"if-none-match": '"older"'})
    assert stale.status_code == 200 and stale.text == first.text
    english = await client.get("/guide/illness_fever?lang=en")
    assert english.headers["etag"] != etag  # another language is another page
