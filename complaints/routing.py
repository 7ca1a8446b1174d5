"""Routing as data: category × district → the supervising office, from the city's division of duties."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROUTING_FILE = Path(__file__).with_name("data") / "routing.yaml"
CITY = "city"
CATEGORIES = ("abuse_injury", "safety_security", "food_safety", "hygiene_health", "care_quality", "unregistered",
              "fees_contract", "staff", "fire_building", "leave_rights", "kindergarten_class", "other")
DEPARTMENTS = ("health", "market_regulation", "public_security", "civil_affairs", "hrss", "education",
               "emergency_management", "housing", "tax")


class UnknownCategory(ValueError):
    """A category code that is not in the contract."""


@dataclass(frozen=True)
class Rule:
    """One routing row: the department for a category, who else hears of it, and why."""

    department: str
    also_notify: tuple[str, ...] = ()
    urgent: bool = False
    basis: str = ""


@dataclass(frozen=True)
class Route:
    """Where one complaint goes; `to_contract()` is the `route --json` object."""

    category: str
    department: str
    office: str
    office_code: str
    level: str
    urgent: bool
    also_notify: tuple[str, ...]
    also_notify_offices: tuple[str, ...] = ()
    district: str | None = None
    basis: str = ""

    def to_contract(self) -> dict[str, Any]:
        return {"category": self.category, "department": self.department, "office": self.office,
                "level": self.level, "urgent": self.urgent, "also_notify": list(self.also_notify)}

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "also_notify": list(self.also_notify),
                "also_notify_offices": list(self.also_notify_offices)}


@dataclass(frozen=True)
class Office:
    """A supervising office: `health.chengguan`, `market_regulation.city`, ..."""

    code: str
    name: str
    department: str
    district: str | None

    @property
    def level(self) -> str:
        return CITY if self.district is None else "district"


@dataclass
class RoutingTable:
    """The routing file in memory, plus staff overrides keyed by (category, district or None)."""

    departments: dict[str, dict[str, str]]
    districts: dict[str, dict[str, Any]]
    rules: dict[str, Rule]
    overrides: dict[tuple[str, str | None], Rule] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = ROUTING_FILE) -> RoutingTable:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        rules = {code: Rule(r["department"], tuple(r.get("also_notify") or ()), bool(r.get("urgent")),
                            " ".join(str(r.get("basis", "")).split()))
                 for code, r in raw["categories"].items()}
        return cls(raw["departments"], raw["districts"], rules)

    def with_overrides(self, overrides: Mapping[tuple[str, str | None], Rule]) -> RoutingTable:
        """A copy with staff overrides applied (latest change per key)."""
        return RoutingTable(self.departments, self.districts, self.rules, dict(overrides))

    def district(self, text: str | None) -> str | None:
        """The canonical district name for user input (`城关`, `chengguan`, `兰州市城关区`), or None."""
        if not text:
            return None
        needle = text.strip().lower().replace("兰州市", "")
        if not needle:
            return None
        for name, info in self.districts.items():
            if needle == name or needle == info["code"] or needle in (a.lower() for a in info.get("aliases", ())):
                return name
        for name, info in self.districts.items():
            if name in needle or any(len(a) > 1 and a.lower() in needle for a in info.get("aliases", ())):
                return name
        return None

    def rule(self, category: str, district: str | None) -> Rule:
        if category not in self.rules:
            raise UnknownCategory(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
        return self.overrides.get((category, district)) or self.overrides.get((category, None)) or self.rules[category]

    def office(self, department: str, district: str | None) -> Office:
        """The named office of a department in a district (None = the city-level office)."""
        dep = self.departments[department]
        if district is None:
            return Office(f"{department}.{CITY}", dep["city"], department, None)
        info = self.districts[district]
        template = dep.get(info["kind"]) or dep["district"]
        name = template.format(district=district, short=info["short"])
        return Office(f"{department}.{info['code']}", name, department, district)

    def office_by_code(self, code: str) -> Office | None:
        department, _, suffix = code.partition(".")
        if department not in self.departments:
            return None
        if suffix == CITY:
            return self.office(department, None)
        district = next((n for n, i in self.districts.items() if i["code"] == suffix), None)
        return self.office(department, district) if district else None

    def offices(self) -> list[Office]:
        """Every office the table can route to."""
        return [self.office(dep, d) for dep in self.departments for d in (None, *self.districts)]

    def route(self, category: str, district: str | None = None) -> Route:
        """Route a complaint; an unknown or missing district goes to the city-level office."""
        name = self.district(district)
        rule = self.rule(category, name)
        office = self.office(rule.department, name)
        others = tuple(self.office(d, name).code for d in rule.also_notify)
        return Route(category, rule.department, office.name, office.code, office.level, rule.urgent,
                     rule.also_notify, others, name, rule.basis)

    def city_office(self, office_code: str) -> Office:
        """The city-level office of the same department (the escalation target)."""
        return self.office(office_code.partition(".")[0], None)


@cache
def default_table() -> RoutingTable:
    return RoutingTable.load()
