"""Plain data the engine takes and returns; every adapter speaks only these."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class InboundKind(StrEnum):
    """What the user did."""

    TEXT = "text"
    COMMAND = "command"  # text is the command name without "/", args the rest
    BUTTON = "button"  # text is the button's data code
    LOCATION = "location"
    PHOTO = "photo"  # attachment is an opaque reference the adapter can resolve
    UNSUPPORTED = "unsupported"  # sticker, voice, video...; text names the kind


@dataclass(frozen=True)
class Inbound:
    """One user action, already stripped of its transport."""

    kind: InboundKind
    text: str = ""
    args: str = ""
    lat: float | None = None
    lon: float | None = None
    attachment: str | None = None
    channel: str = "console"
    lang_hint: str | None = None  # the client's language on first contact

    @classmethod
    def message(cls, text: str, **kw: Any) -> Inbound:
        """Text typed by the user; a leading "/word" becomes a command."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1 and not stripped[1].isspace():
            name, _, args = stripped[1:].partition(" ")
            return cls(InboundKind.COMMAND, text=name.split("@", 1)[0].lower(), args=args.strip(), **kw)
        return cls(InboundKind.TEXT, text=text, **kw)


@dataclass(frozen=True)
class Button:
    """A choice shown under a reply; `data` is a short code (≤ 64 bytes) fed back as BUTTON."""

    label: str
    data: str


@dataclass(frozen=True)
class Source:
    title: str
    url: str | None = None


@dataclass
class Reply:
    """One message to show. `kind` uses the contract's codes where one applies."""

    kind: str
    text: str
    buttons: list[Button] = field(default_factory=list)
    article: str | None = None
    topic: str | None = None
    candidates: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    score: float = 0.0
    request_location: bool = False  # the adapter offers a "share my location" control
    data: dict[str, Any] = field(default_factory=dict)  # structured extras (facility cards, tracking)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class State:
    """Everything the engine remembers about one chat; JSON-serialisable, stored per chat."""

    lang: str = "zh"
    lang_set: bool = False
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    last_candidates: list[str] = field(default_factory=list)
    memory: dict[str, Any] = field(default_factory=dict)  # survives flows (e.g. recent search results)
    turns: int = 0
    offered: list[list[str]] = field(default_factory=list)  # [label, data] of the last reply's buttons

    def to_dict(self) -> dict[str, Any]:
        """A deep copy as plain JSON data (every message copies its chat's state, so not `asdict`)."""
        return {name: _json_copy(getattr(self, name)) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> State:
        """Rebuild state, ignoring unknown keys so old rows survive upgrades."""
        if not raw:
            return cls()
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def enter(self, flow: str, step: str, **data: Any) -> None:
        """Start a flow at its first step, dropping any previous flow's data."""
        self.flow, self.step, self.data = flow, step, dict(data)

    def leave(self) -> None:
        self.flow, self.step, self.data = None, None, {}


def _json_copy(value: Any) -> Any:
    """A deep copy of JSON-like data: dicts and lists copied, everything else (immutable) shared."""
    if isinstance(value, dict):
        return {k: _json_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_copy(v) for v in value]
    return value
