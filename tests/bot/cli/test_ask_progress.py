"""`tuoyu ask --batch` shows progress on stderr, sized from the file, unless the replies go to the screen."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot.cli.ask import _progress
from visual.progress import Progress


class Screen(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_batch_file_is_counted_then_rewound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text('{"text": "你好"}\n\n{"text": "发烧"}\n', encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    with path.open(encoding="utf-8") as stream:
        progress = _progress(stream)
        assert isinstance(progress, Progress) and progress.total == 3 and progress.unit == "lines"
        assert stream.readline() == '{"text": "你好"}\n'


def test_stdin_has_no_total(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"text": "x"}\n'))
    progress = _progress(sys.stdin)
    assert isinstance(progress, Progress) and progress.total is None


def test_no_progress_when_replies_go_to_the_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", Screen())
    with _progress(io.StringIO("")) as progress:
        assert progress is None
