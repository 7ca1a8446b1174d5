"""Log records carry the chat being handled; counters and the histogram render as Prometheus text."""

from __future__ import annotations

import json
import logging

from bot.engine.types import Inbound, Reply
from bot.observability import (
    EMERGENCIES,
    FALLBACKS,
    QUESTIONS,
    ContextFilter,
    Counter,
    Histogram,
    JsonFormatter,
    bind,
    context,
    count_replies,
)


def record(message: str) -> logging.LogRecord:
    rec = logging.LogRecord("tuoyu.test", logging.INFO, __file__, 1, message, (), None)
    ContextFilter().filter(rec)
    return rec


def test_bound_fields_reach_text_and_json_records_and_are_reset() -> None:
    with bind(chat="telegram:777", update=42):
        rec = record("handled")
        assert rec.context == " [chat=telegram:777 update=42]"  # type: ignore[attr-defined]
        line = json.loads(JsonFormatter().format(rec))
        assert (line["chat"], line["update"], line["message"]) == ("telegram:777", "42", "handled")
    assert context() == {}
    assert record("outside").context == ""  # type: ignore[attr-defined]


def test_counter_and_histogram_exposition() -> None:
    counter = Counter("t_total", "Things.", ("kind",))
    counter.inc('a"b')
    counter.inc('a"b')
    assert counter.render()[-1] == 't_total{kind="a\\"b"} 2'
    hist = Histogram("t_seconds", "Time.", ("route",), (0.1, 1.0))
    hist.observe(0.05, "/x")
    hist.observe(0.5, "/x")
    lines = hist.render()
    assert 't_seconds_bucket{route="/x",le="0.1"} 1' in lines
    assert 't_seconds_bucket{route="/x",le="1"} 2' in lines
    assert 't_seconds_bucket{route="/x",le="+Inf"} 2' in lines
    assert 't_seconds_count{route="/x"} 2' in lines


def test_replies_are_counted_by_kind() -> None:
    before = (QUESTIONS.values.get(("web", "fallback"), 0), FALLBACKS.values.get(("web",), 0),
              EMERGENCIES.values.get(("choking",), 0))
    count_replies(Inbound.message("x", channel="web"), [Reply(kind="fallback", text="12345")])
    count_replies(Inbound.message("y", channel="web"),
                  [Reply(kind="emergency", text="120", data={"category": "choking"})])
    count_replies(Inbound.message("/start", channel="web"), [Reply(kind="smalltalk", text="hi")])
    after = (QUESTIONS.values[("web", "fallback")], FALLBACKS.values[("web",)], EMERGENCIES.values[("choking",)])
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
