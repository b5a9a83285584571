"""Encryption at rest for personal fields (个人信息保护法 第51条: 采取加密等安全技术措施).

Columns typed :class:`EncryptedText` hold Fernet tokens in the database and plain text in Python, so models
and the code using them never handle ciphertext. The key comes from ``BOT_FERNET_KEY``; without it, one is
generated on first use and kept in ``<var_dir>/secret.key``, readable only by its owner.
"""
from __future__ import annotations

import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.types import Text, TypeDecorator

from bot.store.secrets import generated_secret


class EncryptionKeyError(RuntimeError):
    """The configured key is unusable, or stored data cannot be decrypted with it."""


@lru_cache(maxsize=None)
def _fernet(key: bytes) -> Fernet:
    try:
        return Fernet(key)
    except ValueError as error:
        raise EncryptionKeyError(
            "BOT_FERNET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes); "
            "create one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from error


def _key() -> bytes:
    configured = os.environ.get("BOT_FERNET_KEY")
    if configured:
        return configured.strip().encode()
    return generated_secret("secret.key", Fernet.generate_key)


def encrypt(plaintext: str) -> str:
    return _fernet(_key()).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(_key()).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise EncryptionKeyError(
            "Cannot decrypt a stored personal field: the key differs from the one it was saved with "
            "(check BOT_FERNET_KEY or <var_dir>/secret.key)."
        ) from error


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token. ``None`` stays ``None`` (e.g. after deletion)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
