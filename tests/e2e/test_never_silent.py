"""A customer whose turn fails gets an apology with a way forward, never silence; the failure is counted.

The real trained Rasa server talks to an action server that is down, crashes (HTTP 500) or is too slow; the REST
channel (bot.channels.rest) must answer every message all the same.
"""
from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bot.channels.safety import APOLOGY_TEXT, BUSY_TEXT
from tests.e2e.bot_process import BotProcesses, buttons, free_port, texts

pytestmark = pytest.mark.e2e

REPLY_TIMEOUT = 3  # seconds; the slow action server below takes longer


class BrokenActionServer(BaseHTTPRequestHandler):
    """Stands where the action server should be: ``mode`` is "crash" (HTTP 500) or "slow"."""

    mode = "crash"

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.mode == "slow":
            time.sleep(REPLY_TIMEOUT + 3)
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": "the action crashed"}')

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A Rasa server (real model, our channel) whose action server is the broken one above, then none at all."""
    workdir = tmp_path_factory.mktemp("never-silent")
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), BrokenActionServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    credentials = workdir / "credentials.yml"
    credentials.write_text(f"bot.channels.rest.RestInput:\n  reply_timeout: {REPLY_TIMEOUT}\n", encoding="utf-8")
    bot = BotProcesses(workdir, {**os.environ, "BOT_VAR_DIR": str(workdir / "var")}, credentials=credentials)
    bot.action_port = server.server_address[1]
    bot.start_rasa()
    yield bot, server
    bot.stop()
    server.shutdown()


def silent_turns(bot) -> int:
    return requests.get(f"{bot.url}/webhooks/rest/silent_turns", timeout=10).json()["silent_turns_total"]


def assert_apology(replies, text: str = APOLOGY_TEXT) -> None:
    assert texts(replies) == text
    assert {"title": "转人工客服", "payload": "/request_human"} in buttons(replies)


def test_a_crashing_action_server_gets_the_apology_and_is_counted(broken, sender):
    bot, _ = broken
    BrokenActionServer.mode = "crash"
    before = silent_turns(bot)
    assert_apology(bot.say(sender, "网上买的东西可以七天无理由退货吗"))
    assert silent_turns(bot) == before + 1
    assert "silent turn in conversation" in (bot.workdir / "rasa.log").read_text(encoding="utf-8")


def test_a_slow_action_server_gets_the_busy_notice_in_time(broken, sender):
    bot, _ = broken
    BrokenActionServer.mode = "slow"
    before = silent_turns(bot)
    started = time.monotonic()
    replies = bot.say(sender, "快递丢了谁赔")
    assert time.monotonic() - started < REPLY_TIMEOUT + 2
    # The turn goes on (and is saved): the customer is told the message arrived, not to send it again.
    assert_apology(replies, BUSY_TEXT)
    assert silent_turns(bot) == before + 1


def test_a_stopped_action_server_gets_the_apology(broken, sender):
    bot, server = broken
    server.shutdown()
    server.server_close()  # nothing listens on the action server's port any more
    before = silent_turns(bot)
    assert_apology(bot.say(sender, "超市买的牛奶过期了能赔多少"))
    assert silent_turns(bot) == before + 1
    # Answers that need no action server still come through; a request for a person needs the desk, which the
    # action server opens, so it gets the apology with its way forward (the 12315 hotline) and is counted.
    assert "消费维权智能助手" in texts(bot.say(sender, "你好"))
    assert_apology(bot.say(sender, "转人工"))
    assert silent_turns(bot) == before + 2
