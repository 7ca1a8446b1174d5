"""Bad input to `tuoyu` commands: exit 2 with a usage message, or 1 with a one-line reason; never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUOYU_DATABASE_URL", f"sqlite:///{tmp_path / 'bad.sqlite3'}")
    monkeypatch.setenv("TUOYU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUOYU_DEMO_DATA", "false")
    return tmp_path


@pytest.mark.parametrize("args, message", [
    (["complaints", "list", "--status", "nosuch"], "invalid choice: 'nosuch'"),
    (["complaints", "update", "TY-20261207-ABCDEFGH", "--status", "done", "--as", "li"], "invalid choice: 'done'"),
    (["complaints", "purge", "--days", "-5"], "not a number of days"),
    (["complaints", "deliver", "--interval", "0"], "not a positive number of seconds"),
    (["complaints", "deliver", "--interval", "nan"], "not a positive number of seconds"),
    (["serve", "--port", "0"], "not a port number"),
])
def test_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        main(args)
    assert usage.value.code == 2 and message in capsys.readouterr().err


def test_serve_on_a_port_in_use_says_so_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert err == f"tuoyu: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert out == ""  # no "web app on …" line for a server that never ran


def test_importing_a_folder(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facilities", "import", str(env)]) == 1
    assert capsys.readouterr().err == f"tuoyu facilities: not a file: {env}\n"
