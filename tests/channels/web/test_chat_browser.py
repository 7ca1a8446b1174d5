"""The web chat on a 390×844 phone in headless Chromium against `tuoyu serve`: where a reply lands, how it is
drawn, history after a reload, the cancel control in each flow, elder-friendly mode and tel: links."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.browser_support import chromium, free_port, serve_env, serving, shot

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 375, "height": 560}  # a small phone with the browser's bars shown
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("chat-serve")
    port = free_port()
    with serving(serve_env(tmp, port, "chat-browser-secret"), tmp, port) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@contextmanager
def phone_context(browser: Any, server: str, speech: bool = True) -> Iterator[Any]:
    """A fresh 390×844 phone context (its own cookies and storage); any script error or CSP violation fails."""
    context = browser.new_context(viewport=PHONE, base_url=server, locale="zh-CN", device_scale_factor=1,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    if not speech:
        context.add_init_script("delete window.SpeechRecognition; delete window.webkitSpeechRecognition;")
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield context
    context.close()
    assert not errors, errors


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    with phone_context(browser, server) as context:
        yield context.new_page()


def ask(page: Any, text: str) -> Any:
    """Type and send; the first new bot reply once it is on the page."""
    count = page.locator("#log li.msg.bot").count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    page.locator("#log li.msg.bot").nth(count).wait_for()
    page.wait_for_function("!document.getElementById('chat').classList.contains('busy')")
    return page.locator("#log li.msg.bot").nth(count)


def press(page: Any, selector: str) -> Any:
    count = page.locator("#log li.msg.bot").count()
    page.locator(selector).last.click()
    page.locator("#log li.msg.bot").nth(count).wait_for()
    page.wait_for_function("!document.getElementById('chat').classList.contains('busy')")
    return page.locator("#log li.msg.bot").nth(count)


def top_of(locator: Any) -> float:
    return float(locator.evaluate("e => e.getBoundingClientRect().top"))


def test_a_new_reply_is_shown_from_its_headline(phone: Any) -> None:
    page = phone
    page.set_viewport_size(SMALL_PHONE)  # a reply taller than the screen whatever fonts the machine has
    page.goto("/chat")
    for question in ("产假有多少天", "宝宝发烧怎么办"):
        ask(page, question)
    reply = ask(page, "奶粉怎么冲才正确")  # long: its end is far below its start
    assert reply.evaluate("e => e.getBoundingClientRect().height") > SMALL_PHONE["height"]
    assert page.evaluate("window.scrollY") > 0
    assert 0 <= top_of(reply) <= 20, "the reply's start is at the top of the screen"
    head = reply.locator(".bubble .head")
    assert head.is_visible() and top_of(head) < 60
    assert top_of(reply.locator(".buttons").last) > SMALL_PHONE["height"], "not scrolled to the reply's end"
    shot(page, "chat-390-reply-start", full=False)


def test_a_reply_is_drawn_as_structure_with_the_red_flags_boxed(phone: Any) -> None:
    page = phone
    page.goto("/chat")
    reply = ask(page, "宝宝发烧怎么办")
    assert reply.locator(".bubble > ul > li").count() >= 3  # the "- " bullets, without their dashes
    assert not any(t.startswith("-") for t in reply.locator(".bubble > ul > li").all_inner_texts())
    flags = reply.locator(".flags")
    assert flags.is_visible() and flags.locator("li").count() >= 2
    assert flags.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    sources = reply.locator("p.sources")
    assert "http" not in sources.inner_text()  # the address is behind the link word, not spelled out
    details = sources.locator("a.details")
    assert details.inner_text() == "详情" and details.get_attribute("href").startswith("/guide/illness_fever")
    assert details.bounding_box()["height"] >= 44
    for button in reply.locator(".buttons button").all():
        assert button.bounding_box()["height"] >= 44


def test_content_from_a_reply_is_never_html(phone: Any) -> None:
    page = phone
    page.goto("/chat")
    ask(page, "/complain")
    reply = ask(page, '<img src=x id=injected onerror="document.title=1"><b id=bold>阳光</b>托育')
    assert page.locator("#injected").count() == 0 and page.locator("#bold").count() == 0
    assert page.locator("#log img, #log b, #log script").count() == 0
    assert "<b id=bold>" in reply.inner_text() or "<b id=bold>" in page.locator("#log").inner_text()
    assert page.title() != "1"


def test_emergency_reply_has_a_big_call_button_and_tel_links(phone: Any) -> None:
    page = phone
    page.goto("/chat")
    reply = ask(page, "孩子抽搐了")
    assert "emergency" in reply.get_attribute("class")
    call = reply.locator("a.call").first
    assert call.get_attribute("href") == "tel:120"
    box = call.bounding_box()
    assert box["height"] >= 50 and box["width"] >= PHONE["width"] * 0.6
    dock = page.locator(".dock").bounding_box()["y"]
    assert top_of(reply) >= 0 and box["y"] + box["height"] <= dock, "the call button is on screen at once"
    assert reply.locator("a.tel[href='tel:120']").count() >= 1
    answer = ask(page, "宝宝发烧怎么办")
    assert answer.locator(".flags a.tel[href='tel:120']").count() >= 1
    assert answer.locator("a.tel").evaluate_all("as => as.every(a => /^tel:\\d+$/.test(a.getAttribute('href')))")
    shot(page, "chat-390-emergency", full=False)


def test_history_is_shown_after_a_reload_and_only_to_its_session(browser: Any, server: str) -> None:
    with phone_context(browser, server) as context:
        page = context.new_page()
        page.goto("/chat")
        ask(page, "产假有多少天")
        ask(page, "宝宝发烧怎么办")
        page.reload()
        page.locator("#log li.msg.user").nth(1).wait_for()
        assert page.locator("#log li.msg.user").all_inner_texts() == ["产假有多少天", "宝宝发烧怎么办"]
        last = page.locator("#log li.msg.bot").last
        last.locator(".flags").wait_for()  # drawn from its blocks again
        page.wait_for_function("window.scrollY > 0")
        assert 0 <= top_of(last) <= 20, "back where the parent left off: the last reply's start"
        assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tuoyu_history'))") == []
    with phone_context(browser, server) as other:  # another phone: another session, nothing of the first
        page = other.new_page()
        page.goto("/chat")
        assert page.locator("#chat[data-restored]").get_attribute("data-restored") == "0"
        assert page.locator("#log li.msg.user").count() == 0
        assert "产假" not in page.locator("#log").inner_text()


@pytest.mark.parametrize(("start", "flow_words"), [("我要投诉", "投诉"), ("/find", "托育")])
def test_the_cancel_control_shows_in_a_flow_and_leaves_it(phone: Any, start: str, flow_words: str) -> None:
    page = phone
    page.goto("/chat")
    bar = page.locator("#flow-bar")
    ask(page, "宝宝发烧怎么办")
    assert not bar.is_visible()
    ask(page, start)
    assert bar.is_visible() and flow_words in page.locator("#flow-name").inner_text()
    cancel = page.locator("#cancel")
    box = cancel.bounding_box()
    assert box["height"] >= 44 and box["y"] + box["height"] <= PHONE["height"], "within the thumb's reach"
    page.reload()  # the flow survives a reload, and so does its control
    page.locator("#log li.msg.user").first.wait_for()
    bar.wait_for(state="visible")
    reply = press(page, "#cancel")
    assert "已取消" in reply.inner_text()
    assert not bar.is_visible()
    assert page.locator("#log li.msg.user").last.inner_text() == "返回/取消"


def test_elder_mode_sticks_across_pages_and_reloads(phone: Any) -> None:
    page = phone
    page.goto("/chat")
    toggle = page.locator("#elder-toggle")
    assert toggle.is_visible() and toggle.bounding_box()["height"] >= 44
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    placeholder = page.locator("#text").get_attribute("placeholder")
    toggle.click()
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= normal * 1.2
    assert page.locator("#text").get_attribute("placeholder") != placeholder  # simpler words of its own
    reply = ask(page, "宝宝发烧怎么办")
    assert all(b.bounding_box()["height"] >= 52 for b in reply.locator(".buttons button").all())
    shot(page, "chat-390-elder", full=False)
    page.goto("/guide")
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    page.reload()
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#elder-toggle").click()
    page.reload()
    assert not page.evaluate("document.documentElement.classList.contains('elder')")


def test_elder_class_is_set_before_the_body_is_parsed(browser: Any, server: str) -> None:
    with phone_context(browser, server) as context:
        context.add_cookies([{"name": "tuoyu_elder", "value": "1", "url": server}])
        context.add_init_script("new MutationObserver((_, o) => { if (document.body) {"
                                " window.__elderAtParse = document.documentElement.className; o.disconnect(); } })"
                                ".observe(document, {childList: true, subtree: true});")
        page = context.new_page()
        page.goto("/guide")
        assert "elder" in page.evaluate("window.__elderAtParse").split()


def test_voice_input_only_where_the_browser_offers_it(browser: Any, server: str) -> None:
    with phone_context(browser, server, speech=False) as context:
        page = context.new_page()
        page.goto("/chat")
        page.wait_for_load_state("load")
        assert not page.locator("#voice").is_visible()
    with phone_context(browser, server) as context:
        page = context.new_page()
        page.goto("/chat")
        page.wait_for_load_state("load")
        offered = page.evaluate("Boolean(window.SpeechRecognition || window.webkitSpeechRecognition)")
        assert page.locator("#voice").is_visible() == offered


def test_hotlines_in_any_reply_are_tel_links_and_other_numbers_are_not(phone: Any) -> None:
    page = phone
    page.goto("/chat")
    reply = ask(page, "今天天气怎么样")  # out of scope: the reply names the 12345 hotline
    assert [a.get_attribute("href") for a in reply.locator("a.tel").all()] == ["tel:12345"]
    assert "0–3岁" in reply.inner_text()  # ages and dates stay text
    answer = ask(page, "产假有多少天")  # days, a decree's number and a review date beside two hotlines
    assert "98天" in answer.inner_text() and "619号" in answer.inner_text()
    assert [a.get_attribute("href") for a in answer.locator("a.tel").all()] == ["tel:12333", "tel:12345"]
