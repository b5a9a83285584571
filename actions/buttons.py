"""Buttons the bot offered, read back from the tracker: a customer who types a button's title gets the click."""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from bot.text import normalise


def _same(a: str, b: str) -> bool:
    return normalise(a).strip(" 。.!！") == normalise(b).strip(" 。.!！")


def offered_payload(tracker: Tracker) -> Optional[str]:
    """The payload of a button in the bot's last turn whose title the customer just typed, if any."""
    text = tracker.latest_message.get("text") or ""
    if not text or text.startswith("/"):
        return None
    events = list(tracker.events)
    # Skip the customer's current message (the last user event), then read the bot's messages before it.
    current = next((i for i in range(len(events) - 1, -1, -1) if events[i].get("event") == "user"), len(events))
    for event in reversed(events[:current]):
        if event.get("event") == "user":
            return None
        if event.get("event") == "bot":
            for button in (event.get("data") or {}).get("buttons") or []:
                if _same(button.get("title") or "", text):
                    return button.get("payload")
    return None
