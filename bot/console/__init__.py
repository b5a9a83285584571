"""The agent console: a JSON API over the desk's service objects (and, next, the pages agents use)."""
from bot.console.app import create_app

__all__ = ["create_app"]
