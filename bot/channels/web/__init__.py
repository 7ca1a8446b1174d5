"""The web app: guide pages, web chat, complaint status page, staff dashboard, Telegram webhook route."""
