"""Start the real action server and Rasa server on free loopback ports, and talk to them over HTTP."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import requests

from bot.deploy.processes import free_port, spawn, stop as stop_processes, wait_until_up
from bot.deploy.topology import SANIC_SETTINGS
from bot.paths import REPO_ROOT

VENV_BIN = Path(sys.executable).parent
_wait_until_up = wait_until_up  # under the name tests/channels/wechat_bot.py imports


def newest_model() -> Path:
    models = sorted((REPO_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model in models/: run `bash scripts/run-tests.sh`, which trains it")
    return models[-1]


@dataclass
class BotProcesses:
    """The two processes of Rasa's deployment shape, with their state under one working folder."""

    workdir: Path
    env: Dict[str, str]
    credentials: Path = REPO_ROOT / "credentials.yml"
    database_url: str = ""  # the complaint and desk database both servers use (under BOT_VAR_DIR)
    action_port: int = 0
    rasa_port: int = 0
    actions: Optional[subprocess.Popen] = None
    rasa: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self) -> "BotProcesses":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = {**self.env, **SANIC_SETTINGS}  # both servers as run-bot.sh runs them
        self.database_url = self.database_url or f"sqlite:///{Path(self.env['BOT_VAR_DIR']) / 'bot.db'}"
        self.start_actions()
        self.start_rasa()
        return self

    def start_actions(self) -> None:
        self.action_port = free_port()
        log = self.workdir / "actions.log"
        self.actions = spawn(
            [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
            # As in run-bot.sh: a busy action server must not cut Rasa off before its request has started.
            REPO_ROOT, {**self.env, "SANIC_HOST": "127.0.0.1"}, log,
        )
        # The action server loads the knowledge base and its index before it answers; on 2 busy cores that takes minutes.
        wait_until_up(f"http://127.0.0.1:{self.action_port}/health", self.actions, log, timeout=600)

    def start_rasa(self, port: Optional[int] = None) -> None:
        self.rasa_port = port or free_port()
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            f'tracker_store:\n  type: bot.store.rasa_tracker.EncryptedSQLTrackerStore\n  dialect: "sqlite"\n'
            f'  db: "{self.workdir / "tracker.db"}"\n'
            "lock_store:\n  type: in_memory\n",
            encoding="utf-8",
        )
        log = self.workdir / "rasa.log"
        self.rasa = spawn(
            [str(VENV_BIN / "rasa"), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(self.rasa_port),
             "--model", str(newest_model()), "--endpoints", str(endpoints), "--credentials", str(self.credentials)],
            REPO_ROOT, self.env, log,
        )
        wait_until_up(f"{self.url}/status", self.rasa, log, timeout=300)

    def restart_rasa(self, same_port: bool = False) -> None:
        """Restart the Rasa server; ``same_port`` keeps its address, as pages holding it open expect."""
        self.stop_rasa()
        self.start_rasa(self.rasa_port if same_port else None)

    def stop_rasa(self) -> None:
        stop_processes([self.rasa])

    def stop(self) -> None:
        stop_processes([self.rasa])  # one after the other: Rasa first, then its action server
        stop_processes([self.actions])

    def say(self, sender: str, text: str) -> List[dict]:
        """Send a message on the REST channel; returns the bot's replies."""
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120
        )
        assert response.status_code == 200, response.text
        return response.json()

    def tracker(self, sender: str) -> dict:
        response = requests.get(f"{self.url}/conversations/{sender}/tracker", timeout=30)
        response.raise_for_status()
        return response.json()


def texts(replies: List[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def buttons(replies: List[dict]) -> List[dict]:
    return [button for reply in replies for button in reply.get("buttons", [])]
