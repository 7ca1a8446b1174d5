"""Every code a case's history or audit trail can hold has words in both languages, and the case page uses them."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

from bot.bootstrap import Tuoyu
from bot.i18n import Catalog
from complaints.service import COMPLAINANT, SYSTEM
from complaints.views import Filed
from tests.channels.web.conftest import login

COMPLAINTS = Path(__file__).parents[3] / "complaints"


def written_codes() -> dict[str, set[str]]:
    """The `action=` codes every ComplaintEvent(...) and AuditLog(...) in complaints/ is created with.

    An f-string code (`f"denied_{action}"`) is expanded with the string arguments `_check_office` is called with.
    """
    codes: dict[str, set[str]] = {"ComplaintEvent": set(), "AuditLog": set()}
    checked: set[str] = set()
    templates: list[tuple[str, ast.JoinedStr]] = []
    for path in COMPLAINTS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name == "_check_office":
                checked |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
            if name not in codes:
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                if isinstance(keyword.value, ast.JoinedStr):
                    templates.append((name, keyword.value))
                    continue
                found = {c.value for c in ast.walk(keyword.value) if isinstance(c, ast.Constant)}
                assert found, f"{path.name}:{node.lineno}: an action code the test cannot read"
                codes[name] |= found
    for name, joined in templates:
        prefix = "".join(str(v.value) for v in joined.values if isinstance(v, ast.Constant))
        codes[name] |= {prefix + c for c in checked}
    return codes


def test_the_scan_finds_the_known_codes() -> None:
    codes = written_codes()
    assert {"filed", "status", "support", "rate", "reopen", "escalate"} <= codes["ComplaintEvent"]
    assert {"view", "view_numbers", "update", "denied_view", "denied_update", "purge_contacts"} <= codes["AuditLog"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_history_and_audit_code_has_a_label(lang: str) -> None:
    catalog = Catalog.load()
    codes = written_codes()
    missing = [f"web_staff_event_{c}" for c in sorted(codes["ComplaintEvent"])
               if f"web_staff_event_{c}" not in catalog.keys(lang)]
    missing += [f"web_staff_audit_{c}" for c in sorted(codes["AuditLog"])
                if f"web_staff_audit_{c}" not in catalog.keys(lang)]
    missing += [f"web_staff_actor_{a}" for a in (COMPLAINANT, SYSTEM)
                if f"web_staff_actor_{a}" not in catalog.keys(lang)]
    assert not missing


async def test_the_case_page_shows_labels_not_codes(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    service = tuoyu.services.complaints
    await service.update(filed.tracking, "wang", "accepted", note="已受理")
    await login(client)
    html = (await client.get(f"/staff/cases/{filed.tracking}")).text
    history = html.split('id="history"', 1)[1].split("</ol>", 1)[0]
    assert "投诉人" in history and "提交投诉" in history and "更改状态" in history and "wang" in history
    assert "complainant" not in history and "filed" not in history and "· status" not in history
    audit = html.split('id="audit"', 1)[1].split("</table>", 1)[0]
    assert "查看投诉" in audit and "更改状态" in audit and ">view<" not in audit and ">update<" not in audit
    english = (await client.get(f"/staff/cases/{filed.tracking}?lang=en")).text.split('id="history"', 1)[1]
    assert "Complainant" in english and "Filed the complaint" in english
