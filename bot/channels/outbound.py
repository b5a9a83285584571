"""Delivering a message to a customer that no customer message asked for: an agent's reply, a late answer.

``deliver("web:3f…", {"text": …, "buttons": […], "custom": {…}, "sender_name": "客服小王"})`` routes by the
channel half of the conversation id to the sender registered for it. Senders have
``async def send(user_id: str, message: dict) -> None``. The website widget's sender only publishes to the hub
(:mod:`bot.channels.hub`), so it is registered here and works in any process, including one without Rasa; the
WeChat channel registers its own.
"""
from __future__ import annotations

import uuid
from typing import Dict, Protocol

from bot.channels.hub import get_hub
from bot.channels.identity import WEB, conversation_id, parse_conversation_id


class Sender(Protocol):
    async def send(self, user_id: str, message: dict) -> None:
        ...


class UndeliverableError(LookupError):
    """No sender is registered for the conversation's channel."""


class WebSender:
    """Pushes to every widget connection of the session, in whichever process holds it."""

    async def send(self, user_id: str, message: dict) -> None:
        await get_hub().publish(conversation_id(WEB, user_id), message)


_senders: Dict[str, Sender] = {WEB: WebSender()}


def register_channel(channel: str, sender: Sender) -> None:
    conversation_id(channel, "x")  # the same rule for channel names as in conversation ids
    _senders[channel] = sender


def registered_channels() -> list:
    return sorted(_senders)


def outbound_message(message: dict) -> dict:
    """A copy in Rasa's bot-message shape with a message id, so a page that gets it twice shows it once."""
    if not isinstance(message, dict) or not (message.get("text") or message.get("buttons") or message.get("custom")):
        raise ValueError("an outbound message needs text, buttons or custom content")
    copy = dict(message)
    copy.setdefault("id", uuid.uuid4().hex)
    return copy


async def deliver(conversation_id: str, message: dict) -> None:
    channel, user_id = parse_conversation_id(conversation_id)
    sender = _senders.get(channel)
    if sender is None:
        raise UndeliverableError(
            f"no sender registered for channel {channel!r} (registered: {', '.join(registered_channels())})"
        )
    await sender.send(user_id, outbound_message(message))
