"""One typed settings object, read once from the environment; fails fast on bad values."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import platformdirs


class SettingsError(ValueError):
    """A configuration value is missing or malformed."""


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("tuoyu", appauthor=False))


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Configuration of one Tuoyu process (see the table in README.md)."""

    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str | None = None
    bot_username: str = "TuoyuLanzhouBot"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    public_url: str = "http://127.0.0.1:8000"  # `tuoyu serve` puts its own --host/--port here when unset
    secret_key: str = field(default="", repr=False)
    demo_data: bool = True
    review_max_months: int = 12
    contact_retention_days: int = 180
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "tuoyu@localhost"
    log_level: str = "INFO"
    geocoder: str = "baidu"
    geocoder_key: str | None = field(default=None, repr=False)
    geocoder_url: str | None = None
    map_tiles: str | None = None
    map_tiles_datum: str = "gcj02"
    map_attribution: str = ""
    # WeChat Official Account (docs/wechat.md): on when the server token is set
    wechat_token: str | None = field(default=None, repr=False)
    wechat_appid: str | None = None
    wechat_secret: str | None = field(default=None, repr=False)
    wechat_aes_key: str | None = field(default=None, repr=False)
    wechat_api_url: str | None = None

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'tuoyu.sqlite3'}")
        if self.geocoder not in ("baidu", "gazetteer"):
            raise SettingsError("TUOYU_GEOCODER must be baidu (online when TUOYU_GEOCODER_KEY is set) or gazetteer")
        if self.map_tiles and not all(f"{{{k}}}" in self.map_tiles for k in "zxy"):
            raise SettingsError("TUOYU_MAP_TILES must be a tile URL with {z}, {x} and {y}")
        if self.map_tiles_datum not in ("gcj02", "wgs84"):
            raise SettingsError("TUOYU_MAP_TILES_DATUM must be gcj02 (mainland map tiles) or wgs84")
        self._check_wechat()
        if self.webhook_secret and not all(c.isalnum() or c in "_-" for c in self.webhook_secret):
            raise SettingsError("TUOYU_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and -")

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @property
    def wechat_enabled(self) -> bool:
        return bool(self.wechat_token)

    def _check_wechat(self) -> None:
        """WeChat needs the app id and secret besides the token (replies that do not fit a passive answer, photos
        and notices go through its API), and a safe-mode key is 43 characters of base64."""
        if not self.wechat_token:
            return
        if not (self.wechat_appid and self.wechat_secret):
            raise SettingsError("TUOYU_WECHAT_TOKEN needs TUOYU_WECHAT_APPID and TUOYU_WECHAT_SECRET too")
        if not self.wechat_token.isalnum() or not 3 <= len(self.wechat_token) <= 32:
            raise SettingsError("TUOYU_WECHAT_TOKEN must be 3 to 32 letters or digits, as WeChat requires")
        key = self.wechat_aes_key
        if key and (len(key) != 43 or not all(c.isalnum() for c in key)):
            raise SettingsError("TUOYU_WECHAT_AES_KEY must be the 43 letters and digits WeChat generates")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every `TUOYU_*` variable named after a field; unknown ones are ignored."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"TUOYU_{f.name.upper()}")
            if raw is None or (raw == "" and f.name != "demo_data"):
                continue
            if f.name == "data_dir":
                values[f.name] = Path(raw).expanduser()
            elif f.type in ("bool",):
                values[f.name] = _bool(f.name, raw)
            elif f.type in ("int",):
                values[f.name] = _int(f.name, raw)
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]


def secret_key(settings: Settings) -> str:
    """settings.secret_key, or a random key generated once and kept in data_dir.

    It signs web sessions and keys the complaint PIN hashes, so every process of a deployment needs the same one.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "web-secret.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    _write_private(path, key)
    return key


def _write_private(path: Path, text: str) -> None:
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")
