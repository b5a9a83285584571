"""The production profile, started for real: two Rasa servers and two action servers behind nginx, the console,
PostgreSQL (databases of this test run's own) and Redis. Conversations, complaints and agents' replies must not
care which Rasa server a message reaches, and a Rasa server dying must cost no answered turn."""
from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid

import psycopg2
import pytest
import requests
import websockets
from psycopg2 import sql
from sqlalchemy import text

from bot.channels.relay_client import RasaRelay
from bot.deploy import Launcher, Topology
from bot.store import engine
from bot.store.database import dispose
from tests.e2e.bot_process import texts

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

RELAY_KEY = secrets.token_urlsafe(32)

LONG_COMPLAINT = (
    "我要投诉，我上周三在淘宝的小米官方旗舰店买了一台空气净化器，花了1299元，订单号2026111812345678，"
    "收到后发现不能开机，联系过客服一直不处理，我有聊天截图和照片，要求退货退款，我的电话是13812345678"
)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    suffix = secrets.token_hex(4)
    topology = Topology.on_free_ports(
        rasa_servers=2, action_servers=2, database=f"bot_test_{suffix}", tracker_database=f"bot_tracker_test_{suffix}",
        lock_key_prefix=f"test_{suffix}", workdir=tmp_path_factory.mktemp("production"),
    )
    launcher = Launcher(topology, extra_env={"BOT_DESK_RELAY_KEY": RELAY_KEY})
    try:
        launcher.start()
        yield launcher
    finally:
        launcher.stop()
        dispose(topology.database_url)
        admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            for name in (topology.database, topology.tracker_database):
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def say(port: int, sender: str, message: str) -> list:
    answer = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                           timeout=120)
    assert answer.status_code == 200, answer.text
    return answer.json()


def tracker(topology: Topology, sender: str) -> dict:
    return requests.get(f"{topology.bot_url}/conversations/{sender}/tracker", timeout=30).json()


def test_a_conversation_alternating_between_the_two_rasa_servers_stays_coherent(production):
    first, second = production.topology.rasa_ports
    sender = f"alt-{uuid.uuid4().hex[:8]}"
    assert "第25条" in texts(say(first, sender, "网购的东西七天内可以无理由退货吗"))
    # The follow-up leans on what the other server answered (the remembered entry in the shared tracker).
    assert "质量" in texts(say(second, sender, "那如果超过七天呢？"))
    users = [e["text"] for e in tracker(production.topology, sender)["events"] if e["event"] == "user"]
    assert users == ["网购的东西七天内可以无理由退货吗", "那如果超过七天呢？"]


def test_a_complaint_filed_across_both_servers_is_saved_once(production):
    first, second = production.topology.rasa_ports
    sender = f"complaint-{uuid.uuid4().hex[:8]}"
    assert "同意" in texts(say(first, sender, LONG_COMPLAINT))
    assert "称呼" in texts(say(second, sender, "同意"))
    assert "1. 被投诉方：小米官方旗舰店（淘宝）" in texts(say(first, sender, "王芳"))
    accepted = texts(say(second, sender, "确认提交"))
    assert "您的投诉已受理，投诉编号：TS-" in accepted
    with engine(production.topology.database_url).connect() as connection:
        saved = connection.execute(text(
            "select c.ticket from complaints c join customer_contacts p on p.id = c.contact_id "
            "where p.sender_id = :sender"), {"sender": sender}).scalars().all()
    assert len(saved) == 1 and saved[0] in accepted


def test_an_agents_reply_reaches_a_widget_connected_to_the_other_server(production):
    first, second = production.topology.rasa_ports
    session = requests.post(f"http://127.0.0.1:{second}/webhooks/web/session", data="{}", timeout=30).json()

    async def scenario() -> dict:
        async with websockets.connect(f"ws://127.0.0.1:{second}/webhooks/web/stream") as stream:
            await stream.send(json.dumps({"token": session["token"]}))
            assert json.loads(await asyncio.wait_for(stream.recv(), 30))["type"] == "ready"
            # The console's relay goes to the first server; the widget holds its socket on the second.
            relay = RasaRelay(f"http://127.0.0.1:{first}", RELAY_KEY.encode())
            sent = await relay.send(f"web:{session['session_id']}", {"text": "您好，我是人工客服王芳。", "sender_name": "王芳"})
            assert sent["delivered"] is True
            return json.loads(await asyncio.wait_for(stream.recv(), 30))["message"]

    pushed = asyncio.run(scenario())
    assert (pushed["role"], pushed["sender_name"], pushed["text"]) == ("agent", "王芳", "您好，我是人工客服王芳。")


def test_killing_a_rasa_server_mid_conversation_loses_no_answered_turn(production):
    topology = production.topology
    sender = f"crash-{uuid.uuid4().hex[:8]}"
    questions = ["你好", "网购的东西七天内可以无理由退货吗", "那如果超过七天呢？", "谢谢",
                 "买到假货怎么赔", "快递丢了谁负责", "预付卡商家跑路了怎么办", "谢谢"]
    answered = []
    for n, question in enumerate(questions):
        if n == 4:
            production.kill(f"rasa-{topology.rasa_ports[0]}")
        replies = say(topology.public_rasa_port, sender, question)  # through nginx, as customers come in
        if texts(replies):
            answered.append(question)
        time.sleep(0.2)
    assert answered == questions  # nginx sent every message after the crash to the surviving server
    users = [e["text"] for e in tracker(topology, sender)["events"] if e["event"] == "user"]
    assert users == answered
