"""Logs that name the chat and update they are about, and in-process counters for GET /metrics.

`bind(chat=..., update=...)` sets context variables that a logging filter copies onto every record
logged inside it (also in tasks started there), so one grep finds a conversation across instances.
Counters live per process; Prometheus sums them over instances.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from bot.engine.types import Inbound, InboundKind, Reply

_CONTEXT: dict[str, ContextVar[str | None]] = {
    "chat": ContextVar("log_chat", default=None),
    "update": ContextVar("log_update", default=None),
}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"


def log_chat(chat_key: str) -> str:
    """A chat key fit for logs: a web session id is the key to that chat (and its complaints), so a web chat is
    named by a digest of it, still the same on every line and instance; other chat keys as they are."""
    scheme, _, rest = chat_key.partition(":")
    if scheme != "web":
        return chat_key
    return "web:#" + hashlib.sha256(rest.encode()).hexdigest()[:12]


@contextmanager
def bind(**fields: object) -> Iterator[None]:
    """Tag every log record inside the block with these fields (`chat`, `update`; web chats by `log_chat`)."""
    tokens = [(_CONTEXT[name], _CONTEXT[name].set(log_chat(str(value)) if name == "chat" else str(value)))
              for name, value in fields.items() if value is not None]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def context() -> dict[str, str]:
    """The fields bound where the caller runs."""
    return {name: value for name, var in _CONTEXT.items() if (value := var.get()) is not None}


class ContextFilter(logging.Filter):
    """Copies the bound fields onto the record (`record.context` is ` [chat=… update=…]` for text logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = context()
        record.fields = fields
        record.context = " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]" if fields else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers (TUOYU_LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str = "text") -> None:
    """Root logging to stderr as text or JSON lines with the chat/update context (a no-op if already set up)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])


class Counter:
    """A Prometheus counter with labels."""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, tuple(labels)
        self.values: dict[tuple[str, ...], float] = {}

    def inc(self, *values: str, by: float = 1.0) -> None:
        self.values[values] = self.values.get(values, 0.0) + by

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        lines += [f"{self.name}{labels(self.labels, key)} {value:g}" for key, value in sorted(self.values.items())]
        return lines


class Histogram:
    """A Prometheus histogram with labels and fixed buckets (seconds)."""

    def __init__(self, name: str, help_text: str, labels: Sequence[str], buckets: Sequence[float]) -> None:
        self.name, self.help, self.labels, self.buckets = name, help_text, tuple(labels), tuple(buckets)
        self.values: dict[tuple[str, ...], tuple[list[int], float, int]] = {}

    def observe(self, seconds: float, *values: str) -> None:
        counts, total, n = self.values.get(values) or ([0] * len(self.buckets), 0.0, 0)
        for i, bound in enumerate(self.buckets):
            if seconds <= bound:
                counts[i] += 1
        self.values[values] = (counts, total + seconds, n + 1)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for key, (counts, total, n) in sorted(self.values.items()):
            for bound, count in zip(self.buckets, counts, strict=True):
                lines.append(f"{self.name}_bucket{labels((*self.labels, 'le'), (*key, f'{bound:g}'))} {count}")
            lines.append(f"{self.name}_bucket{labels((*self.labels, 'le'), (*key, '+Inf'))} {n}")
            lines.append(f"{self.name}_sum{labels(self.labels, key)} {total:.6f}")
            lines.append(f"{self.name}_count{labels(self.labels, key)} {n}")
        return lines


def labels(names: Sequence[str], values: Sequence[str]) -> str:
    """`{a="1",b="2"}` with Prometheus escaping, or nothing without labels."""
    if not names:
        return ""
    escaped = (v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'{n}="{v}"' for n, v in zip(names, escaped, strict=True)) + "}"


QUESTIONS = Counter("tuoyu_questions_total", "Questions answered, by channel and reply kind.", ("channel", "kind"))
FALLBACKS = Counter("tuoyu_fallbacks_total", "Questions outside the knowledge base, by channel.", ("channel",))
EMERGENCIES = Counter("tuoyu_emergencies_total", "Emergency replies, by kind of emergency.", ("category",))
REQUESTS = Histogram("tuoyu_http_request_duration_seconds", "HTTP request latency, by method, route and status.",
                     ("method", "route", "status"), (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
COUNTERS: tuple[Counter | Histogram, ...] = (QUESTIONS, FALLBACKS, EMERGENCIES, REQUESTS)


def count_replies(inbound: Inbound, replies: list[Reply]) -> None:
    """Count what one inbound text was answered with (questions, fallbacks, emergencies)."""
    for reply in replies:
        if reply.kind == "emergency":
            EMERGENCIES.inc(str(reply.data.get("category", "unknown")))
    if inbound.kind is InboundKind.TEXT and replies and replies[0].kind in ("answer", "clarify", "fallback",
                                                                              "emergency"):
        QUESTIONS.inc(inbound.channel, replies[0].kind)
        if replies[0].kind == "fallback":
            FALLBACKS.inc(inbound.channel)
