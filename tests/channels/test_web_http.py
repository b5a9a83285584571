"""The website channel over real HTTP and WebSocket against the running bot (Redis hub)."""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import websockets

from bot.channels import hub, outbound
from tests.channels.conftest import REDIS_URL, WidgetClient, new_id

pytestmark = pytest.mark.e2e


def user_events(bot, session_id: str, client_message_id: str) -> list:
    events = bot.tracker(f"web:{session_id}")["events"]
    return [e for e in events if e["event"] == "user" and e.get("message_id") == client_message_id]


# What a clarification button sends: the chosen entry's answer, whatever retrieval would decide for a wording.
CHOOSE_7DAY = '/choose_entry{"entry_id": "return_7day_01"}'


def test_an_answer_arrives_with_its_legal_basis_and_notice_apart(web_bot, customer):
    reply = customer.say(CHOOSE_7DAY)
    [answer] = [m for m in reply["messages"] if "legal_basis" in m]  # an offer to go on may follow it
    assert answer["role"] == "bot" and "七天" in answer["text"]
    assert answer["legal_basis"].startswith("法律依据：") and "消费者权益保护法" in answer["legal_basis"]
    assert "不构成法律意见" in answer["notice"]
    assert "法律依据" not in answer["text"]
    # The conversation lives under the channel's identity.
    assert web_bot.tracker(f"web:{customer.session_id}")["events"]


def test_a_retried_message_is_handled_once_and_gets_the_same_replies(web_bot, customer):
    message_id = new_id()
    first = customer.say("快递丢了谁赔", message_id)
    again = customer.say("快递丢了谁赔", message_id)
    assert not first["duplicate"] and again["duplicate"]
    assert [m["id"] for m in again["messages"]] == [m["id"] for m in first["messages"]]
    assert len(user_events(web_bot, customer.session_id, message_id)) == 1


def test_concurrent_retries_of_one_message_are_handled_once(web_bot, customer):
    message_id = new_id()
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: customer.say("预付卡商家跑路了怎么办", message_id), range(3)))
    assert sorted(r["duplicate"] for r in results) == [False, True, True]
    assert len(user_events(web_bot, customer.session_id, message_id)) == 1


def test_history_after_a_reload_shows_what_the_live_page_showed(customer):
    live = customer.say("我要投诉")  # the complaint form asks for consent with buttons
    clicked = live["messages"][0]["buttons"][0]
    answer = customer.say(clicked["payload"], display_text=clicked["title"])
    shown = customer.history()
    ids = [m["id"] for m in shown]
    for message in live["messages"] + answer["messages"]:
        assert message["id"] in ids
    user_texts = [m["text"] for m in shown if m["role"] == "user"]
    assert user_texts == ["我要投诉", clicked["title"]]  # the button's title, not its payload


def test_another_customers_conversation_cannot_be_read_or_written(web_bot, customer):
    customer.say("我的手机号是13800138000，网购退货被拒")
    intruder = WidgetClient(web_bot.url).start()

    # Naming the victim's session next to one's own token is refused, for reading and for writing.
    assert intruder.post("history", {"session_id": customer.session_id}).status_code == 403
    assert intruder.post("webhook", {"message": "hi", "client_message_id": new_id(),
                                     "session_id": customer.session_id}).status_code == 403
    # A token for the victim's session id cannot be made without the key.
    version, _, issued, signature = intruder.token.split(".")
    forged = WidgetClient(web_bot.url, f"{version}.{customer.session_id}.{issued}.{signature}")
    assert forged.post("history", {}).status_code == 401
    assert forged.post("webhook", {"message": "hi", "client_message_id": new_id()}).status_code == 401
    assert WidgetClient(web_bot.url, None).post("history", {}).status_code == 401
    # Asking for a session with a forged token starts a new one instead of resuming the victim's.
    renewed = forged.post("session", {}).json()
    assert renewed["session_id"] != customer.session_id
    # The intruder's own history holds nothing of the victim's.
    assert intruder.history() == []
    assert "13800138000" in json.dumps(customer.history(), ensure_ascii=False)


def test_bad_requests_get_a_clear_error_and_empty_messages_a_reply(customer):
    bad_json = requests.post(f"{customer.base_url}/webhooks/web/webhook", data="{not json", timeout=30)
    assert bad_json.status_code == 400 and bad_json.json()["message"]
    missing_id = customer.post("webhook", {"message": "你好"})
    assert missing_id.status_code == 400 and "client_message_id" in missing_id.json()["message"]
    too_long = customer.post("webhook", {"message": "退" * 20001, "client_message_id": new_id()})
    assert too_long.status_code == 413 and "太长" in too_long.json()["message"]
    assert customer.say("   ")["messages"][0]["text"]  # polite reply, never silence


def test_widget_files_and_demo_page_are_served(web_bot):
    page = requests.get(f"{web_bot.url}/chat/", timeout=30)
    assert page.status_code == 200 and '/chat/widget.js' in page.text
    script = requests.get(f"{web_bot.url}/chat/widget.js", timeout=30)
    assert script.status_code == 200 and script.headers["content-type"].startswith("application/javascript")
    assert requests.get(f"{web_bot.url}/chat/widget.css", timeout=30).status_code == 200
    assert requests.get(f"{web_bot.url}/chat/../credentials.yml", timeout=30).status_code == 404


def test_cross_origin_pages_may_call_the_api_without_a_preflight(web_bot):
    response = requests.post(f"{web_bot.url}/webhooks/web/session", data="{}", timeout=30,
                             headers={"Origin": "https://shop.example.org", "Content-Type": "text/plain"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example.org"


async def _receive(socket, timeout=30.0) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout))


@pytest.mark.asyncio
async def test_an_agents_reply_from_another_process_reaches_the_open_page(web_bot, customer, monkeypatch):
    monkeypatch.setenv("BOT_REDIS_URL", REDIS_URL)
    hub.set_hub(None)
    try:
        async with websockets.connect(web_bot.url.replace("http", "ws") + "/webhooks/web/stream") as socket:
            await socket.send(json.dumps({"token": customer.token}))
            assert (await _receive(socket))["type"] == "ready"
            await outbound.deliver(f"web:{customer.session_id}", {"text": "您好，我是人工客服小王。", "sender_name": "小王"})
            pushed = (await _receive(socket))["message"]
        assert pushed["role"] == "agent" and pushed["sender_name"] == "小王" and pushed["text"] == "您好，我是人工客服小王。"
    finally:
        await hub.get_hub().close()
        hub.set_hub(None)


@pytest.mark.asyncio
async def test_the_push_stream_refuses_a_socket_without_a_valid_token(web_bot, customer):
    for first_frame in ("{}", json.dumps({"token": customer.token + "x"}), "not json"):
        async with websockets.connect(web_bot.url.replace("http", "ws") + "/webhooks/web/stream") as socket:
            await socket.send(first_frame)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _receive(socket)
            assert closed.value.code == 4401


@pytest.mark.asyncio
async def test_replies_reach_the_customers_other_tabs(web_bot, customer):
    async with websockets.connect(web_bot.url.replace("http", "ws") + "/webhooks/web/stream") as socket:
        await socket.send(json.dumps({"token": customer.token}))
        assert (await _receive(socket))["type"] == "ready"
        reply = await asyncio.get_running_loop().run_in_executor(None, customer.say, "你好")
        pushed = [(await _receive(socket))["message"] for _ in range(1 + len(reply["messages"]))]
    assert [m["id"] for m in pushed] == [pushed[0]["id"]] + [m["id"] for m in reply["messages"]]
    assert pushed[0]["role"] == "user" and pushed[0]["text"] == "你好"
