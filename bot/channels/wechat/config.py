"""The WeChat channel's settings: secrets from credentials.yml (which reads them from the environment), tuning
knobs from the environment with defaults that fit the platform's documented limits."""
from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional

PLAIN = "plain"
COMPATIBLE = "compatible"
SAFE = "safe"
MODES = (PLAIN, COMPATIBLE, SAFE)

DEFAULT_API_BASE = "https://api.weixin.qq.com"


class ConfigurationError(ValueError):
    """A WeChat setting is missing or malformed; the message names the setting, never its value."""


@dataclass(frozen=True)
class WeChatConfig:
    token: str
    app_id: str = ""
    app_secret: str = ""
    aes_key: str = ""
    # plain: bodies in clear; compatible: the platform sends both, we decrypt when asked to; safe: only encrypted
    mode: str = PLAIN
    api_base: str = DEFAULT_API_BASE
    # The platform gives up after 5 s and retries; answer passively only if the bot is done by then.
    reply_budget: float = 4.5
    timestamp_window: int = 300
    max_body_bytes: int = 32 * 1024
    # Community-confirmed limit for a text message (passive or customer-service); beyond it 45002.
    text_limit_bytes: int = 2048
    # Since 2023-06 a user's message allows 5 customer-service messages within 48 h.
    window_hours: float = 48.0
    messages_per_window: int = 5
    redis_url: str = ""

    def __post_init__(self) -> None:
        if not self.token:
            raise ConfigurationError("WeChat channel: `token` (WECHAT_TOKEN) is required")
        if self.mode not in MODES:
            raise ConfigurationError(f"WeChat channel: mode must be one of {', '.join(MODES)}")
        if self.mode != PLAIN:
            if not self.aes_key:
                raise ConfigurationError(f"WeChat channel: {self.mode} mode needs `aes_key` (WECHAT_AES_KEY)")
            if not self.app_id:
                raise ConfigurationError(f"WeChat channel: {self.mode} mode needs `app_id` (WECHAT_APP_ID)")
            aes_key_bytes(self.aes_key)
        if self.reply_budget <= 0 or self.reply_budget >= 5:
            raise ConfigurationError("WeChat channel: reply budget must be between 0 and 5 seconds")

    @property
    def can_send(self) -> bool:
        """The customer-service API needs the app id and secret for its access token."""
        return bool(self.app_id and self.app_secret)

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Mapping[str, Any]], env: Mapping[str, str] = os.environ
    ) -> "WeChatConfig":
        credentials = dict(credentials or {})

        def setting(key: str, variable: str, default: str = "") -> str:
            value = credentials.get(key)
            if value in (None, ""):
                value = env.get(variable, default)
            return str(value).strip()

        aes_key = setting("aes_key", "WECHAT_AES_KEY")
        mode = setting("mode", "WECHAT_MODE", SAFE if aes_key else PLAIN).lower()
        try:
            return cls(
                token=setting("token", "WECHAT_TOKEN"),
                app_id=setting("app_id", "WECHAT_APP_ID"),
                app_secret=setting("app_secret", "WECHAT_APP_SECRET"),
                aes_key=aes_key,
                mode=mode,
                api_base=setting("api_base", "WECHAT_API_BASE", DEFAULT_API_BASE).rstrip("/"),
                reply_budget=float(setting("reply_budget", "WECHAT_REPLY_BUDGET", "4.5")),
                timestamp_window=int(setting("timestamp_window", "WECHAT_TIMESTAMP_WINDOW", "300")),
                max_body_bytes=int(setting("max_body_bytes", "WECHAT_MAX_BODY_BYTES", str(32 * 1024))),
                text_limit_bytes=int(setting("text_limit_bytes", "WECHAT_TEXT_LIMIT_BYTES", "2048")),
                redis_url=setting("redis_url", "BOT_REDIS_URL"),
            )
        except ValueError as error:
            if isinstance(error, ConfigurationError):
                raise
            raise ConfigurationError(f"WeChat channel: a numeric setting is not a number ({error})") from None


def aes_key_bytes(encoding_aes_key: str) -> bytes:
    """EncodingAESKey is 43 characters of base64 without its trailing '='; the AES-256 key is its decoding."""
    if len(encoding_aes_key) != 43:
        raise ConfigurationError("WeChat channel: the EncodingAESKey (WECHAT_AES_KEY) must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError("WeChat channel: the EncodingAESKey (WECHAT_AES_KEY) is not base64") from None
    if len(key) != 32:
        raise ConfigurationError("WeChat channel: the EncodingAESKey (WECHAT_AES_KEY) does not decode to 32 bytes")
    return key
