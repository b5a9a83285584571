"""End-to-end fixtures: one real bot (trained model + action server) per test session.

Every test talks to it over HTTP on the REST channel with its own sender id, so conversations never mix.
State (tracker store, complaint database, keys) lives in a temporary folder, not in the developer's var/.
"""
from __future__ import annotations

import os
import uuid

import pytest

from bot.paths import index_dir

from tests.e2e.bot_process import BotProcesses


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bot")
    env = {**os.environ, "BOT_VAR_DIR": str(workdir / "var"), "KB_INDEX_DIR": str(index_dir())}
    processes = BotProcesses(workdir, env).start()
    yield processes
    processes.stop()


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
