"""`kb check` rules: schema, sources, review age, red flags, related ids, collisions."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import yaml

from knowledge.checks import check_all, months_between
from tests.bot.helpers import FIXTURE_ARTICLES


def copy_fixtures(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(FIXTURE_ARTICLES, folder)
    return folder


def edit(folder: Path, article: str, **changes: object) -> None:
    path = folder / f"{article}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.update(changes)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


def messages(folder: Path, today: date = date(2026, 11, 29), months: int = 12) -> list[str]:
    return [str(p) for p in check_all(folder, today=today, max_months=months)]


def test_fixture_knowledge_base_is_clean(tmp_path: Path) -> None:
    assert messages(copy_fixtures(tmp_path)) == []


def test_overdue_review_fails(tmp_path: Path) -> None:
    folder = copy_fixtures(tmp_path)
    assert any("review overdue" in m for m in messages(folder, today=date(2027, 12, 1)))
    assert messages(folder, today=date(2027, 12, 1), months=24) == []


def test_health_article_without_red_flags_fails(tmp_path: Path) -> None:
    folder = copy_fixtures(tmp_path)
    edit(folder, "illness_fever", red_flags={})
    assert any("red flags" in m for m in messages(folder))


def test_missing_language_sources_and_variants_fail(tmp_path: Path) -> None:
    folder = copy_fixtures(tmp_path)
    edit(folder, "leave_paternity_gansu", answer={"zh": "30天"}, sources=[], questions={"zh": ["护理假"], "en": []})
    found = " ".join(messages(folder))
    assert "answer.en missing" in found and "no sources" in found and "zh question variants" in found


def test_dangling_related_and_bad_yaml_fail(tmp_path: Path) -> None:
    folder = copy_fixtures(tmp_path)
    edit(folder, "leave_maternity_national", related=["nowhere"])
    (folder / "broken.yaml").write_text("id: [unclosed", encoding="utf-8")
    found = " ".join(messages(folder))
    assert "'nowhere' does not exist" in found and "broken.yaml" in found


def test_collision_is_reported(tmp_path: Path) -> None:
    folder = copy_fixtures(tmp_path)
    raw = yaml.safe_load((folder / "illness_fever.yaml").read_text(encoding="utf-8"))
    raw["questions"]["zh"].append("国家规定产假几天")
    (folder / "illness_fever.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    found = [m for m in messages(folder) if "retrieves" in m]
    assert any("illness_fever" in m and "leave_maternity_national" in m for m in found), found


def test_months_between() -> None:
    assert months_between(date(2025, 11, 29), date(2026, 11, 29)) == 12
    assert months_between(date(2025, 11, 30), date(2026, 11, 29)) == 11


def test_red_flag_ages_load_and_are_checked(tmp_path: Path) -> None:
    folder = copy_fixtures(tmp_path)
    young = {"text": "3个月以下宝宝体温≥38.0℃：立即就医", "months": [0, 3]}
    edit(folder, "illness_fever", red_flags={"zh": ["抽搐：立即拨打120", young], "en": ["Convulsions: call 120", {
        "text": "Under 3 months with 38.0 °C or more: see a doctor now", "months": [0, 3]}]})
    assert messages(folder) == []
    untagged_twin = ["Convulsions: call 120", "Under 3 months"]
    edit(folder, "illness_fever", red_flags={"zh": ["抽搐：立即拨打120", young], "en": untagged_twin})
    assert any("red flag ages differ" in m for m in messages(folder))
    edit(folder, "illness_fever", red_flags={"zh": [young], "en": [{"text": "Under 3 months", "months": [0, 3]}]})
    assert any("every age" in m for m in messages(folder))


def test_malformed_red_flag_months_are_reported(tmp_path: Path) -> None:
    folder = copy_fixtures(tmp_path)
    for months in ([3, 0], [None, None], ["3个月"], [-1, 3]):
        edit(folder, "illness_fever", red_flags={"zh": [{"text": "发热", "months": months}], "en": ["Fever"]})
        assert any("illness_fever.yaml" in m and "months must be" in m for m in messages(folder)), months
