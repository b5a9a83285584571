"""The knowledge actions, run directly with a tracker and a collecting dispatcher."""
from __future__ import annotations

import json

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import ActionAnswerChosenEntry, ActionAnswerQuestion
from bot.knowledge.answer_log import answers_in
from bot.knowledge.reply import DISCLAIMER, EMPTY_MESSAGE_REPLY, answer_text, fallback_prompt
from tests.actions.conftest import bot_said, make_tracker, user_said


@pytest.mark.asyncio
async def test_answer_question_sends_answer_with_citation_and_remembers_entry(dispatcher, knowledge_service):
    tracker = make_tracker("网上买的衣服收到三天了不喜欢，可以七天无理由退货吗")
    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain={})

    entry = knowledge_service.kb.get("return_7day_01")
    assert events == [SlotSet("last_entry_id", "return_7day_01")]
    assert dispatcher.messages[0]["text"] == answer_text(entry)
    assert "法律依据：《消费者权益保护法》第25条" in dispatcher.messages[0]["text"]
    assert DISCLAIMER in dispatcher.messages[0]["text"]
    # The customer told of a return of their own: after the general answer, the offer to work it out.
    assert dispatcher.messages[1]["response"] == "utter_offer_own_case"
    # What retrieval found is kept for an agent who takes the conversation over.
    (kept,) = answers_in("action-test")
    assert (kept.decision, kept.answered_entry_id, kept.hits[0]["entry_id"]) == ("answer", "return_7day_01", "return_7day_01")


@pytest.mark.asyncio
async def test_follow_up_uses_the_remembered_entry(dispatcher):
    tracker = make_tracker("那如果超过七天呢？", slots={"last_entry_id": "return_7day_01"})
    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain={})

    assert len(events) == 1 and events[0]["name"] == "last_entry_id"
    assert events[0]["value"].startswith("return_7day_") and events[0]["value"] != "return_7day_01"


@pytest.mark.asyncio
async def test_gibberish_gets_fallback_buttons_and_no_slot(dispatcher):
    events = await ActionAnswerQuestion().run(dispatcher, make_tracker("qwzx plmk vbnr zzkj", "nlu_fallback"), domain={})

    text, buttons = fallback_prompt()
    assert events == []
    assert dispatcher.messages[0]["text"] == text
    assert dispatcher.messages[0]["buttons"] == buttons


@pytest.mark.asyncio
@pytest.mark.parametrize("message", ["", "😀😀", "？？？"])
async def test_meaningless_message_gets_polite_reply(dispatcher, message):
    events = await ActionAnswerQuestion().run(dispatcher, make_tracker(message, "nlu_fallback"), domain={})
    assert events == []
    assert [m["text"] for m in dispatcher.messages] == [EMPTY_MESSAGE_REPLY]


@pytest.mark.asyncio
async def test_chosen_entry_is_answered(dispatcher, knowledge_service):
    tracker = make_tracker(
        '/choose_entry{"entry_id": "return_7day_01"}', "choose_entry",
        entities=[{"entity": "entry_id", "value": "return_7day_01"}],
    )
    events = await ActionAnswerChosenEntry().run(dispatcher, tracker, domain={})

    assert events == [SlotSet("last_entry_id", "return_7day_01")]
    assert dispatcher.messages[0]["text"] == answer_text(knowledge_service.kb.get("return_7day_01"))


@pytest.mark.asyncio
async def test_unknown_chosen_entry_falls_back(dispatcher):
    tracker = make_tracker("/choose_entry", "choose_entry", entities=[{"entity": "entry_id", "value": "no_such_entry"}])
    events = await ActionAnswerChosenEntry().run(dispatcher, tracker, domain={})

    assert events == []
    assert dispatcher.messages[0]["text"] == fallback_prompt()[0]


@pytest.mark.asyncio
async def test_clarification_offers_candidate_buttons(dispatcher, knowledge_service):
    events = await ActionAnswerQuestion().run(dispatcher, make_tracker("快递丢了怎么赔"), domain={})

    decision = knowledge_service.ask("快递丢了怎么赔")
    assert decision.kind == "clarify", decision.as_dict()
    assert events == []
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads[:-1] == [
        "/choose_entry" + json.dumps({"entry_id": h.entry.id}) for h in decision.candidates
    ]
    assert payloads[-1] == "/request_human"


def chosen(entry_id: str):
    return make_tracker("/choose_entry" + json.dumps({"entry_id": entry_id}), "choose_entry",
                        entities=[{"entity": "entry_id", "value": entry_id}])


@pytest.mark.asyncio
async def test_the_offer_follows_only_answers_about_a_problem_the_remedies_cover(dispatcher, knowledge_service):
    # return_7day_01 asks about a return: offer to work the customer's case out.
    await ActionAnswerChosenEntry().run(dispatcher, chosen("return_7day_01"), domain={})
    assert [m.get("response") for m in dispatcher.messages] == [None, "utter_offer_own_case"]

    # Who the official customer service is: nothing the remedy rules could work out.
    official = CollectingDispatcher()
    await ActionAnswerChosenEntry().run(official, chosen("human_agent_08"), domain={})
    assert [m.get("response") for m in official.messages] == [None]
    assert official.messages[0]["text"] == answer_text(knowledge_service.kb.get("human_agent_08"))


@pytest.mark.asyncio
async def test_a_typed_clarification_title_gets_the_same_answer_as_the_click(dispatcher, knowledge_service):
    entry = knowledge_service.kb.get("return_7day_01")
    menu = bot_said("您想问的是下面哪个问题？", [
        {"title": entry.question, "payload": '/choose_entry{"entry_id": "return_7day_01"}'},
        {"title": "都不是，转人工客服", "payload": "/request_human"}])
    tracker = make_tracker(entry.question, "ask_rights", events=[user_said("退货"), menu, user_said(entry.question)])
    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain={})

    clicked = CollectingDispatcher()
    click = make_tracker('/choose_entry{"entry_id": "return_7day_01"}', "choose_entry",
                         entities=[{"entity": "entry_id", "value": "return_7day_01"}])
    assert events == await ActionAnswerChosenEntry().run(clicked, click, domain={}) == [
        SlotSet("last_entry_id", "return_7day_01")]
    assert dispatcher.messages == clicked.messages
    assert dispatcher.messages[0]["text"] == answer_text(entry)
