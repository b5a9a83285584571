"""`python -m bot.channels.wechat`: the credentials file run-bot.sh gives Rasa when WECHAT_TOKEN is set, and the
protocol benchmark."""
from __future__ import annotations

import pytest
from rasa.shared.utils.io import read_config_file

from bot.channels.wechat import WeChatConfig
from bot.channels.wechat.__main__ import CHANNEL_KEY, credentials_text, main

BASE = "rest:\n"


def test_only_variables_that_are_set_are_referenced_and_no_secret_is_written(tmp_path, monkeypatch):
    env = {"WECHAT_TOKEN": "s3cret-token", "WECHAT_APP_ID": "wx123"}
    text = credentials_text(BASE, env)
    assert "${WECHAT_TOKEN}" in text and "${WECHAT_APP_ID}" in text
    assert "WECHAT_AES_KEY" not in text and "WECHAT_APP_SECRET" not in text
    assert "s3cret-token" not in text

    # Rasa's own loader substitutes the variables; the channel reads its config from what it gets.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "credentials.yml"
    (tmp_path / "base.yml").write_text(BASE, encoding="utf-8")
    assert main(["credentials", str(tmp_path / "base.yml"), "--out", str(out)]) == 0
    loaded = read_config_file(out)
    assert "rest" in loaded
    config = WeChatConfig.from_credentials(loaded[CHANNEL_KEY], env={})
    assert (config.token, config.app_id, config.mode) == ("s3cret-token", "wx123", "plain")


def test_without_a_token_the_channel_stays_off():
    with pytest.raises(SystemExit, match="WECHAT_TOKEN is not set"):
        credentials_text(BASE, {"WECHAT_APP_ID": "wx123"})


def test_bench_prints_and_writes_a_row_per_protocol_step(tmp_path, capsys):
    out = tmp_path / "wechat-protocol.md"
    assert main(["bench", "-n", "5", "--out", str(out)]) == 0
    table = out.read_text(encoding="utf-8")
    assert capsys.readouterr().out == table
    for step in ("signature", "parse XML", "decrypt (safe mode)", "encrypt reply"):
        assert f"| {step}" in table
