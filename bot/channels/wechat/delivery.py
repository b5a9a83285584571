"""Sending to a WeChat user outside a passive reply, within what the platform allows.

A user's message opens a 48-hour window with a quota of customer-service messages; beyond it the platform
answers 45015 (45047 past the quota). An answer that cannot go out now is kept and sent with the user's next
message, with a line saying it was held — so nothing is lost and the user knows why it comes late.
"""
from __future__ import annotations

import logging
import time
from typing import List

from bot.channels.wechat.api import OUT_OF_QUOTA, OUT_OF_WINDOW, APIError, CustomerServiceAPI
from bot.channels.wechat.config import WeChatConfig
from bot.channels.wechat.state import ChannelState
from bot.channels.wechat.text import render_messages, split_text

log = logging.getLogger(__name__)

HELD_NOTICE = "【补发】以下回复在您上次留言后未能及时送达（微信只允许公众号在您发消息后48小时内回复），现一并发给您："


def masked(openid: str) -> str:
    """Enough of an openid to follow a conversation in the logs, not enough to address the user."""
    return f"{openid[:6]}…" if len(openid) > 6 else "…"


class WeChatSender:
    """``bot.channels.outbound``'s sender for ``wechat:<openid>`` conversations."""

    def __init__(self, config: WeChatConfig, state: ChannelState, api: CustomerServiceAPI):
        self.config = config
        self.state = state
        self.api = api

    async def send(self, user_id: str, message: dict) -> None:
        text, buttons = render_messages([message])
        if buttons:
            self.state.offer_choices(user_id, buttons)
        await self.deliver(user_id, split_text(text, self.config.text_limit_bytes))

    async def deliver(self, openid: str, pieces: List[str]) -> bool:
        """Send the pieces now if the window allows, else keep them for the user's next message."""
        if not pieces:
            return True
        window = self.state.window(openid)
        open_ = (
            self.config.can_send
            and window.last_message_at is not None
            and time.time() - window.last_message_at < self.config.window_hours * 3600
        )
        allowed = max(0, self.config.messages_per_window - window.sent_since) if open_ else 0
        for index, piece in enumerate(pieces[:allowed]):
            try:
                await self.api.send_text(openid, piece)
            except APIError as error:
                if error.errcode not in (OUT_OF_WINDOW, OUT_OF_QUOTA):
                    log.error("wechat: customer-service send to %s failed (%s); holding the answer",
                              masked(openid), error)
                self.hold(openid, pieces[index:], f"API error {error.errcode}")
                return False
            self.state.count_sent(openid, 1)
        if allowed < len(pieces):
            reason = "quota of the 48-hour window used up" if open_ else "outside the 48-hour window"
            self.hold(openid, pieces[allowed:], reason)
            return False
        return True

    def hold(self, openid: str, pieces: List[str], reason: str) -> None:
        self.state.add_pending(openid, "\n\n".join(pieces))
        log.info("wechat: held %d message(s) for %s until they write again (%s)", len(pieces), masked(openid), reason)

    def with_held(self, openid: str, text: str) -> str:
        """The text of a reply to the user's new message, preceded by anything held for them."""
        held = self.state.take_pending(openid)
        if not held:
            return text
        return "\n\n".join([HELD_NOTICE, *held, "——", text]) if text else "\n\n".join([HELD_NOTICE, *held])
