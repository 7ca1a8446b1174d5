"""Registry files that are malformed, truncated or wrongly encoded: a report (or a one-line refusal), no crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main
from locator.importer import ImportFailed, Parsed, parse
from tests.hostile.conftest import HOSTILE

HEADER = "registry_id,name,district,lat,lon,care_types,registered,capacity,fee_min,fee_max,places_updated\n"
ROW = "T-{n},测试托育园{n},城关区,36.05{n},103.83{n},全日托;半日托,是,40,1500,3000,2026-10-01\n"
GOOD_CSV = (HEADER + "".join(ROW.format(n=n) for n in range(5))).encode()
GOOD_JSON = json.dumps([{"registry_id": f"J-{n}", "name": f"托育{n}", "district": "七里河区", "lat": 36.05,
                         "lon": 103.78, "care_types": ["full_day"]} for n in range(3)], ensure_ascii=False).encode()


def damaged(data: bytes) -> st.SearchStrategy[bytes]:
    """Truncated, spliced with junk, bytes overwritten, or re-encoded the wrong way."""
    text = data.decode()
    return st.one_of(
        st.integers(0, len(data)).map(lambda n: data[:n]),
        st.tuples(st.integers(0, len(data)), st.binary(max_size=40)).map(lambda t: data[:t[0]] + t[1] + data[t[0]:]),
        st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)).map(
            lambda t: data[:t[0]] + bytes([t[1]]) + data[t[0] + 1:]),
        st.sampled_from(["utf-16", "utf-16-be", "utf-32", "big5", "shift_jis", "gb18030"]).map(
            lambda enc: text.encode(enc, errors="replace")),
    )


FILES = st.one_of(st.binary(max_size=300), damaged(GOOD_CSV), damaged(GOOD_JSON),
                  st.text(max_size=300).map(str.encode),
                  st.recursive(st.none() | st.integers() | st.text(max_size=10),
                               lambda x: st.lists(x, max_size=3) | st.dictionaries(st.text(max_size=8), x, max_size=3))
                  .map(lambda v: json.dumps(v).encode()))


@HOSTILE
@given(data=FILES, fmt=st.sampled_from([None, "csv", "json"]))
def test_any_file_is_reported_or_refused(data: bytes, fmt: str | None) -> None:
    try:
        parsed = parse(data, fmt)
    except ImportFailed as refused:
        assert str(refused) and "\n" not in str(refused)
        return
    assert isinstance(parsed, Parsed)
    assert all(row["registry_id"] and row["name"] for row in parsed.rows)
    assert all(issue.level in ("error", "warning") for issue in parsed.issues)


@pytest.mark.parametrize("content", [GOOD_CSV[: len(GOOD_CSV) // 2], GOOD_JSON[:-7], "ä".encode("utf-16") * 50,
                                     b"\x00\xff" * 200, b"", HEADER.encode(), b"[1, 2, 3]", b"{}",
                                     (HEADER + "T-1," + "名" * 100_000 + ",城关区,36,103.8,全日托,是,,,,\n").encode()])
def test_the_import_command_reports_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    monkeypatch.setenv("TUOYU_DATABASE_URL", f"sqlite:///{tmp_path / 'import.sqlite3'}")
    monkeypatch.setenv("TUOYU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUOYU_DEMO_DATA", "0")
    path = tmp_path / "registry.csv"
    path.write_bytes(content)
    assert main(["facilities", "import", str(path)]) in (0, 1)
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
