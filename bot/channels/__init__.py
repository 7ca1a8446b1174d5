"""Thin adapters between a transport and the engine (console, Telegram, web)."""
