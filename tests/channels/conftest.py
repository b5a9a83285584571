"""Fixtures for the website channel: one real bot (trained model, action server) with the production profile's
Redis hub, and a small client for the widget's HTTP API."""
from __future__ import annotations

import json
import os
import uuid
from typing import Optional

import pytest

import requests

from tests.e2e.bot_process import BotProcesses
from tests.e2e.conftest import desk_environment, staff_desk

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def web_bot(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("web-bot")
    env = {**os.environ, **desk_environment(workdir), "BOT_REDIS_URL": REDIS_URL}
    env.pop("BOT_WIDGET_KEY", None)
    processes = BotProcesses(workdir, env, database_url=f"sqlite:///{workdir / 'var' / 'bot.db'}")
    (workdir / "var").mkdir()
    staff_desk(processes.database_url, env["BOT_DESK_POLICY"])
    try:
        processes.start()
        yield processes
    finally:  # also when start-up fails half-way: no orphaned action server
        processes.stop()


class WidgetClient:
    """What the widget's script does over HTTP, for one customer."""

    def __init__(self, base_url: str, token: Optional[str] = None) -> None:
        self.base_url = base_url
        self.token = token
        self.session_id: Optional[str] = None

    def post(self, path: str, body: dict) -> requests.Response:
        return requests.post(f"{self.base_url}/webhooks/web/{path}", data=json.dumps({"token": self.token, **body}),
                             headers={"Content-Type": "text/plain;charset=UTF-8"}, timeout=180)

    def start(self) -> "WidgetClient":
        response = self.post("session", {})
        assert response.status_code == 200, response.text
        self.token, self.session_id = response.json()["token"], response.json()["session_id"]
        return self

    def say(self, text: str, client_message_id: Optional[str] = None, **extra) -> dict:
        response = self.post("webhook", {"message": text, "client_message_id": client_message_id or new_id(), **extra})
        assert response.status_code == 200, response.text
        return response.json()

    def history(self) -> list:
        response = self.post("history", {})
        assert response.status_code == 200, response.text
        return response.json()["messages"]


def new_id() -> str:
    return "m" + uuid.uuid4().hex


@pytest.fixture
def customer(web_bot) -> WidgetClient:
    return WidgetClient(web_bot.url).start()
