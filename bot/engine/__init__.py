"""The transport-free conversation engine: plain data in, plain data out."""

from bot.engine.types import Button, Inbound, InboundKind, Reply, Source, State

__all__ = ["Button", "Inbound", "InboundKind", "Reply", "Source", "State"]
