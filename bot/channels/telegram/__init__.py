"""The Telegram channel on python-telegram-bot: the only package that imports `telegram`."""
