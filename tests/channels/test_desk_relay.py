"""The relay's signature: only the console of the same deployment, and only recently, may speak to a customer."""
from __future__ import annotations

from bot.channels.relay_client import MAX_SKEW_SECONDS, relay_key, sign, signature_valid

KEY = b"k" * 32
BODY = b'{"conversation_id": "web:abc", "message": {"text": "\xe6\x82\xa8\xe5\xa5\xbd"}}'


def test_a_fresh_signature_over_the_same_body_is_accepted():
    assert signature_valid(BODY, sign(BODY, KEY, now=1_000_000), KEY, now=1_000_010)


def test_a_changed_body_another_key_an_old_or_a_malformed_signature_are_refused():
    header = sign(BODY, KEY, now=1_000_000)
    assert not signature_valid(BODY.replace(b"abc", b"xyz"), header, KEY, now=1_000_000)
    assert not signature_valid(BODY, header, b"x" * 32, now=1_000_000)
    assert not signature_valid(BODY, header, KEY, now=1_000_000 + MAX_SKEW_SECONDS + 1)  # a replay, later
    for malformed in (None, "", "abc", "1000000", "1000000.", "-5.00"):
        assert not signature_valid(BODY, malformed, KEY, now=1_000_000)


def test_without_a_configured_key_one_is_generated_once_and_shared(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("BOT_DESK_RELAY_KEY", raising=False)
    first = relay_key()
    assert len(first) >= 32 and relay_key() == first
    assert (tmp_path / "desk_relay.key").stat().st_mode & 0o077 == 0  # readable by its owner only
