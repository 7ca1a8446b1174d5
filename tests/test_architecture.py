"""The import rules of docs/architecture.md, read from the source files' `import` statements (every one counts:
module level, inside functions and under TYPE_CHECKING, since each is a dependency a reader must follow)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from functools import cache, partial
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("bot", "knowledge", "locator", "complaints", "storage", "visual")
DOMAIN = ("knowledge", "locator", "complaints", "storage", "visual")
CHANNELS = ROOT / "bot" / "channels"
#: A channel SDK is imported by its own adapter only.
SDKS = {"telegram": "bot.channels.telegram", "wechatpy": "bot.channels.wechat"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[str]:
    """Every module a file imports, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join([*base, *([node.module] if node.module else [])])
            elif node.module:
                yield node.module


@cache
def graph() -> dict[str, frozenset[str]]:
    """Our modules and what each imports."""
    return {module_name(p): frozenset(imported(p)) for root in OURS for p in sorted((ROOT / root).rglob("*.py"))}


def within(module: str, packages: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def offenders(importers: Iterable[str] | Callable[[str], bool], forbidden: Iterable[str]) -> list[str]:
    """`importer imports dependency` for each import of a forbidden package (or module) by an importer: a module
    in one of the `importers` packages, or one the predicate accepts."""
    forbidden = tuple(forbidden)
    chosen = importers if callable(importers) else partial(within, packages=tuple(importers))
    return sorted(f"{m} imports {d}" for m in graph() if chosen(m) for d in graph()[m] if within(d, forbidden))


def component(module: str) -> str:
    """The unit the cycle rule is about: each channel, the CLI (with `python -m bot`), the composition root,
    the engine, the flows, the rest of `bot`, and each domain package."""
    for unit in (*(f"bot.channels.{p.stem}" for p in CHANNELS.iterdir() if not p.name.startswith("_")),
                 "bot.cli", "bot.bootstrap", "bot.engine", "bot.flows"):
        if within(module, (unit,)):
            return unit
    if module == "bot.__main__":
        return "bot.cli"
    return module.split(".")[0]


def reach(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        unit = todo.pop()
        if unit not in seen:
            seen.add(unit)
            todo.extend(edges.get(unit, ()))
    return seen


def test_the_rules_see_the_code() -> None:
    """The reader finds the modules and the imports the rules are about (a rule over nothing passes forever)."""
    assert "bot.channels.web.chat" in graph() and "bot.port" in graph()["bot.channels.web.chat"]
    assert "telegram" in graph()["bot.channels.telegram.app"]
    assert offenders(["bot.cli"], ["bot.bootstrap"]), "the CLI builds through the composition root"


def test_domain_packages_import_no_bot_channel_or_transport() -> None:
    assert offenders(DOMAIN, ["bot", "web", "telegram", "wechatpy", "starlette", "uvicorn"]) == []


def test_visual_imports_nothing_of_ours() -> None:
    assert offenders(["visual"], [p for p in OURS if p != "visual"]) == []


def test_adapters_never_import_the_composition_root_or_the_cli() -> None:
    assert offenders(["bot.channels"], ["bot.bootstrap", "bot.cli", "bot.__main__"]) == []


def test_adapters_read_through_services_not_other_packages_tables() -> None:
    """Pages show what a domain service returns as plain data; they query no other package's ORM tables."""
    assert offenders(["bot.channels"], [f"{p}.models" for p in DOMAIN]) == []


def test_engine_and_flows_never_import_channels_root_or_cli() -> None:
    assert offenders(["bot.engine", "bot.flows"], ["bot.channels", "bot.bootstrap", "bot.cli", "telegram",
                                                   "starlette", "wechatpy"]) == []


@pytest.mark.parametrize("sdk", sorted(SDKS))
def test_a_channel_sdk_is_imported_by_its_adapter_only(sdk: str) -> None:
    assert offenders(lambda m: not within(m, (SDKS[sdk],)), [sdk]) == []


def test_only_channels_and_the_cli_import_the_web_framework() -> None:
    assert offenders(lambda m: not within(m, ("bot.channels", "bot.cli")), ["starlette", "uvicorn"]) == []


def test_no_channel_cli_or_root_sits_on_an_import_cycle() -> None:
    """bot.channels.web once imported the reply object from bot.cli while bot.cli served the web app: channels,
    the CLI and the composition root depend on the rest, and nothing they reach depends back on them."""
    edges: dict[str, set[str]] = {}
    for module, deps in graph().items():
        for dep in deps:
            if within(dep, OURS) and component(dep) != component(module):
                edges.setdefault(component(module), set()).add(component(dep))
    units = {component(m) for m in graph()}
    outer = sorted(u for u in units if within(u, ("bot.channels", "bot.cli", "bot.bootstrap")))
    assert "bot.channels.web" in outer and "bot.cli" in outer
    assert {u: sorted(reach(edges, u) & {u}) for u in outer} == {u: [] for u in outer}
