"""The hand-off actions, run directly with a tracker and a collecting dispatcher against a real SQLite desk."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import DESK_DOWN_REPLY, ActionHandOff
from actions.knowledge import ActionAnswerQuestion
from bot.desk import AddAgent, Handoff, SetPresence
from bot.knowledge.reply import fallback_prompt
from bot.store import ensure_migrated, session_scope
from tests.actions.conftest import bot_said, make_tracker, user_said
from tests.desk.conftest import write_always_open_policy


@pytest.fixture
def desk_url(tmp_path, monkeypatch):
    """An empty desk database the actions use (``BOT_DATABASE_URL``), open around the clock."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    monkeypatch.setenv("BOT_DATABASE_URL", url)
    policy = tmp_path / "desk-policy.yml"
    write_always_open_policy(policy)
    monkeypatch.setenv("BOT_DESK_POLICY", str(policy))
    ensure_migrated(url)
    return url


@pytest.fixture
def agent_online(desk_url):
    with session_scope(desk_url) as session:
        AddAgent(session)("wang", "correct horse", skills=["ecommerce"], display_name="王芳")
        SetPresence(session)("wang", True)


def cases(url):
    with session_scope(url) as session:
        return [(c.conversation_id, c.reason, c.priority, c.skill, c.detail) for c in session.query(Handoff).all()]


@pytest.mark.asyncio
async def test_a_request_for_a_person_opens_a_case_and_says_where_the_customer_stands(dispatcher, desk_url, agent_online):
    tracker = make_tracker("……商家一直不处理，我要转人工", "request_human", sender_id="web:s1",
                           slots={"last_entry_id": "return_7day_01"})
    assert await ActionHandOff().run(dispatcher, tracker, domain={}) == []
    assert dispatcher.messages[0]["text"].startswith("您希望由人工客服处理，正在为您转接人工客服。您前面还有 0 位")
    # The topic the customer asked about routes the case to the e-commerce group; the agent reads their words.
    assert cases(desk_url) == [("web:s1", "request", 2, "ecommerce", "……商家一直不处理，我要转人工")]


@pytest.mark.asyncio
async def test_a_question_about_the_customers_own_order_goes_to_a_person_who_can_look_it_up(dispatcher, desk_url):
    await ActionHandOff().run(dispatcher, make_tracker("我的退款到哪了", "request_human", sender_id="web:s2"), domain={})
    # Nobody is online: the bot says so, records a callback, and keeps answering meanwhile.
    text = dispatcher.messages[0]["text"]
    assert text.startswith("这需要查询您的订单或账户，只有人工客服能查。现在人工客服不在线")
    assert "已为您登记回访" in text and "您可以继续问我问题" in text
    assert [(cid, reason) for cid, reason, *_ in cases(desk_url)] == [("web:s2", "account")]


@pytest.mark.asyncio
async def test_the_button_payload_is_not_what_the_agent_reads(dispatcher, desk_url, agent_online):
    await ActionHandOff().run(dispatcher, make_tracker("/request_human", "request_human", sender_id="web:s3"), domain={})
    assert cases(desk_url)[0][-1] == "客户点了“转人工客服”按钮"


@pytest.mark.asyncio
async def test_an_injury_is_answered_and_handed_to_a_person_first_in_the_queue(dispatcher, desk_url, agent_online):
    tracker = make_tracker("新买的电热水壶漏电，把我手烫伤了，商家该怎么赔？", sender_id="web:s4")
    await ActionAnswerQuestion().run(dispatcher, tracker, domain={})
    assert "涉及人身安全或伤害，需要人工客服尽快处理，正在为您转接人工客服" in dispatcher.messages[-1]["text"]
    (cid, reason, priority, _skill, detail), = cases(desk_url)
    assert (cid, reason, priority) == ("web:s4", "injury", 0) and detail.startswith("涉及人身安全：「")


@pytest.mark.asyncio
async def test_a_second_failure_in_a_row_hands_off_instead_of_asking_again(dispatcher, desk_url, agent_online):
    fallback_text, fallback_buttons = fallback_prompt()
    earlier = [user_said("qwzx plmk"), bot_said(fallback_text, fallback_buttons)]
    tracker = make_tracker("vbnr zzkj qwzx", "nlu_fallback", sender_id="web:s5", events=earlier)
    await ActionAnswerQuestion().run(dispatcher, tracker, domain={})
    # One message, the hand-off: not the rephrase prompt a third time.
    assert len(dispatcher.messages) == 1
    assert dispatcher.messages[0]["text"].startswith("我没能回答好您的问题，请人工客服来帮您，正在为您转接人工客服")
    assert cases(desk_url)[0][1] == "repeated_fallback"


@pytest.mark.asyncio
async def test_one_failure_still_gets_the_rephrase_prompt(dispatcher, desk_url):
    await ActionAnswerQuestion().run(dispatcher, make_tracker("vbnr zzkj qwzx", "nlu_fallback"), domain={})
    assert dispatcher.messages[0]["text"] == fallback_prompt()[0] and cases(desk_url) == []


@pytest.mark.asyncio
async def test_when_the_desk_cannot_record_the_case_the_customer_still_gets_a_way_to_a_person(
    dispatcher, tmp_path, monkeypatch
):
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'desk.db'}")  # cannot be opened
    await ActionHandOff().run(dispatcher, make_tracker("转人工", "request_human"), domain={})
    assert dispatcher.messages == [{**dispatcher.messages[0], "text": DESK_DOWN_REPLY}]


@pytest.mark.asyncio
async def test_a_large_sum_is_explained_but_a_person_decides(dispatcher, desk_url, agent_online):
    from actions.remedies import ActionStartRemedy

    tracker = make_tracker("我在网上花了8000元买的手机是假货，商家欺诈，能赔多少？", "ask_remedy", sender_id="web:s6")
    await ActionStartRemedy().run(dispatcher, tracker, domain={})
    assert dispatcher.messages[-1]["text"].startswith("涉及金额较大，需要人工客服核实后处理，正在为您转接人工客服")
    assert cases(desk_url)[0][:3] == ("web:s6", "high_amount", 1)


@pytest.mark.asyncio
async def test_without_an_earlier_answer_the_message_itself_chooses_the_skill_group(dispatcher, desk_url, agent_online):
    tracker = make_tracker("网上买的衣服不想要了七天内能退吗，我要转人工", "request_human", sender_id="web:s7")
    await ActionHandOff().run(dispatcher, tracker, domain={})
    assert cases(desk_url)[0][3] == "ecommerce"
