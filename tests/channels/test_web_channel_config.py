from bot.channels.web import WebChannel


def test_credentials_restrict_the_pages_that_may_embed_the_widget(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    channel = WebChannel.from_credentials({"allowed_origins": ["https://shop.example.org"], "session_max_age_days": 7})
    assert channel._origin_allowed("https://shop.example.org")
    assert not channel._origin_allowed("https://evil.example.net")
    assert channel.session_max_age == 7 * 24 * 3600
    open_channel = WebChannel.from_credentials({"allowed_origins": "*"})
    assert open_channel._origin_allowed("https://anyone.example.com")
    assert (tmp_path / "widget.key").exists()  # the key exists before the first customer arrives
