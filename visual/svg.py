"""Small SVG text helpers shared by maps and charts, so every label is escaped the same way."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from xml.sax.saxutils import escape, quoteattr

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: object) -> str:
    """Element content: XML-escaped, with characters XML 1.0 forbids removed."""
    return escape(_NOT_XML.sub("", str(value)))


def attr(value: object) -> str:
    """A quoted attribute value, escaped like `text`."""
    return quoteattr(_NOT_XML.sub("", str(value)))


def num(value: float) -> str:
    """A coordinate with one decimal and no trailing zeros: short files, stable output."""
    out = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def text_width(value: str, size: float) -> float:
    """Rough rendered width: wide (CJK) characters take a full em, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in value)


def uid(*parts: object) -> str:
    """A short id stable for the same content, so several pictures can share one page."""
    return "v" + hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:8]
