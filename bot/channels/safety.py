"""No customer message goes unanswered: the last check every channel makes before it sends a turn's replies.

A turn can end with no bot message when the action server is unreachable, crashes or times out, or when the
tracker store fails: Rasa logs the error and carries on, and the customer would see nothing. Channels pass the
replies they collected through :func:`ensure_reply`, which puts a short apology with a way forward (a
``/request_human`` button) in place of silence, logs the failure and counts it (:func:`silent_turns_total`).
A conversation a person has taken over is exempt (``expect_silence=True``): the agent answers, not the bot.
"""
from __future__ import annotations

import logging
import threading
from typing import Optional

log = logging.getLogger(__name__)

APOLOGY_TEXT = (
    "抱歉，系统刚才出了点问题，没能处理您的消息。请稍后再发一次；着急的话可以点“转人工客服”，"
    "或拨打 12315 消费者投诉举报热线。"
)
# A turn that outran the channel's reply budget (the bot is overloaded) still finishes and is saved, so the
# customer is told so rather than that something broke and to send it again (which would double the load).
BUSY_TEXT = (
    "抱歉，现在咨询的人比较多，这条消息的回复没能及时发出。您的消息已经收到，不用重发，可以稍后接着问；"
    "着急的话可以点“转人工客服”，或拨打 12315 消费者投诉举报热线。"
)
HUMAN_BUTTON = {"title": "转人工客服", "payload": "/request_human"}

_lock = threading.Lock()
_silent_turns = 0


def apology() -> dict:
    """The message a customer gets instead of silence (Rasa's bot-message shape)."""
    return {"text": APOLOGY_TEXT, "buttons": [dict(HUMAN_BUTTON)]}


def busy_notice() -> dict:
    """The message a customer gets when the turn goes on past the reply budget."""
    return {"text": BUSY_TEXT, "buttons": [dict(HUMAN_BUTTON)]}


def _is_reply(message: dict) -> bool:
    """Whether a collected message shows the customer something."""
    return any(message.get(key) for key in ("text", "image", "buttons", "attachment", "custom"))


def ensure_reply(
    conversation_id: str, messages: list, *, expect_silence: bool = False, reason: Optional[str] = None,
    still_running: bool = False,
) -> list:
    """The turn's replies, or the apology when the turn produced none (logged and counted); the busy notice
    instead when the turn is ``still_running`` past the channel's budget."""
    if expect_silence or any(_is_reply(message) for message in messages):
        return messages
    _record_silent_turn(conversation_id, reason or "the turn produced no bot message")
    return [*messages, busy_notice() if still_running else apology()]


def _record_silent_turn(conversation_id: str, reason: str) -> None:
    global _silent_turns
    with _lock:
        _silent_turns += 1
        total = _silent_turns
    log.error("silent turn in conversation %s (%s); sent the apology instead (silent turns so far: %d)",
              conversation_id, reason, total)


def silent_turns_total() -> int:
    """How many turns in this process would have left a customer without a reply."""
    with _lock:
        return _silent_turns
