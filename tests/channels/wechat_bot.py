"""End-to-end fixtures for the WeChat channel: the real trained bot with the channel enabled the way
``scripts/run-bot.sh`` enables it (``WECHAT_*`` set, credentials generated), talking to a fake of the
customer-service API.

Two Rasa processes share one action server and one channel state (SQLite under the shared ``BOT_VAR_DIR``), as
two server processes in production share Redis: ``wechat_bot`` answers passively (budget 4.5 s), ``late_wechat_bot``
has a budget too small for any answer, so it always takes the asynchronous path.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest


from bot.channels.safety import APOLOGY_TEXT
from bot.channels.wechat.state import SQLiteState
from bot.channels.wechat.text import render_messages
from bot.paths import REPO_ROOT, index_dir
from tests.channels.wechat_platform import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    TOKEN,
    FakeCustomerServiceAPI,
    Platform,
)
from tests.e2e.bot_process import VENV_BIN, BotProcesses, _wait_until_up, free_port, texts

WEBHOOK = "/webhooks/wechat/webhook"
MAX_BODY_BYTES = 16 * 1024


class PatientBotProcesses(BotProcesses):
    """The action server builds its retrieval index and reranker at start; when the knowledge base changed
    since the cached index and other work shares the 2 cores, that takes longer than the default 180 s."""

    def start_actions(self) -> None:
        self.action_port = free_port()
        log = self.workdir / "actions.log"
        self.actions = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
            cwd=REPO_ROOT, env={**self.env, "SANIC_HOST": "127.0.0.1"},
            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        _wait_until_up(f"http://127.0.0.1:{self.action_port}/health", self.actions, log, timeout=900)


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

    def rest_reply(self, sender: str, text: str) -> str:
        """What the same turn shows on the REST channel, rendered as WeChat text: the reference a WeChat reply
        must match, whatever the knowledge base answers today."""
        return render_messages(self.processes.say(sender, text))[0]

    def user_events(self, openid: str) -> list:
        tracker = self.processes.tracker(f"wechat:{openid}")
        return [event for event in tracker["events"] if event["event"] == "user"]


def _credentials(workdir: Path, env: dict) -> Path:
    out = workdir / "credentials.yml"
    subprocess.run([sys.executable, "-m", "bot.channels.wechat", "credentials", str(REPO_ROOT / "credentials.yml"),
                    "--out", str(out)], cwd=REPO_ROOT, env=env, check=True)
    return out


def _warm_up(processes: BotProcesses, timeout: float = 300) -> None:
    """The first question warms the action server's retrieval, which can take longer than any reply budget;
    ask until the answer comes from the action server rather than the REST channel's apology."""
    deadline = time.monotonic() + timeout
    while APOLOGY_TEXT in texts(processes.say(f"warm-up-{uuid.uuid4().hex[:8]}", "网购七天无理由退货")):
        assert time.monotonic() < deadline, "the action server never answered a knowledge question"
        time.sleep(2)


@pytest.fixture(scope="module")
def wechat_env(tmp_path_factory):
    api = FakeCustomerServiceAPI()
    root = tmp_path_factory.mktemp("wechat")
    env = {
        **os.environ,
        "BOT_VAR_DIR": str(root / "var"), "KB_INDEX_DIR": str(index_dir()),
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
    processes = PatientBotProcesses(workdir, env, credentials=_credentials(workdir, env))
    try:  # a server that failed to come up must not outlive the test session
        processes.start()
        _warm_up(processes)
        yield WeChatBot(processes, Platform(processes.url + WEBHOOK), api, root / "var")
    finally:
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
    try:
        processes.start_rasa()
        yield WeChatBot(processes, Platform(processes.url + WEBHOOK), api, root / "var")
    finally:
        processes.stop_rasa()


@pytest.fixture
def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]  # openids are 28 characters
