"""The custom menu: published from menu.yaml through menu/create; every click is the command it names."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.channels.wechat.menu import MenuError, load
from bot.cli import main
from bot.cli.wechat import publish_menu
from tests.channels.wechat.fake_wechat import APPID, SECRET, FakeWeChat, Follower


def leaves(menu: dict) -> list[dict]:
    return [leaf for entry in menu["button"] for leaf in entry.get("sub_button", [entry])]


async def test_tuoyu_wechat_menu_publishes_the_menu(fake: FakeWeChat, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"DATA_DIR": str(tmp_path), "WECHAT_APPID": APPID, "WECHAT_SECRET": SECRET,
                        "WECHAT_API_URL": fake.base_url, "DEMO_DATA": "false"}.items():
        monkeypatch.setenv(f"TUOYU_{name}", value)
    monkeypatch.delenv("TUOYU_DATABASE_URL", raising=False)
    assert await publish_menu(argparse.Namespace(print=False)) == 0
    [published] = fake.menus
    assert [e["name"] for e in published["button"]] == ["问答", "找托育", "投诉"]  # raw UTF-8, as WeChat needs
    assert fake.token_fetches == 1


async def test_every_menu_click_does_what_its_command_does(wx: FakeWeChat) -> None:
    for n, leaf in enumerate(leaves(load())):
        key = leaf["key"]
        clicked = await Follower(wx, f"oClick{n}").send(wx.event(f"oClick{n}", "CLICK", key))
        if key.startswith("cmd:"):
            typed = await Follower(wx, f"oType{n}").say(f"/{key[4:]}")
            assert clicked == typed, key
        else:
            assert "English" in clicked or "language" in clicked.lower()


def test_a_menu_breaking_wechats_rules_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "menu.yaml"
    for text in ("button: []", "button:\n  - {name: 一个太长的菜单名字啊, key: 'cmd:help'}",
                 "button:\n  - {name: 问答, key: 'a:illness_fever'}",
                 "button:\n  - name: 问答\n    sub_button: [" + ", ".join(["{name: x, key: 'cmd:help'}"] * 6) + "]"):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(MenuError):
            load(bad)


def test_scene_needs_an_article_and_a_valid_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wechat", "scene", "no_such_article"]) == 1
    assert "no article" in capsys.readouterr().err


def test_scene_prints_the_payload_for_a_permanent_qr_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wechat", "scene", "allowance_gansu_days", "--ref", "CL01"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "g-allowance_gansu_days-CL01" and '"scene_str": "g-allowance_gansu_days-CL01"' in out[1]
    assert main(["wechat", "scene", "allowance_gansu_days", "--ref", "bad code"]) == 1
