"""Progress for long commands: a redrawn bar with rate and ETA on a terminal, plain periodic lines in logs."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TextIO, TypeVar

T = TypeVar("T")
BAR_WIDTH = 24


def duration(seconds: float) -> str:
    """Short human time: 9s, 3m05s, 1h02m."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or not a real file
        return False


class Progress:
    """Counts work done; draws at most every `refresh` s on a terminal, or writes a line every `every` s.

    Use as a context manager (`with Progress(total, label="import") as p: p.advance()`), as a callback
    (`p(done, total)`, for code that must not import this), or wrap an iterable with `iterate`.
    """

    def __init__(self, total: int | None = None, *, label: str = "", unit: str = "rows", stream: TextIO | None = None,
                 every: float = 5.0, refresh: float = 0.1, tty: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = _isatty(self.stream) if tty is None else tty
        self.total, self.done = total, 0
        self.label, self.unit = label, unit
        self.every, self.refresh, self.clock = every, refresh, clock
        self.started = self._shown = clock()
        self.drawn = False  # a short job that never showed progress ends quietly
        self.closed = False

    def __call__(self, done: int, total: int | None = None) -> None:
        """Callback form: how many are done so far, and the total once it is known."""
        if total is not None:
            self.total = total
        self.done = done
        self._tick()

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._tick()

    def iterate(self, items: Iterable[T]) -> Iterator[T]:
        """Yield the items, counting each one after the caller is done with it."""
        for item in items:
            yield item
            self.advance()

    def _tick(self) -> None:
        now = self.clock()
        if now - self._shown >= (self.refresh if self.tty else self.every):
            self._shown, self.drawn = now, True
            self._write(self.status(now))

    def rate(self, now: float) -> float | None:
        elapsed = now - self.started
        return self.done / elapsed if elapsed > 0 and self.done else None

    def _rate(self, per_second: float) -> str:
        """Whole numbers when fast, one decimal when slow, per minute when under one a second."""
        if per_second >= 10:
            return f"{per_second:,.0f} {self.unit}/s"
        if per_second >= 1:
            return f"{per_second:.1f} {self.unit}/s"
        return f"{per_second * 60:.1f} {self.unit}/min"

    def status(self, now: float) -> str:
        """The running line: bar (terminal only), count, percent, rate and estimate when known."""
        rate = self.rate(now)
        head = f"{self.label}: " if self.label else ""
        if self.total:
            share = min(1.0, self.done / self.total)
            count = f"{self.done:,}/{self.total:,} {self.unit} ({share:.0%})"
            if self.tty:
                filled = round(share * BAR_WIDTH)
                head += f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
        else:
            share, count = 0.0, f"{self.done:,} {self.unit}"
        parts = [head + count]
        if rate:
            parts.append(self._rate(rate))
            if self.total and share < 1:
                parts.append(f"ETA {duration((self.total - self.done) / rate)}")
        return ", ".join(parts)

    def summary(self, now: float) -> str:
        head = f"{self.label}: " if self.label else ""
        rate = self.rate(now)
        return (f"{head}{self.done:,} {self.unit} in {duration(now - self.started)}"
                + (f", {self._rate(rate)}" if rate else ""))

    def _write(self, line: str, final: bool = False) -> None:
        if self.tty:
            columns = shutil.get_terminal_size((80, 24)).columns
            self.stream.write("\r" + line[:max(10, columns - 1)] + "\x1b[K" + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self, failed: bool = False) -> None:
        """Replace the shown progress with a one-line summary, once; after a failure just end the bar's line.

        A failing command prints its own one-line reason on stderr (the CLI contract), so a log gets
        nothing more from here, and a terminal keeps the last count above that reason.
        """
        if self.closed or not self.drawn:
            self.closed = True
            return
        self.closed = True
        now = self.clock()
        if not failed:
            self._write(self.summary(now), final=True)
        elif self.tty:
            self._write(self.status(now), final=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close(failed=kind is not None and not issubclass(kind, GeneratorExit))

