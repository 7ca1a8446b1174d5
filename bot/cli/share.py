"""`tuoyu share ARTICLE [--ref CODE] [--out FILE.png]` and `tuoyu share stats`: guidance links for health workers."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("share", help="guidance links: print an article's Telegram and web links and a QR code; "
                                     "`share stats` counts opened links")
    p.add_argument("article", help="article id, or `stats`")
    p.add_argument("--ref", default=None, help="referral code (≤16 of A-Z a-z 0-9 _), counted per article")
    p.add_argument("--out", default=None, help="write the deep link as a QR code PNG here")
    p.add_argument("--json", action="store_true", help="with `stats`: JSON output")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    if args.article == "stats":
        return await stats(args)
    return links(args)


def links(args: argparse.Namespace) -> int:
    import segno

    from bot.cli import CommandError
    from bot.settings import Settings
    from bot.share import deep_link, web_link
    from knowledge.loader import load_articles

    settings = Settings.from_env()
    if args.article not in {a.id for a in load_articles()[0]}:
        raise CommandError(f"no article {args.article!r} (see `tuoyu kb list`)")
    try:
        telegram = deep_link(settings.bot_username, args.article, args.ref)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    print(f"telegram: {telegram}")
    print(f"web:      {web_link(settings.public_url, args.article, args.ref)}")
    if args.out:
        segno.make(telegram, error="m").save(args.out, scale=8, border=4)
        print(f"qr:       {args.out}")
    return 0


async def stats(args: argparse.Namespace) -> int:
    from bot.settings import Settings
    from bot.share import ShareService
    from storage.database import Database

    db = Database(Settings.from_env().database_url)
    try:
        await db.upgrade()
        rows = await ShareService(db).stats()
    finally:
        await db.dispose()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print("no guidance links opened yet")
    for r in rows:
        print(f"{r.count:6d}  {r.article:40s} {r.ref or '-':16s} {r.channel}")
    return 0
