import stat

import pytest

from bot.channels import tokens


@pytest.fixture(autouse=True)
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("BOT_WIDGET_KEY", raising=False)
    return tmp_path


def test_a_token_opens_exactly_the_session_it_was_issued_for():
    session_id = tokens.new_session_id()
    assert tokens.verify(tokens.issue(session_id)) == session_id
    assert tokens.verify(tokens.issue()) != session_id


def test_the_embedded_key_is_generated_once_and_private(var_dir):
    token = tokens.issue()
    key_file = var_dir / "widget.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_bytes()
    assert tokens.verify(token)
    tokens.issue()
    assert key_file.read_bytes() == first


def test_another_customers_session_id_cannot_be_put_into_a_token():
    mine, theirs = tokens.new_session_id(), tokens.new_session_id()
    version, _, issued, signature = tokens.issue(mine).split(".")
    with pytest.raises(tokens.InvalidToken, match="signature"):
        tokens.verify(f"{version}.{theirs}.{issued}.{signature}")


def test_a_token_signed_with_another_key_is_refused(monkeypatch):
    token = tokens.issue()
    monkeypatch.setenv("BOT_WIDGET_KEY", "k" * 40)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(token)
    assert tokens.verify(tokens.issue())


def test_expired_and_malformed_tokens_are_refused():
    old = tokens.issue(now=1_000_000)
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.verify(old, max_age=3600, now=1_000_000 + 3601)
    assert tokens.verify(old, max_age=3600, now=1_000_000 + 3599)
    for bad in (None, "", "v1.abc", "x" * 500, old.replace("v1.", "v2."), old + "x"):
        with pytest.raises(tokens.InvalidToken):
            tokens.verify(bad)


def test_a_short_configured_key_is_refused_with_advice(monkeypatch):
    monkeypatch.setenv("BOT_WIDGET_KEY", "short")
    with pytest.raises(tokens.WidgetKeyError, match="at least 32"):
        tokens.issue()
