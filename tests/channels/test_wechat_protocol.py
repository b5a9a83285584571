"""The hardening functions of the WeChat protocol, each against the attack it exists for."""
from __future__ import annotations

import base64
import time

import pytest

from bot.channels.wechat.config import COMPATIBLE, ConfigurationError, WeChatConfig
from bot.channels.wechat.protocol import (
    MessageCrypto,
    Refused,
    cdata_safe,
    check_signature,
    check_timestamp,
    parse_xml,
    sign,
    strip_pkcs7,
    text_reply,
)
from tests.channels.wechat_platform import AES_KEY, APP_ID, TOKEN, encrypt, text_xml

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<xml><Content>&lol3;</Content></xml>"
)
XXE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       "<xml><Content>&xxe;</Content></xml>")


def test_signature_is_sha1_over_sorted_parts():
    # The platform's documented example: sort token, timestamp, nonce; concatenate; SHA-1.
    import hashlib

    assert sign("token", "1409659813", "1372623149") == hashlib.sha1(b"13726231491409659813token").hexdigest()


def test_good_signature_passes_and_any_other_is_refused():
    good = sign(TOKEN, "1700000000", "abc")
    check_signature(TOKEN, "1700000000", "abc", good)
    for bad in (good[:-1] + ("0" if good[-1] != "0" else "1"), "", None, good.upper(), "签名"):
        with pytest.raises(Refused) as refused:
            check_signature(TOKEN, "1700000000", "abc", bad)
        assert refused.value.status == 403


def test_timestamp_outside_the_window_is_refused_as_a_replay():
    now = time.time()
    assert check_timestamp(str(int(now) - 299), 300, now) == int(now) - 299
    for stale in (str(int(now) - 301), str(int(now) + 301)):
        with pytest.raises(Refused) as refused:
            check_timestamp(stale, 300, now)
        assert refused.value.status == 403
    for malformed in ("", None, "12a", "-5", "9" * 20):
        with pytest.raises(Refused) as refused:
            check_timestamp(malformed, 300, now)
        assert refused.value.status == 400


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_xml_with_a_dtd_or_entities_is_refused(body):
    with pytest.raises(Refused) as refused:
        parse_xml(body.encode())
    assert refused.value.status == 400
    assert "lol" not in refused.value.reason and "passwd" not in refused.value.reason


@pytest.mark.parametrize("body", [b"<xml><Content>unclosed</xml>", b"", b"not xml", b"<root><a>1</a></root>"])
def test_malformed_xml_is_refused(body):
    with pytest.raises(Refused):
        parse_xml(body)


def test_message_fields_are_read_including_nested_ones():
    fields = parse_xml("<xml><MsgType>event</MsgType><ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo></xml>")
    assert fields == {"MsgType": "event", "ScanCodeInfo": {"ScanType": "qrcode"}}


def test_pkcs7_padding_is_checked_not_trusted():
    assert strip_pkcs7(b"a" * 31 + b"\x01") == b"a" * 31
    assert strip_pkcs7(b"a" * 30 + b"\x02\x02") == b"a" * 30
    assert strip_pkcs7(bytes([32]) * 32) == b""
    for bad in (b"a" * 30 + b"\x01\x02",  # pad bytes disagree
                b"a" * 31 + b"\x00",       # zero pad
                b"a" * 31 + b"\x21",       # pad longer than the block
                b"a" * 16 + b"\x01",       # not a whole block
                b""):
        with pytest.raises(Refused) as refused:
            strip_pkcs7(bad)
        assert refused.value.status == 400


def test_safe_mode_round_trip_and_what_decryption_refuses():
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    xml = text_xml("oUser1", "网购七天无理由退货")
    envelope = encrypt(xml)
    assert crypto.decrypt(envelope, sign(TOKEN, "1", "n", envelope), "1", "n") == xml

    with pytest.raises(Refused, match="bad signature"):
        crypto.decrypt(envelope, sign(TOKEN, "1", "n", "something else"), "1", "n")

    bad_pad = encrypt(xml, pad=lambda data: data + b"\x00" * (32 - len(data) % 32))
    with pytest.raises(Refused, match="padding"):
        crypto.decrypt(bad_pad, sign(TOKEN, "1", "n", bad_pad), "1", "n")

    other_app = encrypt(xml, app_id="wx_other_app")
    with pytest.raises(Refused, match="another app id") as refused:
        crypto.decrypt(other_app, sign(TOKEN, "1", "n", other_app), "1", "n")
    assert refused.value.status == 403

    not_base64 = "%%%not-base64%%%"
    with pytest.raises(Refused, match="base64"):
        crypto.decrypt(not_base64, sign(TOKEN, "1", "n", not_base64), "1", "n")


def test_encrypted_reply_decrypts_to_the_reply():
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    reply = text_reply("oUser1", "gh_account", "您好")
    envelope = parse_xml(crypto.encrypt(reply, "nonce9", "1700000000"))
    assert envelope["MsgSignature"] == sign(TOKEN, "1700000000", "nonce9", envelope["Encrypt"])
    assert crypto.decrypt(envelope["Encrypt"], envelope["MsgSignature"], "1700000000", "nonce9") == reply


@pytest.mark.parametrize("text", ["a]]>b", "]]>", "]]]]>>", "x]]><script>alert(1)</script><![CDATA[y"])
def test_cdata_terminator_in_user_text_cannot_break_the_reply(text):
    reply = parse_xml(text_reply("oUser]]>1", "gh_account", text))
    assert reply["Content"] == text
    assert reply["ToUserName"] == "oUser]]>1"
    assert set(reply) == {"MsgType", "Content", "FromUserName", "ToUserName", "CreateTime"}


def test_characters_xml_cannot_carry_are_dropped():
    assert cdata_safe("a\x00b\x08c\td\ne") == "abc\td\ne"
    assert parse_xml(text_reply("o1", "gh", "退\x00款\x1b"))["Content"] == "退款"


def test_configuration_names_the_bad_setting_not_its_value():
    with pytest.raises(ConfigurationError, match="WECHAT_TOKEN"):
        WeChatConfig.from_credentials({}, env={})
    with pytest.raises(ConfigurationError, match="43 characters") as error:
        WeChatConfig.from_credentials({"token": "t", "app_id": "wx1", "aes_key": "short-secret"}, env={})
    assert "short-secret" not in str(error.value)
    config = WeChatConfig.from_credentials({"token": "t", "app_id": APP_ID, "aes_key": AES_KEY},
                                           env={"WECHAT_MODE": COMPATIBLE, "WECHAT_REPLY_BUDGET": "0.5"})
    assert (config.mode, config.reply_budget) == (COMPATIBLE, 0.5)
    assert WeChatConfig.from_credentials({"token": "t", "app_id": APP_ID, "aes_key": AES_KEY}, env={}).mode == "safe"
    assert base64.b64decode(AES_KEY + "=")  # the test key itself is a valid EncodingAESKey
