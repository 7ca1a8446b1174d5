"""WeChat settings: off without the token, refused at start-up when incomplete or malformed."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError
from tests.channels.wechat.fake_wechat import AES_KEY


def test_wechat_is_on_with_its_token_app_id_and_secret() -> None:
    assert not Settings.from_env({}).wechat_enabled
    on = Settings.from_env({"TUOYU_WECHAT_TOKEN": "abc123", "TUOYU_WECHAT_APPID": "wx1", "TUOYU_WECHAT_SECRET": "s",
                            "TUOYU_WECHAT_AES_KEY": AES_KEY, "TUOYU_WECHAT_API_URL": "http://127.0.0.1:9"})
    assert on.wechat_enabled and on.wechat_api_url == "http://127.0.0.1:9"
    assert "abc123" not in repr(on) and AES_KEY not in repr(on)  # secrets stay out of logs


@pytest.mark.parametrize("env, message", [
    ({"TUOYU_WECHAT_TOKEN": "abc123"}, "APPID"),
    ({"TUOYU_WECHAT_TOKEN": "a b", "TUOYU_WECHAT_APPID": "wx1", "TUOYU_WECHAT_SECRET": "s"}, "3 to 32"),
    ({"TUOYU_WECHAT_TOKEN": "abc123", "TUOYU_WECHAT_APPID": "wx1", "TUOYU_WECHAT_SECRET": "s",
      "TUOYU_WECHAT_AES_KEY": "short"}, "43"),
])
def test_incomplete_or_malformed_wechat_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
