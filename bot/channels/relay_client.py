"""The console's side of the desk relay (:mod:`bot.channels.desk_relay`): signing, and sending a message to a
customer through the Rasa server. Kept free of Rasa, so the console process does not load it.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
import time
from typing import Any, Dict, Optional

import aiohttp

from bot.store.secrets import generated_secret

SIGNATURE_HEADER = "X-Desk-Signature"
MAX_SKEW_SECONDS = 300
DEFAULT_BOT_URL = "http://127.0.0.1:5005"


class RelayError(RuntimeError):
    """The Rasa server refused the message or could not be reached."""


class NotPushed(RelayError):
    """The message is in the transcript, but the customer's channel cannot push it to them now."""


def relay_key() -> bytes:
    configured = os.environ.get("BOT_DESK_RELAY_KEY", "").strip()
    if configured:
        if len(configured) < 32:
            raise ValueError("BOT_DESK_RELAY_KEY must be at least 32 characters")
        return configured.encode()
    return generated_secret("desk_relay.key", lambda: secrets.token_urlsafe(32).encode("ascii"))


def sign(body: bytes, key: bytes, now: Optional[float] = None) -> str:
    stamp = str(int(now if now is not None else time.time()))
    return f"{stamp}.{hmac.new(key, stamp.encode() + b'.' + body, hashlib.sha256).hexdigest()}"


def signature_valid(body: bytes, header: Optional[str], key: bytes, now: Optional[float] = None) -> bool:
    stamp, _, _ = (header or "").partition(".")
    if not stamp.isdigit() or abs((now if now is not None else time.time()) - int(stamp)) > MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(sign(body, key, int(stamp)), header or "")


class RasaRelay:
    """The console's side: ``await RasaRelay().send("web:…", {"text": …, "sender_name": …})``."""

    def __init__(self, bot_url: Optional[str] = None, key: Optional[bytes] = None, timeout: float = 15.0) -> None:
        self.bot_url = (bot_url or os.environ.get("BOT_RASA_URL") or DEFAULT_BOT_URL).rstrip("/")
        self.key = key
        self.timeout = timeout

    async def send(self, conversation_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
        body = json.dumps({"conversation_id": conversation_id, "message": message}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, self.key or relay_key())}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as http:
                async with http.post(f"{self.bot_url}/webhooks/desk/outbound", data=body, headers=headers) as answer:
                    result = await answer.json(content_type=None)
                    status = answer.status
        except (aiohttp.ClientError, OSError, ValueError, asyncio.TimeoutError) as error:
            raise RelayError(f"the bot at {self.bot_url} could not be reached: {error}") from None
        if status == 409:
            raise NotPushed(result.get("detail") or "the channel cannot push")
        if status != 200:
            raise RelayError(f"the bot refused the message ({status}): {result}")
        return result
