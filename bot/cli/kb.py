"""`tuoyu kb check | list | gaps`: the curators' tools."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import func, select


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kb", help="knowledge base: check, list, gaps")
    ksub = p.add_subparsers(dest="kb_command", required=True)
    check = ksub.add_parser("check", help="validate every article (exit 1 on any problem)")
    check.add_argument("--max-age-months", type=int, default=None, help="review age limit (default 12)")
    check.set_defaults(func=check_cmd)
    lst = ksub.add_parser("list", help="list the articles")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=list_cmd)
    gaps = ksub.add_parser("gaps", help="what people asked that fell back, most frequent first")
    gaps.add_argument("--limit", type=int, default=30)
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(func=gaps_cmd)
    embed = ksub.add_parser("embed", help="refresh the shipped sentence vectors of every article text")
    embed.set_defaults(func=embed_cmd)


def check_cmd(args: argparse.Namespace) -> int:
    from bot.i18n import LANGS, default_catalog
    from bot.settings import Settings
    from knowledge.checks import check_all
    from knowledge.loader import load_articles

    months = args.max_age_months or Settings.from_env().review_max_months
    problems = [str(p) for p in check_all(max_months=months)]
    catalog = default_catalog()
    zh_keys = catalog.keys("zh")
    for lang in LANGS:
        problems += [f"message catalog: {k!r} missing in {lang}" for k in sorted(zh_keys ^ catalog.keys(lang))]
    for problem in problems:
        print(problem)
    count = len(load_articles()[0])
    print(f"{count} articles, {len(problems)} problems")
    return 1 if problems else 0


def embed_cmd(args: argparse.Namespace) -> int:
    from knowledge.base import KnowledgeBase
    from knowledge.semantic import VECTORS

    added, kept = KnowledgeBase.refresh_vectors()
    print(f"{VECTORS.name}: {kept} text vectors, {added} newly embedded")
    return 0


def list_cmd(args: argparse.Namespace) -> int:
    from knowledge.loader import load_articles

    articles, _ = load_articles()
    rows = [{"id": a.id, "topic": a.topic, "title": a.title.get("zh", ""),
             "reviewed": a.reviewed.isoformat() if a.reviewed else None} for a in articles]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['id']:40s} {row['topic']:22s} {row['reviewed']}  {row['title']}")
    return 0


async def gaps_cmd(args: argparse.Namespace) -> int:
    from bot.settings import Settings
    from storage.database import Database
    from storage.models import QuestionLog

    db = Database(Settings.from_env().database_url)
    try:
        await db.upgrade()
        async with db.session() as session:
            count = func.count().label("n")
            rows = (await session.execute(
                select(QuestionLog.normalized, count, func.max(QuestionLog.asked_at))
                .where(QuestionLog.kind.in_(("fallback", "clarify")))
                .group_by(QuestionLog.normalized).order_by(count.desc()).limit(args.limit)
            )).all()
    finally:
        await db.dispose()
    if args.json:
        print(json.dumps([{"question": q, "count": n, "last": str(t)} for q, n, t in rows], ensure_ascii=False))
    else:
        for question, n, _ in rows:
            print(f"{n:5d}  {question}")
        if not rows:
            print("no fallbacks recorded")
    return 0
