"""The remedy actions, run directly with a tracker and a collecting dispatcher (financial-demo style)."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.remedies import (
    ActionAskRemedyAnswer, ActionCheckTerms, ActionExplainRemedy, ActionStartRemedy, ValidateRemedyForm,
)
from bot.remedies import CaseFacts, assess, check_terms, render_assessment, render_findings
from bot.remedies.explain import ASK_TO_PASTE, OFFER_BUTTONS
from bot.knowledge.reply import answer_text
from tests.actions.conftest import bot_said, knowledge_reply, make_tracker, user_said

FORM_DOMAIN = {"forms": {"remedy_form": {"required_slots": ["remedy_answer"]}}, "slots": {}}
FAKE_NEW_PHONE = {"fraud": True, "price": 3000.0, "category": "electronics", "subject": "goods"}


def form_tracker(reply: str, slots: Dict[str, Any], intent: str = "nlu_fallback") -> Tracker:
    """The tracker as the form hands it to validation: the reply just extracted into remedy_answer."""
    return Tracker.from_dict({
        "sender_id": "action-test",
        "slots": {**slots, "remedy_answer": reply, "requested_slot": "remedy_answer"},
        "latest_message": {"text": reply, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        "events": [{"event": "user", "text": reply}, {"event": "slot", "name": "remedy_answer", "value": reply}],
        "paused": False,
        "followup_action": None,
        "active_loop": {"name": "remedy_form"},
        "latest_action_name": "action_listen",
    })


GENERAL_QUESTION = "我在网上买的衣服不想要了，七天内能退吗"
CLOTHES_RETURN = {"channel": "online", "subject": "goods", "category": "clothing", "wants_return": True}
OFFER = bot_said("想知道按您自己的情况能主张什么吗？", [{"title": "帮我看看我的情况", "payload": "/ask_remedy"}])


def texts(dispatcher) -> List[str]:
    return [m["text"] for m in dispatcher.messages]


@pytest.mark.asyncio
async def test_complete_case_is_answered_at_once(dispatcher):
    tracker = make_tracker("卖家把翻新机当新机卖给我，三千块，能赔多少？", "ask_remedy")
    events = await ActionStartRemedy().run(dispatcher, tracker, domain={})

    assert events == [SlotSet("remedy_facts", FAKE_NEW_PHONE), SlotSet("remedy_skipped", []),
                      SlotSet("remedy_asking", None), SlotSet("remedy_answer", None)]
    [message] = dispatcher.messages
    assert message["text"] == render_assessment(assess(CaseFacts.from_dict(FAKE_NEW_PHONE)))
    assert "3 × 3000 = 9000 元" in message["text"]
    assert message["buttons"] == list(OFFER_BUTTONS)


@pytest.mark.asyncio
async def test_incomplete_case_hands_over_to_the_form_without_answering(dispatcher):
    tracker = make_tracker("淘宝买的衣服不想要了，帮我看看怎么办", "ask_remedy")
    events = await ActionStartRemedy().run(dispatcher, tracker, domain={})

    facts = {"channel": "online", "subject": "goods", "category": "clothing", "wants_return": True}
    assert events == [SlotSet("remedy_facts", facts), SlotSet("remedy_skipped", []),
                      SlotSet("remedy_asking", None), SlotSet("remedy_answer", None), FollowupAction("remedy_form")]
    assert dispatcher.messages == []


@pytest.mark.asyncio
async def test_form_asks_only_the_first_missing_fact_with_buttons(dispatcher):
    facts = {"channel": "online", "subject": "goods", "category": "clothing", "wants_return": True}
    tracker = make_tracker("淘宝买的衣服不想要了", "ask_remedy", slots={"remedy_facts": facts, "remedy_skipped": []})
    events = await ActionAskRemedyAnswer().run(dispatcher, tracker, domain={})

    assert events == [SlotSet("remedy_asking", "days_since_receipt")]
    assert texts(dispatcher) == ["收到商品到今天几天了？（签收当天不算，比如“第8天”）"]
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "今天刚收到", "payload": "今天刚收到"}, {"title": "不清楚", "payload": "不清楚"}]


@pytest.mark.asyncio
async def test_reply_is_read_as_the_answer_to_the_question_asked(dispatcher):
    facts = {"channel": "online", "subject": "goods", "category": "clothing", "wants_return": True}
    tracker = form_tracker("第8天", {"remedy_facts": facts, "remedy_skipped": [], "remedy_asking": "days_since_receipt"})
    events = await ValidateRemedyForm().run(dispatcher, tracker, FORM_DOMAIN)

    # Day 8 rules out the 7-day return, so nothing more is needed: the form is done.
    assert events == [SlotSet("remedy_answer", "done"),
                      SlotSet("remedy_facts", {**facts, "days_since_receipt": 8}),
                      SlotSet("remedy_skipped", [])]
    assert dispatcher.messages == []


@pytest.mark.asyncio
async def test_yes_answers_the_yes_no_question(dispatcher):
    facts = {"injury": "serious", "subject": "goods", "loss": 20000.0}
    tracker = form_tracker("是的", {"remedy_facts": facts, "remedy_skipped": [], "remedy_asking": "knowingly_unsafe"})
    events = await ValidateRemedyForm().run(dispatcher, tracker, FORM_DOMAIN)

    assert events[:2] == [SlotSet("remedy_answer", "done"),
                          SlotSet("remedy_facts", {**facts, "knowingly_unsafe": True})]


@pytest.mark.asyncio
async def test_dont_know_skips_the_question_and_moves_on(dispatcher):
    facts = {"wants_return": True}
    tracker = form_tracker("不清楚", {"remedy_facts": facts, "remedy_skipped": [], "remedy_asking": "channel"})
    events = await ValidateRemedyForm().run(dispatcher, tracker, FORM_DOMAIN)

    assert events == [SlotSet("remedy_answer", None), SlotSet("remedy_facts", facts),
                      SlotSet("remedy_skipped", ["channel"])]
    assert texts(dispatcher) == ["好的，这一项先跳过。"]


@pytest.mark.asyncio
async def test_explanation_after_form_names_undecided_facts_and_offers_complaint(dispatcher):
    tracker = make_tracker("不清楚", slots={"remedy_facts": {"wants_return": True, "channel": "online"},
                                         "remedy_skipped": ["subject", "days_since_receipt", "category",
                                                            "goods_condition"]})
    events = await ActionExplainRemedy().run(dispatcher, tracker, domain={})

    assert events == [SlotSet("remedy_asking", None), SlotSet("remedy_answer", None)]
    [message] = dispatcher.messages
    assert "还有几项信息暂时不确定（商品或服务、收货后天数、类别、商品状态）" in message["text"]
    assert message["buttons"] == list(OFFER_BUTTONS)


@pytest.mark.asyncio
async def test_corrupt_facts_slot_is_not_trusted(dispatcher):
    tracker = make_tracker("x", slots={"remedy_facts": {"price": "lots"}, "remedy_skipped": None})
    await ActionExplainRemedy().run(dispatcher, tracker, domain={})
    assert "想先了解一下" not in dispatcher.messages[0]["text"]
    assert "人工客服" in dispatcher.messages[0]["text"]


@pytest.mark.asyncio
async def test_pasted_clause_is_checked_and_remembered_for_a_complaint(dispatcher):
    text = "帮我看看这个条款：本店商品一经售出概不退换"
    events = await ActionCheckTerms().run(dispatcher, make_tracker(text, "check_terms"), domain={})

    assert events == [SlotSet("remedy_facts", {"unfair_term": True})]
    assert texts(dispatcher) == [render_findings(check_terms("本店商品一经售出概不退换"))]
    assert "“本店商品一经售出概不退换”" in texts(dispatcher)[0]
    assert dispatcher.messages[0]["buttons"] == list(OFFER_BUTTONS)


@pytest.mark.asyncio
async def test_fair_clause_gets_no_findings_and_no_facts(dispatcher):
    events = await ActionCheckTerms().run(
        dispatcher, make_tracker("这个条款合理吗：会员可以随时查询余额", "check_terms"), domain={})
    assert events == []
    assert "没有发现明显不公平" in texts(dispatcher)[0]


@pytest.mark.asyncio
async def test_request_without_text_asks_to_paste(dispatcher):
    events = await ActionCheckTerms().run(dispatcher, make_tracker("帮我看看这个合同", "check_terms"), domain={})
    assert events == []
    assert texts(dispatcher) == [ASK_TO_PASTE]


@pytest.mark.asyncio
async def test_a_general_question_gets_the_general_answer_then_the_offer(dispatcher, knowledge_service):
    events = await ActionStartRemedy().run(dispatcher, make_tracker(GENERAL_QUESTION, "ask_remedy"), domain={})

    decision = knowledge_service.ask(GENERAL_QUESTION)
    if decision.kind != "answer":
        # Nothing in the knowledge base answers it: then the questions are the best help.
        assert events[-1] == FollowupAction("remedy_form") and dispatcher.messages == []
        return
    assert FollowupAction("remedy_form") not in events  # no questions yet
    assert SlotSet("last_entry_id", decision.hits[0].entry.id) in events
    assert [m.get("response") for m in dispatcher.messages] == [None, "utter_offer_own_case"]
    assert dispatcher.messages[0]["text"] == answer_text(decision.hits[0].entry)


@pytest.mark.asyncio
@pytest.mark.parametrize("accepting", ["/ask_remedy", "帮我看看我的情况"], ids=["clicked", "typed"])
async def test_accepting_the_offer_starts_the_questions_from_the_question_asked(dispatcher, accepting):
    history = [user_said(GENERAL_QUESTION), bot_said("……"), OFFER, user_said(accepting)]
    tracker = make_tracker(accepting, "ask_remedy", events=history)
    events = await ActionStartRemedy().run(dispatcher, tracker, domain={})

    assert events == [SlotSet("remedy_facts", CLOTHES_RETURN), SlotSet("remedy_skipped", []),
                      SlotSet("remedy_asking", None), SlotSet("remedy_answer", None), FollowupAction("remedy_form")]
    assert dispatcher.messages == []


@pytest.mark.asyncio
async def test_a_follow_up_question_mid_interview_is_answered_not_taken_as_the_days(dispatcher, knowledge_service):
    slots = {"remedy_facts": CLOTHES_RETURN, "remedy_skipped": [], "remedy_asking": "days_since_receipt"}
    events = await ValidateRemedyForm().run(dispatcher, form_tracker("那如果超过七天呢？", slots, "ask_rights"), FORM_DOMAIN)

    assert SlotSet("remedy_answer", None) in events  # the form asks about the days again
    assert not any(e["name"] == "remedy_facts" for e in events)  # seven days were not recorded
    assert dispatcher.messages[0]["text"] == knowledge_reply(knowledge_service, "那如果超过七天呢？")


@pytest.mark.asyncio
async def test_a_new_question_mid_interview_is_answered(dispatcher, knowledge_service):
    question = "自动续费没有提前提醒就扣钱了，可以要求退款吗？"
    slots = {"remedy_facts": CLOTHES_RETURN, "remedy_skipped": [], "remedy_asking": "days_since_receipt"}
    events = await ValidateRemedyForm().run(dispatcher, form_tracker(question, slots, "ask_rights"), FORM_DOMAIN)

    assert SlotSet("remedy_answer", None) in events
    assert SlotSet("remedy_skipped", ["days_since_receipt"]) not in events
    assert dispatcher.messages[0]["text"] == knowledge_reply(knowledge_service, question)


@pytest.mark.asyncio
async def test_giving_up_leaves_the_questions_without_an_assessment(dispatcher):
    slots = {"remedy_facts": CLOTHES_RETURN, "remedy_skipped": [], "remedy_asking": "days_since_receipt"}
    events = await ValidateRemedyForm().run(dispatcher, form_tracker("算了", slots), FORM_DOMAIN)
    assert events == [SlotSet("remedy_answer", "left"), SlotSet("requested_slot", None)]

    explained = CollectingDispatcher()
    tracker = make_tracker("算了", slots={**slots, "remedy_answer": "left"})
    assert await ActionExplainRemedy().run(explained, tracker, domain={}) == [
        SlotSet("remedy_asking", None), SlotSet("remedy_answer", None)]
    assert [m["response"] for m in explained.messages] == ["utter_remedy_left"]
