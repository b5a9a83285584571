"""The complaint actions, run directly with a tracker and a collecting dispatcher (financial-demo style)."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import (
    ActionAskComplaintConfirmed,
    ActionAskComplaintConsent,
    ActionCheckComplaint,
    ActionDeleteMyData,
    ActionSubmitComplaint,
    ActionWithdrawComplaint,
    ValidateComplaintForm,
)
from bot.complaints import conversation, service
from bot.complaints.service import Customer
from bot.store import migrate
from bot.store.testing import isolated_var_dir  # noqa: F401  (keeps the database and key in a temporary folder)
from tests.actions.conftest import bot_said, knowledge_reply, make_tracker, user_said

FILLED = {
    "complaint_consent": True,
    "complaint_consent_at": "2026-11-23T02:00:00",
    "complaint_business": "小米官方旗舰店",
    "complaint_platform": "淘宝",
    "complaint_product": "空气净化器",
    "complaint_purchase_date": "2026-11-18",
    "complaint_amount": "1299.00",
    "complaint_order_number": "无",
    "complaint_facts": "收到后发现不能开机，客服一直不处理",
    "complaint_demand": {"kinds": ["退款"], "compensation_amount": None, "compensation_multiple": None, "detail": "退款"},
    "complaint_contacted": True,
    "complaint_evidence": [],
    "complaint_name": "张三",
    "complaint_phone": "13812345678",
}


def form_tracker(text: str, requested: str | None, slots: dict | None = None, intent: str = "inform") -> Tracker:
    return make_tracker(text, intent, slots={**(slots or {}), "requested_slot": requested}, sender_id="alice")


@pytest.mark.asyncio
async def test_the_opening_message_prefills_the_form(dispatcher):
    tracker = form_tracker("我要投诉，上周三在京东买的手机花了2999元，屏幕坏了", None, intent="file_complaint")
    events = await ValidateComplaintForm().run(dispatcher, tracker, domain={})
    filled = {e["name"]: e["value"] for e in events}
    assert filled["complaint_amount"] == "2999.00" and filled["complaint_product"] == "手机"
    assert "requested_slot" not in filled and dispatcher.messages == []


@pytest.mark.asyncio
async def test_an_invalid_amount_gets_its_own_message(dispatcher):
    events = await ValidateComplaintForm().run(dispatcher, form_tracker("好多钱", "complaint_amount", {"complaint_consent": True}), domain={})
    assert events == [SlotSet("complaint_amount", None)]
    assert dispatcher.messages[0]["response"] == "utter_invalid_complaint_amount"


@pytest.mark.asyncio
async def test_cancelling_clears_everything_and_ends_the_form(dispatcher):
    events = await ValidateComplaintForm().run(dispatcher, form_tracker("算了，不投诉了", "complaint_phone", FILLED), domain={})
    assert SlotSet("requested_slot", None) in events
    assert SlotSet("complaint_phone", None) in events and SlotSet("complaint_consent", None) in events
    assert dispatcher.messages[0]["response"] == "utter_complaint_cancelled"


@pytest.mark.asyncio
async def test_a_question_mid_form_is_answered_and_the_question_asked_again(dispatcher, knowledge_service):
    question = "七天无理由退货怎么算？"
    tracker = form_tracker(question, "complaint_facts", {"complaint_consent": True}, intent="ask_rights")
    events = await ValidateComplaintForm().run(dispatcher, tracker, domain={})
    assert events[-1] == SlotSet("complaint_facts", None)  # not stored as the facts: the form asks again
    assert dispatcher.messages[0]["text"] == knowledge_reply(knowledge_service, question)
    assert all(m.get("response") != "utter_offer_own_case" for m in dispatcher.messages)  # the form asks already


@pytest.mark.asyncio
async def test_a_follow_up_is_not_swallowed_as_the_answer(dispatcher, knowledge_service):
    question = "那如果超过七天呢？"
    tracker = form_tracker(question, "complaint_facts", {"complaint_consent": True}, intent="nlu_fallback")
    events = await ValidateComplaintForm().run(dispatcher, tracker, domain={})
    assert events[-1] == SlotSet("complaint_facts", None)
    assert not any(e["name"] == "complaint_facts" and e["value"] for e in events)
    assert dispatcher.messages[0]["text"] == knowledge_reply(knowledge_service, question)


@pytest.mark.asyncio
async def test_a_request_for_a_person_mid_form_is_left_to_the_hand_off_rule(dispatcher):
    tracker = form_tracker("你好，是人工吗", "complaint_amount", {"complaint_consent": True}, intent="request_human")
    assert await ValidateComplaintForm().run(dispatcher, tracker, domain={}) == []
    assert dispatcher.messages == []


@pytest.mark.asyncio
async def test_a_typed_button_title_is_an_answer_whatever_nlu_thought(dispatcher):
    asked = bot_said("您之前联系过商家协商吗？", [{"title": "联系过", "payload": "联系过"},
                                            {"title": "没联系过", "payload": "没联系过"}])
    tracker = make_tracker("没联系过", "request_human", slots={"complaint_consent": True,
                                                              "requested_slot": "complaint_contacted"},
                           sender_id="alice", events=[asked, user_said("没联系过")])
    assert await ValidateComplaintForm().run(dispatcher, tracker, domain={}) == [SlotSet("complaint_contacted", False)]


@pytest.mark.asyncio
async def test_consent_question_lists_what_why_and_how_long(dispatcher):
    await ActionAskComplaintConsent().run(dispatcher, make_tracker("我要投诉", "file_complaint"), domain={})
    assert dispatcher.messages[0]["text"] == conversation.consent_notice()
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["同意", "不同意"]


@pytest.mark.asyncio
async def test_the_summary_is_shown_masked_with_confirm_and_cancel(dispatcher):
    await ActionAskComplaintConfirmed().run(dispatcher, make_tracker("13812345678", slots=FILLED), domain={})
    text = dispatcher.messages[0]["text"]
    assert "11. 联系电话：138****5678" in text and "13812345678" not in text
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["确认提交", "取消投诉"]


@pytest.mark.asyncio
async def test_submitting_commits_before_confirming(dispatcher):
    tracker = make_tracker("确认提交", slots={**FILLED, "complaint_confirmed": True}, sender_id="alice")
    events = await ActionSubmitComplaint().run(dispatcher, tracker, domain={})
    ticket = next(e["value"] for e in events if e["name"] == "complaint_ticket")
    assert f"投诉编号：{ticket}" in dispatcher.messages[0]["text"]
    assert service.find(ticket, Customer("rest", "alice")).product == "空气净化器"  # already in the database
    assert SlotSet("complaint_phone", None) in events


@pytest.mark.asyncio
async def test_an_accepted_complaint_waits_on_the_desk_for_the_agent_who_will_answer_for_it(dispatcher):
    from bot.desk import AddAgent, ClaimCase, Handoff, SetPresence
    from bot.store import session_scope

    tracker = make_tracker("确认提交", slots={**FILLED, "complaint_confirmed": True}, sender_id="alice")
    events = await ActionSubmitComplaint().run(dispatcher, tracker, domain={})
    ticket = next(e["value"] for e in events if e["name"] == "complaint_ticket")
    assert len(dispatcher.messages) == 1  # the customer hears of the ticket, not of a queue
    with session_scope() as session:
        case = session.query(Handoff).one()
        assert (case.conversation_id, case.reason, case.detail) == ("alice", "complaint",
                                                                   f"投诉 {ticket}：小米官方旗舰店 · 空气净化器")
        AddAgent(session)("wang", "correct horse", skills=["ecommerce"], display_name="王芳")
        SetPresence(session)("wang", True)
        ClaimCase(session)(case.id, "wang")
        assert case.owner.username == "wang" and case.complaint_id is not None


@pytest.mark.asyncio
async def test_a_database_failure_is_reported_not_hidden(dispatcher, monkeypatch, tmp_path):
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'broken.db'}")
    monkeypatch.setattr("bot.store.database._migrated", {f"sqlite:///{tmp_path / 'broken.db'}"})  # schema missing
    tracker = make_tracker("确认提交", slots={**FILLED, "complaint_confirmed": True}, sender_id="alice")
    events = await ActionSubmitComplaint().run(dispatcher, tracker, domain={})
    assert "没有提交成功" in dispatcher.messages[0]["text"]
    assert events == [SlotSet("complaint_confirmed", None)]


@pytest.mark.asyncio
async def test_a_cancelled_form_submits_nothing(dispatcher):
    events = await ActionSubmitComplaint().run(dispatcher, make_tracker("取消", sender_id="alice"), domain={})
    assert events == [] and dispatcher.messages == []
    migrate()
    assert service.complaints_of(Customer("rest", "alice")) == []


@pytest.mark.asyncio
async def test_self_service_check_withdraw_and_delete(dispatcher):
    tracker = make_tracker("确认提交", slots={**FILLED, "complaint_confirmed": True}, sender_id="alice")
    events = await ActionSubmitComplaint().run(CollectingDispatcher(), tracker, domain={})
    ticket = next(e["value"] for e in events if e["name"] == "complaint_ticket")

    await ActionCheckComplaint().run(dispatcher, make_tracker(f"查一下我的投诉 {ticket}", "check_complaint", sender_id="alice"), domain={})
    assert "当前状态：已受理" in dispatcher.messages[-1]["text"]
    await ActionCheckComplaint().run(dispatcher, make_tracker(f"查一下我的投诉 {ticket}", "check_complaint", sender_id="bob"), domain={})
    assert "手机号后四位" in dispatcher.messages[-1]["text"]

    await ActionWithdrawComplaint().run(dispatcher, make_tracker(f"确认撤回投诉 {ticket}", "withdraw_complaint", sender_id="alice"), domain={})
    assert dispatcher.messages[-1]["text"].startswith(f"投诉 {ticket} 已撤回")

    await ActionDeleteMyData().run(dispatcher, make_tracker("确认删除我的个人信息", "delete_my_data", sender_id="alice"), domain={})
    assert "已删除您的个人信息" in dispatcher.messages[-1]["text"]
    assert service.lookup(ticket).anonymised


UNREACHABLE_DATABASE = "postgresql+psycopg2://postgres@127.0.0.1:1/bot"  # nothing listens on port 1


@pytest.mark.asyncio
async def test_a_database_that_is_down_gets_an_apology_not_silence(dispatcher, monkeypatch):
    monkeypatch.setenv("BOT_DATABASE_URL", UNREACHABLE_DATABASE)
    events = await ActionCheckComplaint().run(dispatcher, make_tracker("查一下我的投诉", "check_complaint"), domain={})
    assert events == []
    assert dispatcher.messages[0]["text"] == "系统暂时出了点问题，请稍后再试。"

    tracker = make_tracker("确认提交", slots={**FILLED, "complaint_confirmed": True}, sender_id="alice")
    events = await ActionSubmitComplaint().run(dispatcher, tracker, domain={})
    assert dispatcher.messages[1]["text"] == conversation.not_saved().text
    assert events == [SlotSet("complaint_confirmed", None)]
