"""The article as data: what a curator writes in knowledge/articles/<id>.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

TOPICS = (
    "leave_maternity", "leave_paternity", "leave_parental", "leave_rights", "maternity_allowance",
    "childcare_subsidy", "tax_deduction", "newborn_visit", "health_checkups", "vaccination",
    "feeding_nutrition", "growth_development", "sleep", "safety_injury", "common_illness",
    "facility_types", "facility_choose", "facility_standards", "facility_registration",
    "facility_price", "policy_goals", "complaint_channels", "other_in_scope",
)
HEALTH_TOPICS = frozenset({
    "newborn_visit", "health_checkups", "vaccination", "feeding_nutrition", "growth_development",
    "sleep", "safety_injury", "common_illness",
})


@dataclass(frozen=True)
class ArticleSource:
    title: str
    issuer: str = ""
    number: str = ""
    date: str = ""
    url: str | None = None

    def label(self) -> str:
        """`Title (number, issuer, date)` as shown under an answer."""
        extras = ", ".join(p for p in (self.number, self.issuer, self.date) if p)
        return f"{self.title}（{extras}）" if extras else self.title


@dataclass(frozen=True)
class RedFlag:
    """A sign to see a doctor for; `months` = [from, to] when it concerns only children of those ages.

    Both ends are inclusive: parents round ages ("3个月" may be 2½ or 3½), so a child at the
    boundary still sees the flag, whose text says the exact age it is for.

    In YAML a plain string (every age) or `{text: ..., months: [from, to]}` with either end null for open.
    `str()` is the text, so pages that list flags need not know about ages.
    """

    text: str
    months: tuple[float | None, float | None] | None = None

    def __str__(self) -> str:
        return self.text

    def fits(self, age_months: float | None) -> bool:
        """True unless the child's age is known and outside this flag's range."""
        if self.months is None or age_months is None:
            return True
        low, high = self.months
        return (low is None or age_months >= low) and (high is None or age_months <= high)

    @classmethod
    def from_raw(cls, raw: Any) -> RedFlag:
        """A YAML entry as a flag; ValueError says what is wrong with a malformed one."""
        if isinstance(raw, str):
            return cls(raw.strip())
        if not isinstance(raw, dict) or set(raw) - {"text", "months"} or not str(raw.get("text") or "").strip():
            raise ValueError(f"red flag must be a string or {{text, months}}: {raw!r}")
        return cls(str(raw["text"]).strip(), _months(raw.get("months")))


def _months(raw: Any) -> tuple[float | None, float | None] | None:
    """[from, to) in months: numbers ≥ 0 or null, from < to, at least one end given."""
    if raw is None:
        return None
    ok = isinstance(raw, list) and len(raw) == 2 and raw != [None, None] and all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool) and v >= 0) for v in raw)
    if not ok or (raw[0] is not None and raw[1] is not None and raw[0] >= raw[1]):
        raise ValueError(f"red flag months must be [from, to] in months, from < to, null for open: {raw!r}")
    return (raw[0], raw[1])


@dataclass(frozen=True)
class Article:
    id: str
    topic: str
    title: dict[str, str]
    questions: dict[str, list[str]]
    answer: dict[str, str]
    sources: list[ArticleSource]
    reviewed: date | None
    related: list[str] = field(default_factory=list)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    red_flags: dict[str, list[RedFlag]] = field(default_factory=dict)
    ages: tuple[float | None, float | None] | None = None  # [from, to) months when only children of those ages

    def fits_age(self, age_months: float | None) -> bool:
        """False only when the child's age is known and the article is about children of other ages."""
        if self.ages is None or age_months is None:
            return True
        low, high = self.ages
        return (low is None or age_months >= low) and (high is None or age_months < high)

    @property
    def health(self) -> bool:
        return self.topic in HEALTH_TOPICS

    def flags(self, lang: str, age_months: float | None = None) -> list[RedFlag]:
        """The red flags in `lang` (falling back to Chinese) that fit a child of that age (all when unknown)."""
        flags = self.red_flags.get(lang) or self.red_flags.get("zh") or []
        return [f for f in flags if f.fits(age_months)]

    def text(self, part: str, lang: str) -> Any:
        """A language part (title, answer, ...) in `lang`, falling back to Chinese."""
        values: dict[str, Any] = getattr(self, part)
        return values.get(lang) or values.get("zh")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Article:
        """Build from parsed YAML; `tuoyu kb check` reports what is missing or wrong."""
        reviewed = raw.get("reviewed")
        if isinstance(reviewed, str):
            reviewed = date.fromisoformat(reviewed)
        sources = [
            ArticleSource(
                title=str(s.get("title", "")), issuer=str(s.get("issuer") or ""),
                number=str(s.get("number") or ""), date=str(s.get("date") or ""), url=s.get("url") or None,
            )
            for s in raw.get("sources") or []
            if isinstance(s, dict)
        ]
        return cls(
            id=str(raw.get("id", "")), topic=str(raw.get("topic", "")),
            title=dict(raw.get("title") or {}),
            questions={k: list(v or []) for k, v in (raw.get("questions") or {}).items()},
            answer={k: str(v).strip() for k, v in (raw.get("answer") or {}).items()},
            sources=sources, reviewed=reviewed if isinstance(reviewed, date) else None,
            related=list(raw.get("related") or []),
            keywords={k: list(v or []) for k, v in (raw.get("keywords") or {}).items()},
            red_flags={k: [RedFlag.from_raw(f) for f in v or []] for k, v in (raw.get("red_flags") or {}).items()},
            ages=_months(raw.get("ages")),
        )
