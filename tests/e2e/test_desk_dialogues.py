"""The hand-off on the real bot: a request for a person opens a case on the desk, and from the moment an agent
has the conversation the bot stays out of it — through ``/restart`` and a new session — until the agent hands
it back. The agent's side is the desk's service objects on the bot's own database (what the console calls)."""
from __future__ import annotations

import asyncio

import pytest
import requests

from bot.channels.relay_client import NotPushed, RasaRelay, RelayError
from bot.desk import ClaimCase, HandBackToBot, Handoff, load_policy
from bot.store import session_scope
from tests.e2e.bot_process import texts
from tests.e2e.conftest import DUTY_AGENT

pytestmark = pytest.mark.e2e


def desk(bot, service, *args):
    with session_scope(bot.database_url) as session:
        return service(session, load_policy(bot.env["BOT_DESK_POLICY"]))(*args)


def case_of(bot, conversation_id: str) -> Handoff:
    with session_scope(bot.database_url) as session:
        case = session.query(Handoff).filter_by(conversation_id=conversation_id).order_by(Handoff.id.desc()).first()
        _ = list(case.events)
        return case


def user_events(bot, sender: str) -> list:
    return [e for e in bot.tracker(sender)["events"] if e["event"] == "user"]


def test_a_request_for_a_person_is_queued_and_the_bot_keeps_answering_while_the_customer_waits(bot, sender):
    reply = texts(bot.say(sender, "我在网上买的鞋子开胶了，商家不理我，我要转人工"))
    assert "您希望由人工客服处理，正在为您转接人工客服。您前面还有" in reply
    case = case_of(bot, sender)
    assert case.status_value == "queued" and case.detail == "我在网上买的鞋子开胶了，商家不理我，我要转人工"
    # Waiting is no reason to go silent: the bot still answers, and the agent will read the message too.
    answer = texts(bot.say(sender, "网上买的衣服不想要了，七天内能退吗"))
    assert "法律依据：《消费者权益保护法》第25条" in answer
    assert case_of(bot, sender).events[-1].note == "网上买的衣服不想要了，七天内能退吗"


def test_while_an_agent_has_the_conversation_the_bot_stays_out_through_restart_and_a_new_session(bot, sender):
    bot.say(sender, "转人工")
    case_id = case_of(bot, sender).id
    desk(bot, ClaimCase, case_id, DUTY_AGENT)

    # Words that would fill a complaint form's slots or start a form are the agent's to read, not NLU's.
    assert bot.say(sender, "我要投诉，手机号13812345678，订单号 88123") == []
    last = user_events(bot, sender)[-1]
    assert last["parse_data"]["intent"]["name"] == "with_person" and last["parse_data"]["entities"] == []
    assert bot.tracker(sender)["active_loop"] in ({}, None, {"name": None})
    assert case_of(bot, sender).events[-1].note == "我要投诉，手机号138****5678，订单号 88123"

    # Rasa's own pause would end here: a restart and a new session both reset ConversationPaused.
    assert bot.say(sender, "/restart") == []
    requests.post(f"{bot.url}/conversations/{sender}/tracker/events",
                  json=[{"event": "action", "name": "action_session_start"}, {"event": "session_started"},
                        {"event": "action", "name": "action_listen"}],
                  timeout=30).raise_for_status()
    assert bot.say(sender, "七天无理由退货怎么退") == []
    assert [e.action for e in case_of(bot, sender).events][-2:] == ["customer_message", "customer_message"]

    # The agent's reply joins the transcript through the relay (REST cannot push it, and says so).
    relay = RasaRelay(bot.url, bot.env["BOT_DESK_RELAY_KEY"].encode())
    with pytest.raises(NotPushed):
        asyncio.run(relay.send(sender, {"text": "您好，我是值班客服，正在为您查询。", "sender_name": "值班"}))
    said = [e for e in bot.tracker(sender)["events"] if e["event"] == "bot"][-1]
    assert said["text"] == "您好，我是值班客服，正在为您查询。" and said["metadata"]["sender_name"] == "值班"

    # Handed back explicitly, the bot answers again.
    desk(bot, HandBackToBot, case_id, DUTY_AGENT)
    assert "法律依据：《消费者权益保护法》第25条" in texts(bot.say(sender, "网上买的衣服不想要了，七天内能退吗"))


def test_the_relay_refuses_unsigned_and_stale_messages(bot, sender):
    body = {"conversation_id": sender, "message": {"text": "假冒的客服消息"}}
    assert requests.post(f"{bot.url}/webhooks/desk/outbound", json=body, timeout=30).status_code == 401
    wrong_key = RasaRelay(bot.url, b"a" * 32)
    with pytest.raises(RelayError, match="401"):
        asyncio.run(wrong_key.send(sender, {"text": "用错钥匙签的消息"}))
    assert not [e for e in bot.tracker(sender)["events"] if e["event"] == "bot"]


def test_an_injury_goes_to_the_front_of_the_queue(bot, sender):
    reply = texts(bot.say(sender, "买的充电宝充电时起火了，把孩子的手烫伤了，怎么办"))
    assert "涉及人身安全或伤害，需要人工客服尽快处理" in reply
    case = case_of(bot, sender)
    assert (case.reason, case.priority) == ("injury", 0)
