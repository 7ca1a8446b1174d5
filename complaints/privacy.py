"""Phone and ID numbers a complainant typed into free text: masked for staff, removed by the retention purge."""

from __future__ import annotations

import re
from typing import Any

#: A mainland mobile (spaces, dashes, +86 allowed), a landline with its area code, or an 18-character ID number.
NUMBER = re.compile(r"(?<![\dXx])(?:(?:\+|00)?86[\s-]?)?(?:1[3-9]\d(?:[\s-]?\d){8}|0\d{2,3}[\s-]?\d{7,8}|"
                    r"\d{17}[\dXx])(?![\dXx])")
REDACTED = "[号码已删除]"


def mask_numbers(text: str) -> str:
    """Every number shown as its first 3 and last 4 digits (139****5678): enough to tell numbers apart."""

    def mask(match: re.Match[str]) -> str:
        digits = sum(c.isdigit() or c in "Xx" for c in match.group())
        seen, out = 0, []
        for c in match.group():
            if c.isdigit() or c in "Xx":
                seen += 1
                out.append(c if seen <= 3 or seen > digits - 4 else "*")
            else:
                out.append(c)
        return "".join(out)

    return NUMBER.sub(mask, text)


def redact_numbers(text: str) -> str:
    """Every number removed for good (the retention purge)."""
    return NUMBER.sub(REDACTED, text)


def without(value: Any, secret: str) -> Any:
    """A JSON value with `secret` gone: list items equal to it dropped, occurrences in strings removed."""
    if isinstance(value, dict):
        return {k: without(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [without(v, secret) for v in value if v != secret]
    if isinstance(value, str):
        return value.replace(secret, "")
    return value
