"""`tuoyu staff`: office staff who handle complaints (dashboard logins, Telegram chats for notices)."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.cli.complaints import context
from complaints.errors import ComplaintError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("staff", help="office staff who handle complaints")
    ssub = p.add_subparsers(dest="staff_command", required=True)
    add = ssub.add_parser("add", help="add a staff member to an office")
    add.add_argument("name")
    add.add_argument("--office", required=True, help="office code, e.g. health.chengguan or market_regulation.city")
    add.add_argument("--telegram-chat", default=None, help="Telegram chat id for office notifications")
    add.add_argument("--email", default=None, help="mailbox for office notifications")
    secret = add.add_mutually_exclusive_group()
    secret.add_argument("--password", default=None, help="dashboard password (stored as an argon2 hash)")
    secret.add_argument("--ask-password", action="store_true", help="prompt for the password")
    add.set_defaults(func=add_staff)
    offices = ssub.add_parser("offices", help="every office code and name")
    offices.set_defaults(func=list_offices)


async def add_staff(args: argparse.Namespace) -> int:
    password = getpass.getpass("password: ") if args.ask_password else args.password
    try:
        async with context() as ctx:
            member = await ctx.service.add_staff(args.name, args.office, password=password,
                                                 telegram_chat=args.telegram_chat, email=args.email)
    except ComplaintError as exc:
        print(f"tuoyu: {exc}", file=sys.stderr)
        return 1
    print(f"added {member.name} to {member.office} ({member.office_code})")
    return 0


def list_offices(args: argparse.Namespace) -> int:
    from complaints.routing import default_table

    for office in default_table().offices():
        print(f"{office.code:<34} {office.name}")
    return 0
