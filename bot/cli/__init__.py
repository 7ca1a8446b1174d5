"""`tuoyu` command line: one module per command group, each with a `register(subparsers)`."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import sys
from collections.abc import Sequence

from bot.cli import ask, chat, complaints, db, facilities, kb, serve, share, staff, telegram, wechat
from bot.observability import configure_logging
from bot.settings import SettingsError

log = logging.getLogger(__name__)

#: Exit status of a command whose reader went away (`tuoyu ask … | head -1`): 128 + SIGPIPE, as a shell
#: reports for tools the signal ends.
BROKEN_PIPE = 141

#: Command groups in the order `tuoyu --help` lists them. Each module has register(subparsers).
COMMANDS = [ask, chat, kb, facilities, complaints, staff, serve, telegram, wechat, share, db]


class CommandError(Exception):
    """A failure to report on stderr as one line, exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tuoyu", description="Tuoyu 托育: Lanzhou childcare assistant")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 on success, 2 on usage errors (argparse), 1 with a one-line reason."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    configure_logging(os.environ.get("TUOYU_LOG_LEVEL", "WARNING"), os.environ.get("TUOYU_LOG_FORMAT", "text"))
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        sys.stdout.flush()  # inside the try: a reader that left is noticed here, not at interpreter exit
        return int(result or 0)
    except BrokenPipeError:
        return _reader_gone()
    except (CommandError, SettingsError, FileNotFoundError) as exc:
        print(f"tuoyu: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the contract: a one-line reason, never a bare traceback
        log.debug("command failed", exc_info=True)
        print(f"tuoyu: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _reader_gone() -> int:
    """The reader of stdout went away: end quietly; later writes (and the final flush) go nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (replaced in-process): nothing to flush
        pass
    finally:
        os.close(devnull)
    return BROKEN_PIPE
