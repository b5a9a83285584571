"""The channels' first step, on the store as a fresh clone or a failing database leaves it."""
from __future__ import annotations

import pytest

from bot.channels.desk_gate import route_through_desk
from bot.store.testing import isolated_var_dir  # noqa: F401  (fixture: a var directory of this test's own)


class NoAgent:
    """Rasa's agent is only touched when the desk takes a message; these messages are the bot's."""


@pytest.mark.asyncio
async def test_on_a_fresh_database_the_first_message_goes_to_the_bot(isolated_var_dir):
    assert not (isolated_var_dir / "bot.db").exists()
    assert await route_through_desk(NoAgent(), "web:first", "你好", "web") is None
    assert (isolated_var_dir / "bot.db").exists()  # the schema was made on the way


@pytest.mark.asyncio
async def test_when_the_desk_store_fails_the_bot_answers_rather_than_nobody(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'bot.db'}")
    assert await route_through_desk(NoAgent(), "web:down", "你好", "web") is None
    assert "the bot answers it" in caplog.text
