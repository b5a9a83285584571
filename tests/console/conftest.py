"""The console API served for real (uvicorn on a free loopback port) over a migrated SQLite or PostgreSQL database."""
from __future__ import annotations

import socket
from contextlib import contextmanager
import threading
import time

import pytest
import requests
import uvicorn

from bot.channels import outbound
from bot.console import create_app
from bot.console.transcript import RasaTranscript
from bot.desk import AddAgent, load_policy
from bot.store import session_scope
from bot.store.testing import database_url, isolated_var_dir  # noqa: F401  (fixtures)
from tests.desk.conftest import FakeClock, desk_policy  # noqa: F401  (fixture)

PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def bot_trackers():
    """The trackers the bot beside the console holds, by conversation id; a test adds the ones it needs."""
    return {}


class OfferedAnswers:
    """Stands in for the knowledge base beside the console (no embedding model per test): offers ``entries`` for
    any text and keeps the texts it was asked."""

    def __init__(self):
        self.entries, self.asked = [], []

    def __call__(self, text: str) -> list:
        self.asked.append(text)
        return list(self.entries)


@pytest.fixture
def offered_answers():
    return OfferedAnswers()


@pytest.fixture
def console(database_url, clock, bot_trackers, offered_answers):
    """The base URL of a running console with two agents (王芳, 李强: e-commerce) and a supervisor (陈主管)."""
    policy = load_policy()
    with session_scope(database_url) as session:
        AddAgent(session, policy)("wang", PASSWORD, skills=["ecommerce"], display_name="王芳")
        AddAgent(session, policy)("li", PASSWORD, skills=["ecommerce"], display_name="李强")
        AddAgent(session, policy)("boss", PASSWORD, role="supervisor", skills=["ecommerce"], display_name="陈主管")
    port = _free_port()
    # In this process, through the channels' senders (tests register recording ones); the way through a real
    # Rasa server is tested end to end in tests/e2e/test_desk_dialogues.py.
    # Beyond the conversations in ``bot_trackers`` there is no bot: reading a transcript meets a closed port, as
    # when the bot is down.
    nobody = RasaTranscript(f"http://127.0.0.1:{_free_port()}", timeout=2)

    async def read_tracker(conversation_id: str) -> dict:
        if conversation_id in bot_trackers:
            return bot_trackers[conversation_id]
        return await nobody.tracker(conversation_id)

    app = create_app(database_url, policy, clock, send_to_customer=outbound.deliver, read_tracker=read_tracker,
                     suggest=offered_answers)
    with served(app, port) as url:
        yield url


@contextmanager
def served(app, port: int = 0):
    """Serve ``app`` with uvicorn on a loopback port until the block ends; yields its base URL."""
    port = port or _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Agent:
    """A browser-like client: keeps the session cookie and sends the CSRF token on changes."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.csrf = None

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        response = self.http.post(f"{self.base}/api/login", json={"username": username, "password": password})
        if response.ok:
            self.csrf = response.json()["csrf_token"]
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, json=None, csrf: bool = True) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        return self.http.post(self.base + path, json=json or {}, headers=headers, timeout=30)

    def put(self, path: str, json=None) -> requests.Response:
        return self.http.put(self.base + path, json=json or {}, headers={"X-CSRF-Token": self.csrf}, timeout=30)


@pytest.fixture
def login(console):
    def signed_in(username: str, online: bool = True) -> Agent:
        agent = Agent(console)
        assert agent.login(username).status_code == 200
        if online:
            assert agent.put("/api/me/presence", {"online": True}).status_code == 200
        return agent

    return signed_in
