"""End-to-end fixtures for the WeChat channel: the real trained bot with the channel enabled the way
``scripts/run-bot.sh`` enables it (``WECHAT_*`` set, credentials generated), talking to a fake of the
customer-service API.

Two Rasa processes share one action server and one channel state (SQLite under the shared ``BOT_VAR_DIR``), as
two server processes in production share Redis: ``wechat_bot`` answers passively (budget 4.5 s), ``late_wechat_bot``
has a budget too small for any answer, so it always takes the asynchronous path.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.channels.wechat.state import SQLiteState
from bot.paths import REPO_ROOT
from tests.channels.wechat_platform import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    TOKEN,
    FakeCustomerServiceAPI,
    Platform,
)
from tests.e2e.bot_process import BotProcesses, texts

WEBHOOK = "/webhooks/wechat/webhook"
MAX_BODY_BYTES = 16 * 1024


@dataclass
class WeChatBot:
    processes: BotProcesses
    platform: Platform
    api: FakeCustomerServiceAPI
    var_dir: Path

    @property
    def url(self) -> str:
        return self.processes.url + WEBHOOK

    @property
    def log(self) -> str:
        return (self.processes.workdir / "rasa.log").read_text(encoding="utf-8", errors="replace")

    def state(self) -> SQLiteState:
        """The channel state as the servers see it (same SQLite file)."""
        return SQLiteState(self.var_dir / "wechat.db")

    def user_events(self, openid: str) -> list:
        tracker = self.processes.tracker(f"wechat:{openid}")
        return [event for event in tracker["events"] if event["event"] == "user"]


def _credentials(workdir: Path, env: dict) -> Path:
    out = workdir / "credentials.yml"
    subprocess.run([sys.executable, "-m", "bot.channels.wechat", "credentials", str(REPO_ROOT / "credentials.yml"),
                    "--out", str(out)], cwd=REPO_ROOT, env=env, check=True)
    return out


def _warm_up(processes: BotProcesses, timeout: float = 300) -> None:
    """The first question loads the retrieval index in the action server, which takes longer than any reply
    budget; ask until a real answer comes back."""
    deadline = time.monotonic() + timeout
    while "法律依据" not in texts(processes.say("warm-up", "网购七天无理由退货")):
        assert time.monotonic() < deadline, "the action server never answered a knowledge question"
        time.sleep(2)


@pytest.fixture(scope="module")
def wechat_env(tmp_path_factory):
    api = FakeCustomerServiceAPI()
    root = tmp_path_factory.mktemp("wechat")
    index = REPO_ROOT / "var" / "index"
    if index.is_dir():  # the dense index cache is keyed by the knowledge base's fingerprint: reuse is safe
        shutil.copytree(index, root / "var" / "index")
    env = {
        **os.environ,
        "BOT_VAR_DIR": str(root / "var"),
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": APP_SECRET,
        "WECHAT_AES_KEY": AES_KEY,
        "WECHAT_MODE": "compatible",  # one server takes both plain and encrypted posts
        "WECHAT_API_BASE": api.base,
        "WECHAT_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
    }
    env.pop("BOT_REDIS_URL", None)
    yield root, env, api
    api.close()


@pytest.fixture(scope="module")
def wechat_bot(wechat_env):
    root, env, api = wechat_env
    workdir = root / "passive"
    workdir.mkdir()
    processes = BotProcesses(workdir, env, credentials=_credentials(workdir, env)).start()
    _warm_up(processes)
    yield WeChatBot(processes, Platform(processes.url + WEBHOOK), api, root / "var")
    processes.stop()


@pytest.fixture(scope="module")
def late_wechat_bot(wechat_env, wechat_bot):
    """A second Rasa process on the same action server and channel state, with a 10 ms reply budget."""
    root, env, api = wechat_env
    workdir = root / "late"
    workdir.mkdir()
    env = {**env, "WECHAT_REPLY_BUDGET": "0.01"}
    processes = BotProcesses(workdir, env, credentials=_credentials(workdir, env))
    processes.action_port = wechat_bot.processes.action_port
    processes.start_rasa()
    yield WeChatBot(processes, Platform(processes.url + WEBHOOK), api, root / "var")
    processes.stop_rasa()


@pytest.fixture
def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]  # openids are 28 characters
