"""Signed widget session tokens: the only thing that opens a website conversation.

A token is ``v1.<session id>.<issued at>.<HMAC-SHA256 signature>``. The server makes up the session id (128 random
bits) and signs it, so a session id alone — seen in a log, guessed, or typed into a request — opens nothing: every
widget route takes the conversation from a token it verifies, never from the request. The key comes from
``BOT_WIDGET_KEY``; without it, one is generated on first use into ``<var_dir>/widget.key`` (owner-only), the
same way :mod:`bot.store.crypto` keeps the encryption key.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from typing import Optional

from bot.store.secrets import generated_secret

VERSION = "v1"
DEFAULT_MAX_AGE = 30 * 24 * 3600  # a customer coming back within a month finds their conversation
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{22}")


class InvalidToken(ValueError):
    """A token that was not issued by this server with this key, or has expired."""


class WidgetKeyError(RuntimeError):
    """``BOT_WIDGET_KEY`` is set but too short to sign with."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def widget_key() -> bytes:
    configured = os.environ.get("BOT_WIDGET_KEY")
    if configured:
        if len(configured.strip()) < 32:
            raise WidgetKeyError(
                "BOT_WIDGET_KEY must be at least 32 characters; create one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return configured.strip().encode()
    return generated_secret("widget.key", lambda: secrets.token_urlsafe(32).encode("ascii"))


def _signature(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())


def new_session_id() -> str:
    return _b64(secrets.token_bytes(16))


def issue(session_id: Optional[str] = None, now: Optional[float] = None, key: Optional[bytes] = None) -> str:
    session_id = session_id or new_session_id()
    if not _SESSION_ID.fullmatch(session_id):
        raise ValueError("session ids are made by new_session_id()")
    body = f"{VERSION}.{session_id}.{int(now if now is not None else time.time())}"
    return f"{body}.{_signature(key or widget_key(), body)}"


def verify(token: object, max_age: float = DEFAULT_MAX_AGE, now: Optional[float] = None,
           key: Optional[bytes] = None) -> str:
    """The session id the token was issued for; :class:`InvalidToken` for anything else."""
    if not isinstance(token, str) or len(token) > 200:
        raise InvalidToken("no token")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not _SESSION_ID.fullmatch(parts[1]) or not parts[2].isdigit():
        raise InvalidToken("malformed token")
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_signature(key or widget_key(), body), parts[3]):
        raise InvalidToken("bad signature")
    age = (now if now is not None else time.time()) - int(parts[2])
    if age > max_age or age < -300:  # small allowance for clocks of several servers
        raise InvalidToken("expired token")
    return parts[1]
