"""`tuoyu wechat menu` publishes the Official Account's menu; `tuoyu wechat scene ARTICLE [--ref CODE]` prints the
scene string of a guidance QR code."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("wechat", help="WeChat Official Account: publish the menu, print a guidance QR scene")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    menu = actions.add_parser("menu", help="publish bot/channels/wechat/menu.yaml (needs TUOYU_WECHAT_APPID/SECRET)")
    menu.add_argument("--print", action="store_true", help="print the menu JSON instead of publishing it")
    menu.set_defaults(func=publish_menu)
    scene = actions.add_parser("scene", help="the scene string of a permanent QR code that opens an article")
    scene.add_argument("article")
    scene.add_argument("--ref", default=None, help="referral code (≤16 of A-Z a-z 0-9 _), counted per article")
    scene.set_defaults(func=print_scene)


async def publish_menu(args: argparse.Namespace) -> int:
    from bot.channels.wechat.api import WeChatApi
    from bot.channels.wechat.menu import MenuError, load
    from bot.cli import CommandError
    from bot.settings import Settings
    from storage.database import Database

    try:
        menu = load()
    except MenuError as exc:
        raise CommandError(str(exc)) from exc
    if args.print:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    settings = Settings.from_env()
    if not (settings.wechat_appid and settings.wechat_secret):
        raise CommandError("set TUOYU_WECHAT_APPID and TUOYU_WECHAT_SECRET to publish the menu")
    db = Database(settings.database_url)
    api = WeChatApi(db, settings.wechat_appid, settings.wechat_secret, settings.wechat_api_url)
    try:
        await db.upgrade()  # the shared access token lives in the database
        await api.create_menu(menu)
    finally:
        await api.close()
        await db.dispose()
    print(f"published: {' · '.join(entry['name'] for entry in menu['button'])}")
    return 0


def print_scene(args: argparse.Namespace) -> int:
    from bot.cli import CommandError
    from bot.share import payload
    from knowledge.loader import load_articles

    if args.article not in {a.id for a in load_articles()[0]}:
        raise CommandError(f"no article {args.article!r} (see `tuoyu kb list`)")
    try:
        scene = payload(args.article, args.ref)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    print(scene)
    print(json.dumps({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}},
                     ensure_ascii=False))
    return 0
