"""The WeChat Official Account (公众号) channel: a Rasa input channel on wechatpy, hardened.

- :class:`WeChatInput` (``bot.channels.wechat.channel``) — the Rasa channel; credentials.yml names it
  ``bot.channels.wechat.WeChatInput``. Imported on first use, so the CLI runs without loading Rasa.
- :mod:`~bot.channels.wechat.protocol` — signatures, replay window, safe-mode crypto, safe XML in and out.
- :mod:`~bot.channels.wechat.text` — long answers split to the platform's limit, buttons as numbered choices.
- :mod:`~bot.channels.wechat.state` — dedupe, 48-hour windows, held answers, the access token (Redis or SQLite).
- :mod:`~bot.channels.wechat.api` / :mod:`~bot.channels.wechat.delivery` — the customer-service message API and
  the ``wechat`` sender registered with :mod:`bot.channels.outbound`.
- ``python -m bot.channels.wechat credentials`` writes a credentials file with the channel enabled.
"""
from bot.channels.wechat.config import ConfigurationError, WeChatConfig

__all__ = ["ConfigurationError", "WeChatConfig", "WeChatInput"]


def __getattr__(name: str):
    if name == "WeChatInput":
        from bot.channels.wechat.channel import WeChatInput

        return WeChatInput
    raise AttributeError(name)
