"""One identity per person per channel (issue 8.4).

A conversation id is ``<channel>:<user id in that channel>`` — ``web:<session id>``, ``wechat:<openid>`` — so two
channels can never hand out the same id, and a complaint or hand-off keyed by it names the person *and* where to
reach them. The user id is whatever the channel uses (it may itself contain ``:``); the channel never does.
"""
from __future__ import annotations

import re
from typing import Tuple

WEB = "web"
WECHAT = "wechat"

_CHANNEL = re.compile(r"[a-z][a-z0-9_]{0,31}")
# Printable, no whitespace: ids travel in URLs, logs and Redis channel names.
_USER_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,128}")


class InvalidConversationId(ValueError):
    """A conversation id, channel name or user id that does not follow ``<channel>:<user id>``."""


def conversation_id(channel: str, user_id: str) -> str:
    if not isinstance(channel, str) or not _CHANNEL.fullmatch(channel):
        raise InvalidConversationId(f"channel must be a short lowercase name like 'web' or 'wechat', got {channel!r}")
    if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
        raise InvalidConversationId(
            f"user id in channel {channel!r} must be 1-128 printable characters without spaces, got {user_id!r}"
        )
    return f"{channel}:{user_id}"


def parse_conversation_id(cid: str) -> Tuple[str, str]:
    channel, separator, user_id = cid.partition(":") if isinstance(cid, str) else ("", "", "")
    if not separator:
        raise InvalidConversationId(f"conversation id must look like '<channel>:<user id>', got {cid!r}")
    conversation_id(channel, user_id)  # validates both halves
    return channel, user_id
