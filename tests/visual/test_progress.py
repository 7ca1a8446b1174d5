"""Progress: a redrawn bar with rate and ETA on a terminal, plain periodic lines when piped."""

from __future__ import annotations

import io

import pytest

from visual.progress import Progress, duration


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_terminal_bar_with_rate_and_eta() -> None:
    out, clock = Terminal(), Clock()
    with Progress(1000, label="import", stream=out, clock=clock) as progress:
        assert progress.tty
        for _ in range(10):
            clock.now += 0.5
            progress.advance(50)
    frames = out.getvalue().split("\r")[1:]
    assert len(frames) == 11  # ten redraws and the summary
    assert frames[0].startswith("import: [#-----------------------] 50/1,000 rows (5%), 100 rows/s, ETA 10s")
    assert frames[9].startswith("import: [############------------] 500/1,000 rows (50%), 100 rows/s, ETA 5s")
    assert all(f.endswith("\x1b[K") for f in frames[:-1])  # each redraw clears the rest of the line
    assert frames[-1] == "import: 500 rows in 5s, 100 rows/s\x1b[K\n"


def test_terminal_redraws_are_throttled() -> None:
    out, clock = Terminal(), Clock()
    progress = Progress(10_000, stream=out, clock=clock)
    for _ in range(5000):
        progress.advance()
    assert out.getvalue() == ""  # no time passed: nothing drawn yet
    clock.now += 0.2
    progress.advance()
    assert out.getvalue().count("\r") == 1


def test_piped_output_is_plain_lines_every_few_seconds() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress(300, label="import", stream=out, every=5, clock=clock) as progress:
        assert not progress.tty
        for _ in range(30):
            clock.now += 1
            progress.advance(10)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and "#" not in out.getvalue()
    assert lines == [
        "import: 50/300 rows (17%), 10 rows/s, ETA 25s",
        "import: 100/300 rows (33%), 10 rows/s, ETA 20s",
        "import: 150/300 rows (50%), 10 rows/s, ETA 15s",
        "import: 200/300 rows (67%), 10 rows/s, ETA 10s",
        "import: 250/300 rows (83%), 10 rows/s, ETA 5s",
        "import: 300/300 rows (100%), 10 rows/s",
        "import: 300 rows in 30s, 10 rows/s",
    ]


def test_callback_form_learns_the_total_late() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress(stream=out, every=1, clock=clock)
    clock.now += 2
    progress(40)
    clock.now += 2
    progress(80, 200)
    progress.close()
    progress.close()
    assert out.getvalue().splitlines() == ["40 rows, 20 rows/s", "80/200 rows (40%), 20 rows/s, ETA 6s",
                                           "80 rows in 4s, 20 rows/s"]


def test_iterate_counts_items_and_a_failure_ends_the_bar_line() -> None:
    out, clock = Terminal(), Clock()
    seen = []
    with pytest.raises(RuntimeError), Progress(5, label="kb", unit="articles", stream=out, clock=clock) as progress:
        for item in progress.iterate("abcde"):
            clock.now += 61
            if item == "d":
                raise RuntimeError("boom")
            seen.append(item)
    assert seen == ["a", "b", "c"] and progress.done == 3
    last = "\rkb: [##############----------] 3/5 articles (60%), 0.7 articles/min, ETA 2m43s\x1b[K\n"
    assert out.getvalue().endswith(last)


def test_a_failure_adds_nothing_to_a_log() -> None:
    out, clock = io.StringIO(), Clock()
    with pytest.raises(RuntimeError), Progress(5, stream=out, every=1, clock=clock) as progress:
        clock.now += 1
        progress.advance()
        raise RuntimeError("the CLI prints the one-line reason")
    assert out.getvalue() == "1/5 rows (20%), 1.0 rows/s, ETA 4s\n"


@pytest.mark.parametrize("stream", [io.StringIO(), Terminal()])
def test_a_quick_job_stays_quiet(stream: io.StringIO) -> None:
    with Progress(3, stream=stream) as progress:
        progress.advance(3)
    assert stream.getvalue() == ""


def test_a_closed_stream_counts_as_not_a_terminal() -> None:
    stream = io.StringIO()
    stream.close()
    assert not Progress(stream=stream).tty


def test_durations() -> None:
    assert [duration(s) for s in (0.4, 59, 61, 3599, 3720)] == ["0s", "59s", "1m01s", "59m59s", "1h02m"]
