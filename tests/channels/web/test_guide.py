"""Guidance pages: index and search, article pages, posters with QR codes and referral codes."""

from __future__ import annotations

import httpx

from bot.channels.web.guide import deep_link, qr_svg, text_blocks


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


async def test_search_query_is_escaped(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide", params={"q": "<script>alert(1)</script>"})).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


async def test_article_page_has_everything(client: httpx.AsyncClient) -> None:
    response = await client.get("/guide/illness_fever")
    assert response.status_code == 200
    html = response.text
    assert 'id="red-flags"' in html and 'id="sources"' in html and 'id="reviewed"' in html
    assert "<svg" in html and 'id="qr"' in html
    assert 'href="https://t.me/TestTuoyuBot?start=g-illness_fever"' in html
    assert str(qr_svg("https://t.me/TestTuoyuBot?start=g-illness_fever")) in html


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


async def test_ref_goes_into_deep_link_and_qr(client: httpx.AsyncClient) -> None:
    html = (await client.get("/guide/illness_fever?ref=clinic_07")).text
    link = "https://t.me/TestTuoyuBot?start=g-illness_fever-clinic_07"
    assert f'href="{link}"' in html and str(qr_svg(link)) in html


async def test_invalid_ref_is_dropped_on_the_article_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/guide/illness_fever", params={"ref": "bad-ref\"><x"})
    assert response.status_code == 200
    assert "start=g-illness_fever\"" in response.text and "bad-ref" not in response.text.split("<main>")[1]


async def test_poster_has_large_qr_of_the_web_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/guide/illness_fever/poster?ref=CHC12&lang=zh")
    assert response.status_code == 200
    html = response.text
    web = "http://127.0.0.1:8000/guide/illness_fever?lang=zh&ref=CHC12"
    assert str(qr_svg(web, 10)) in html and web.replace("&", "&amp;") in html
    assert "start=g-illness_fever-CHC12" in html and "/static/print.css" in html


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
