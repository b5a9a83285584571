"""The platform's server protocol, hardened where wechatpy is not.

wechatpy 1.8.18 compares signatures with ``!=``, has no replay window, strips PKCS#7 padding without checking
it (``plain_text[16:-padding]`` for whatever the last byte says), parses XML with expat through xmltodict and
writes reply fields into ``<![CDATA[…]]>`` unescaped. Here: :func:`check_signature` uses
``hmac.compare_digest``; :func:`check_timestamp` bounds the replay window; :class:`MessageCrypto` checks the
message signature *before* decrypting (no padding oracle) and then the padding, the length field and the app id;
:func:`parse_xml` goes through defusedxml with DTDs forbidden, so neither external entities nor entity expansion
reach the parser; :func:`text_reply` makes any text safe inside CDATA. wechatpy still does what it does well:
encrypting replies, rendering them, and turning the checked XML into message objects.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
import time
from typing import Dict, Optional, Union

import defusedxml.ElementTree as SafeElementTree
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply
from xml.etree.ElementTree import ParseError

from bot.channels.wechat.config import aes_key_bytes

PKCS7_BLOCK = 32
_RANDOM_PREFIX = 16
# Characters XML 1.0 cannot carry at all, not even in CDATA.
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Refused(Exception):
    """A request the channel will not process. ``reason`` is safe to log: it never contains message content."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(*parts: str) -> str:
    """The platform's signature: SHA-1 over the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(token: str, timestamp: str, nonce: str, signature: Optional[str], *extra: str) -> None:
    expected = sign(token, timestamp, nonce, *extra)
    if not signature or not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Refused(403, "bad signature")


def check_timestamp(timestamp: Optional[str], window: int, now: Optional[float] = None) -> int:
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        raise Refused(400, "missing or malformed timestamp")
    value = int(timestamp)
    now = time.time() if now is None else now
    if abs(now - value) > window:
        raise Refused(403, "timestamp outside the replay window")
    return value


def parse_xml(body: Union[bytes, str]) -> Dict[str, object]:
    """A message's fields as a dict (nested elements as nested dicts); refuses DTDs, entities and bad XML."""
    try:
        root = SafeElementTree.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise Refused(400, "XML with a DTD or entities") from None
    except (ParseError, ValueError):
        raise Refused(400, "malformed XML") from None
    if root.tag != "xml":
        raise Refused(400, "XML root is not <xml>")
    return _element_dict(root)


def _element_dict(element) -> Dict[str, object]:
    fields: Dict[str, object] = {}
    for child in element:
        fields[child.tag] = _element_dict(child) if len(child) else (child.text or "")
    return fields


def strip_pkcs7(padded: bytes, block_size: int = PKCS7_BLOCK) -> bytes:
    """Remove PKCS#7 padding, refusing anything that is not exactly 1..block_size copies of the pad length."""
    if not padded or len(padded) % block_size:
        raise Refused(400, "ciphertext is not a whole number of padding blocks")
    pad = padded[-1]
    if not 1 <= pad <= block_size or padded[-pad:] != bytes([pad]) * pad:
        raise Refused(400, "bad padding")
    return padded[:-pad]


class MessageCrypto:
    """Safe and compatible mode: AES-256-CBC with the EncodingAESKey, IV = first 16 key bytes."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str):
        self.token = token
        self.app_id = app_id
        self._key = aes_key_bytes(encoding_aes_key)
        self._encrypter = WeChatCrypto(token, encoding_aes_key, app_id)

    def decrypt(self, encrypted: str, msg_signature: Optional[str], timestamp: str, nonce: str) -> str:
        check_signature(self.token, timestamp, nonce, msg_signature, encrypted)
        try:
            ciphertext = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise Refused(400, "Encrypt is not base64") from None
        if not ciphertext or len(ciphertext) % 16:
            raise Refused(400, "ciphertext is not a whole number of AES blocks")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        content = strip_pkcs7(decryptor.update(ciphertext) + decryptor.finalize())
        if len(content) < _RANDOM_PREFIX + 4:
            raise Refused(400, "decrypted message too short")
        (length,) = struct.unpack(">I", content[_RANDOM_PREFIX:_RANDOM_PREFIX + 4])
        start = _RANDOM_PREFIX + 4
        if start + length > len(content):
            raise Refused(400, "decrypted length field exceeds the message")
        if not hmac.compare_digest(content[start + length:], self.app_id.encode("utf-8")):
            raise Refused(403, "message is for another app id")
        try:
            return content[start:start + length].decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "decrypted message is not UTF-8") from None

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        """The reply envelope ``<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`` (wechatpy's)."""
        return self._encrypter.encrypt_message(xml, cdata_safe(nonce), timestamp)


def cdata_safe(text: str) -> str:
    """Text that stays one CDATA section's worth of characters whatever it contains.

    ``]]>`` would end the section early, so it is split across two sections (``]]`` + ``]]><![CDATA[`` + ``>``);
    characters XML cannot represent at all are dropped.
    """
    return _XML_ILLEGAL.sub("", str(text)).replace("]]>", "]]]]><![CDATA[>")


def text_reply(to_user: str, from_user: str, content: str, now: Optional[float] = None) -> str:
    """A passive text reply in the platform's XML."""
    reply = TextReply(
        source=cdata_safe(from_user),
        target=cdata_safe(to_user),
        content=cdata_safe(content),
        time=int(now if now is not None else time.time()),
    )
    return reply.render()
