"""Tuoyu's conversation engine, composition root, command line and channel adapters."""
