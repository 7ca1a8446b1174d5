"""`tuoyu facilities import|near|find`: exit codes, the report, JSON fields per the contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

CSV = ("registry_id,name,district,lat,lon,care_types,registered,min_age_months,max_age_months,wechat\n"
       "R-1,兰州测试一园,城关区,36.0495,103.8386,全日托;半日托,是,12,36,abc\n"
       "R-2,兰州测试二园,七里河区,36.0722,103.7664,hourly,true,6,36,\n"
       "R-3,坏行,城关区,abc,103.8,全日托,是,,,\n")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUOYU_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TUOYU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUOYU_DEMO_DATA", "false")
    return tmp_path


def test_import_reports_lines_loads_good_rows_and_is_idempotent(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = env / "registry.csv"
    path.write_bytes(CSV.encode("gbk"))
    assert main(["facilities", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "line 4 [R-3]: error: lat 'abc' is not a number" in out and "2 added" in out
    assert main(["facilities", "import", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["updated"], report["unchanged"], report["rejected"]) == (0, 0, 2, 1)


def test_replace_and_datum_conversion(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = env / "a.csv"
    first.write_text(CSV, encoding="utf-8-sig")
    assert main(["facilities", "import", str(first)]) == 0
    second = env / "b.json"
    # 城关区 seat given in GCJ-02 (facts.md §6.1): stored as WGS-84 36.0495, 103.8386
    second.write_text(json.dumps([{"registry_id": "G-1", "name": "高德坐标园", "district": "城关区", "lat": 36.0491,
                                   "lon": 103.8410, "care_types": "full_day", "registered": True}]))
    assert main(["facilities", "import", str(second), "--crs", "gcj02", "--replace"]) == 0
    capsys.readouterr()
    assert main(["facilities", "near", "36.0495", "103.8386", "--json"]) == 0
    [only] = json.loads(capsys.readouterr().out)
    assert only["id"] == "G-1" and only["distance_m"] < 30 and only["datum"] == "gcj02"


def test_near_json_has_the_contract_fields(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = env / "a.csv"
    path.write_text(CSV, encoding="utf-8")
    main(["facilities", "import", str(path)])
    capsys.readouterr()
    assert main(["facilities", "near", "36.07", "103.77", "--type", "hourly", "--age", "8", "--json"]) == 0
    [hit] = json.loads(capsys.readouterr().out)
    assert {"id", "name", "district", "address", "lat", "lon", "care_types", "distance_m", "registered",
            "demo"} <= set(hit)
    assert hit["id"] == "R-2" and hit["care_types"] == ["hourly"] and hit["demo"] is False
    assert main(["facilities", "find", "七里河西站附近", "--limit", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "R-2"


def test_near_seeds_the_demo_set_when_configured(env: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TUOYU_DEMO_DATA", "true")
    assert main(["facilities", "near", "36.0659", "103.8326", "--limit", "3"]) == 0
    assert capsys.readouterr().out.count("DEMO 演示数据") == 3


def test_exit_codes(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facilities", "near", "100", "103"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["facilities", "near", "36", "103", "--type", "nightly"])
    assert usage.value.code == 2
    assert main(["facilities", "import", str(env / "missing.csv")]) == 1
    bad = env / "bad.csv"
    bad.write_text("registry_id,name\nx,y\n")
    assert main(["facilities", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "missing required column(s)" in err and "Traceback" not in err
    assert main(["facilities", "find", "火星基地"]) == 1
    capsys.readouterr()
    assert main(["facilities", "find", "托育机构"]) == 2
    assert "not where" in capsys.readouterr().err


def test_a_point_far_outside_lanzhou_is_warned_on_stderr_with_the_nearest(env: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = env / "a.csv"
    path.write_text(CSV, encoding="utf-8")
    main(["facilities", "import", str(path)])
    capsys.readouterr()
    assert main(["facilities", "near", "39.9", "116.4"]) == 0  # Beijing
    captured = capsys.readouterr()
    assert "outside Lanzhou" in captured.err and "nearest facility is 兰州测试一园 (城关区), 1,1" in captured.err
    assert len(captured.err.splitlines()) == 1 and "latitude comes first" not in captured.err
    assert "兰州测试一园" in captured.out and "兰州测试二园" in captured.out  # the results, as asked for
    assert main(["facilities", "near", "39.9", "116.4", "--json"]) == 0
    captured = capsys.readouterr()
    assert "outside Lanzhou" in captured.err and len(json.loads(captured.out)) == 2
    assert main(["facilities", "near", "36.07", "103.77"]) == 0
    assert "outside" not in capsys.readouterr().err
    assert main(["facilities", "near", "35.45", "103.9"]) == 0  # 11 km south of the area's box: no warning
    assert capsys.readouterr().err == ""


def test_latitude_and_longitude_swapped(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facilities", "near", "103.8", "36.06"]) == 2
    err = capsys.readouterr().err
    assert "latitude comes first: did you mean `tuoyu facilities near 36.06 103.8`?" in err
    assert main(["facilities", "near", "100", "103"]) == 2
    assert "did you mean" not in capsys.readouterr().err  # swapped, it is no point either
