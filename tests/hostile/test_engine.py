"""Whatever a user types or whichever button code a client forges, the bot replies and never raises."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.engine.types import Inbound, InboundKind
from tests.hostile.conftest import HOSTILE, Live
from tests.hostile.strategies import button_codes, texts

inbounds = st.one_of(
    texts.map(lambda t: Inbound.message(t, channel="web")),
    button_codes.map(lambda b: Inbound(InboundKind.BUTTON, text=b, channel="web")),
    st.builds(lambda lat, lon: Inbound(InboundKind.LOCATION, lat=lat, lon=lon, channel="web"),
              st.floats(-90, 90), st.floats(-180, 180)),
    st.builds(lambda ref: Inbound(InboundKind.PHOTO, attachment=ref, channel="web"), st.text(max_size=80)),
)


@HOSTILE
@given(steps=st.lists(inbounds, min_size=1, max_size=6), chat=st.sampled_from(["web:h1aaaaaa", "web:h2bbbbbb"]))
def test_every_input_gets_a_reply(live: Live, steps: list[Inbound], chat: str) -> None:
    for inbound in steps:
        replies = live.run(live.tuoyu.conversations.process(chat, inbound))
        assert replies and all(r.text.strip() for r in replies)
        assert all(len(b.data.encode()) <= 64 for r in replies for b in r.buttons)


def test_64_kb_of_text_is_answered(live: Live) -> None:
    for text in ("宝宝发烧怎么办" * 9400, "a" * 65536, "\u200b" * 65536, "👶" * 16384):
        replies = live.run(live.tuoyu.conversations.process("web:huge0001", Inbound.message(text, channel="web")))
        assert replies and replies[0].text
