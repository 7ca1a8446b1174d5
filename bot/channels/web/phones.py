"""Tap-to-call: `tel:` links for phone numbers in page text, so a parent on a phone never copies digits by hand."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

#: Service hotlines are five digits starting 123 (12320 health, 12345 government, 12356 mental health, 12333 …).
#: Emergency numbers (110 police, 119 fire, 120 ambulance, 122 traffic) are linked only where the text says to
#: call them, so "产假延长120天" stays plain text. Mobiles (11 digits) and landlines: 0931-1234567, (0931)1234567.
NUMBER = re.compile(
    r"(?<![\d.])(?:"
    r"(?P<hotline>123\d\d)"
    r"|(?<=拨打)(?P<e1>11[09]|12[02])|(?<=打)(?P<e2>11[09]|12[02])|(?<=或)(?P<e3>11[09]|12[02])"
    r"|(?<=、)(?P<e4>11[09]|12[02])|(?<=call )(?P<e5>11[09]|12[02])|(?<=Call )(?P<e6>11[09]|12[02])"
    r"|(?<=dial )(?P<e7>11[09]|12[02])|(?<=or )(?P<e8>11[09]|12[02])"
    r"|(?P<e9>11[09]|12[02])(?=急救|报警|火警|（|\(| \()"
    r"|(?P<mobile>1[3-9]\d{9})"
    r"|(?P<land>\(?0\d{2,3}\)?[- ]?\d{7,8})"
    r")(?![\d])"
)


def tel_href(phone: str | None) -> str | None:
    """`tel:` with the digits of a phone number (0931-1234567 → tel:0931-1234567), None without one."""
    digits = "".join(c for c in phone or "" if c.isdigit() or c in "+-")
    return f"tel:{digits}" if any(c.isdigit() for c in digits) else None


def tel_links(text: object) -> Markup:
    """The text, HTML-escaped, with each phone number it tells the reader to call made a `tel:` link."""
    escaped = str(escape(str(text)))
    return Markup(NUMBER.sub(lambda m: f'<a class="tel" href="{tel_href(m.group(0))}">{m.group(0)}</a>', escaped))
