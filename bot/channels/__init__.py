"""Where customers reach the bot: the website widget and WeChat, behind one seam.

- :mod:`bot.channels.identity` — conversation ids ``<channel>:<user id>`` (``web:…``, ``wechat:…``).
- :mod:`bot.channels.outbound` — :func:`deliver` a message to a customer in their channel (agents' replies,
  late answers); channels :func:`register_channel` their sender.
- :mod:`bot.channels.hub` — fan-out to open connections, in process or through Redis pub/sub.
- :mod:`bot.channels.web` — the website widget's Rasa input channel (imports Rasa; not imported here).
"""
from bot.channels.identity import InvalidConversationId, conversation_id, parse_conversation_id
from bot.channels.outbound import UndeliverableError, deliver, register_channel

__all__ = [
    "InvalidConversationId",
    "UndeliverableError",
    "conversation_id",
    "deliver",
    "parse_conversation_id",
    "register_channel",
]
