"""`tuoyu share ARTICLE [--ref CODE] [--out FILE.png]`, `share stats`, `share ref add|list`: health workers' links."""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.share import ShareService

    Command = Callable[[argparse.Namespace, ShareService], Awaitable[int]]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("share", help="guidance links: print an article's web chat, page, poster (and Telegram) links "
                                     "and a QR code; `share stats` counts opened links; `share ref add CODE --name "
                                     "NAME` names a referral code (printed on its posters)")
    p.add_argument("article", help="article id, `stats`, or `ref`")
    p.add_argument("words", nargs="*", help="after `ref`: `add CODE` or `list`")
    p.add_argument("--ref", default=None, help="referral code (≤16 of A-Z a-z 0-9 _), counted per article")
    p.add_argument("--name", default=None, help="with `ref add`: the clinic's name, e.g. 七里河区某社区卫生服务中心")
    p.add_argument("--out", default=None, help="write the web chat link as a QR code PNG here")
    p.add_argument("--json", action="store_true", help="with `stats` and `ref list`: JSON output")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    from bot.cli import CommandError

    if args.article == "stats":
        return await _with_service(args, stats)
    if args.article == "ref":
        return await _with_service(args, refs)
    if args.words:
        raise CommandError(f"unexpected {' '.join(args.words)!r}: `tuoyu share ARTICLE [--ref CODE]`")
    return await _with_service(args, links)


async def _with_service(args: argparse.Namespace, command: Command) -> int:
    from bot.settings import Settings
    from bot.share import ShareService
    from storage.database import Database

    db = Database(Settings.from_env().database_url)
    try:
        await db.upgrade()
        return await command(args, ShareService(db))
    finally:
        await db.dispose()


async def links(args: argparse.Namespace, service: ShareService) -> int:
    import segno

    from bot.cli import CommandError
    from bot.settings import Settings
    from bot.share import chat_link, deep_link, web_link
    from knowledge.loader import load_articles

    settings = Settings.from_env()
    if args.article not in {a.id for a in load_articles()[0]}:
        raise CommandError(f"no article {args.article!r} (see `tuoyu kb list`)")
    try:
        chat = chat_link(settings.public_url, args.article, args.ref)
        telegram = deep_link(settings.bot_username, args.article, args.ref)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    page = web_link(settings.public_url, args.article, args.ref)
    poster = page.replace(f"/guide/{args.article}", f"/guide/{args.article}/poster", 1)
    if args.ref:
        name = await service.ref_name(args.ref)
        print(f"clinic:   {name}" if name else
              f"clinic:   (code {args.ref} has no name: tuoyu share ref add {args.ref} --name NAME)")
    print(f"chat:     {chat}")
    print(f"web:      {page}")
    print(f"poster:   {poster}")
    if settings.telegram_enabled:
        print(f"telegram: {telegram}")
    if args.out:
        segno.make(chat, error="m").save(args.out, scale=8, border=4)
        print(f"qr:       {args.out}")
    return 0


async def refs(args: argparse.Namespace, service: ShareService) -> int:
    from bot.cli import CommandError

    match args.words:
        case ["add", code]:
            if args.name is None:
                raise CommandError("give the name: tuoyu share ref add CODE --name \"七里河区某社区卫生服务中心\"")
            try:
                name = await service.name_ref(code, args.name)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            print(f"{code}: {name}")
        case ["list"] | []:
            named = await service.refs()
            if args.json:
                print(json.dumps([{"code": c, "name": n} for c, n in named.items()], ensure_ascii=False))
            elif not named:
                print("no named referral codes yet (tuoyu share ref add CODE --name NAME)")
            for code, name in named.items() if not args.json else ():
                print(f"{code:16s} {name}")
        case _:
            raise CommandError("usage: tuoyu share ref add CODE --name NAME | tuoyu share ref list")
    return 0


async def stats(args: argparse.Namespace, service: ShareService) -> int:
    rows = await service.stats()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print("no guidance links opened yet")
    for r in rows:
        print(f"{r.count:6d}  {r.article:40s} {r.ref or '-':16s} {r.channel}")
    return 0
