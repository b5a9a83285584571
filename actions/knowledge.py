"""Actions that answer rights questions from the knowledge base.

The knowledge service (embedding model, index, reranker) is loaded and asked once when the action server
imports this module, that is before it reports healthy: the first customer after a start waits no longer than
the next. Retrieval runs off the event loop (``actions.retrieval``).
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.buttons import offered_payload
from actions.handoff import hand_off_for, must_hand_off
from actions.retrieval import ask
from bot.knowledge import ANSWER, CLARIFY, Decision, get_service
from bot.knowledge.answer_log import record_answer
from bot.knowledge.reply import EMPTY_MESSAGE_REPLY, answer_text, clarify_prompt, fallback_prompt
from bot.remedies.interview import Interview
from bot.store import ensure_migrated
from bot.text import is_meaningful, normalise

log = logging.getLogger(__name__)

CHOOSE_ENTRY = "/choose_entry"
OFFER_OWN_CASE = "utter_offer_own_case"


def warm_up() -> None:
    """Load the service and run one question through it, so that nothing is loaded lazily later."""
    get_service().ask("网上买的东西可以七天无理由退货吗")


def _answer_entry(dispatcher: CollectingDispatcher, entry, question: str, offer: bool = True) -> List[Dict[Text, Any]]:
    dispatcher.utter_message(text=answer_text(entry))
    if offer and Interview.start(question).knows_the_problem:
        # The question tells of a problem the remedy rules cover: offer to work the case out, not interrogate.
        dispatcher.utter_message(response=OFFER_OWN_CASE)
    return [SlotSet("last_entry_id", entry.id)]


def _record(conversation_id: str, text: str, decision: Decision) -> None:
    ensure_migrated()
    record_answer(conversation_id, text, decision)


async def remember(tracker: Tracker, text: str, decision: Decision) -> None:
    """Keep what retrieval found, for the agent who may take the conversation over. Never at the customer's
    expense: if it cannot be stored, the answer still goes out."""
    try:
        await asyncio.get_running_loop().run_in_executor(None, _record, tracker.sender_id, text, decision)
    except SQLAlchemyError:
        log.exception("the answer to a question in %s was not recorded", tracker.sender_id)


async def answer_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, offer: bool = True,
    decision: Optional[Decision] = None,
) -> List[Dict[Text, Any]]:
    """Answer ``text`` from the knowledge base: the answer, a choice of two or three, or the fallback.

    ``offer``: after an answer to a question that tells of a case, offer to work the case out (not inside a
    form, which is already asking its own questions). ``decision``: the service's decision, if already asked."""
    text = normalise(text)
    if not is_meaningful(text):
        dispatcher.utter_message(text=EMPTY_MESSAGE_REPLY)
        return []
    decision = decision or await ask(text, tracker.get_slot("last_entry_id"))
    await remember(tracker, text, decision)
    if decision.kind == ANSWER:
        return _answer_entry(dispatcher, decision.hits[0].entry, text, offer)
    if decision.kind == CLARIFY:
        prompt, buttons = clarify_prompt(decision)
        dispatcher.utter_message(text=prompt, buttons=buttons)
        return []
    prompt, buttons = fallback_prompt()
    dispatcher.utter_message(text=prompt, buttons=buttons)
    return []


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the bot's last turns in a row were the could-not-answer fallback."""
    fallback_text = fallback_prompt()[0]
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            if event.get("text") != fallback_text:
                break
            count += 1
    return count


def _chosen_entry(payload: Optional[str]) -> Optional[str]:
    if not payload or not payload.startswith(CHOOSE_ENTRY):
        return None
    try:
        return json.loads(payload[len(CHOOSE_ENTRY):]).get("entry_id")
    except (ValueError, AttributeError):
        return None


class ActionAnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        # A clarification button's title typed instead of clicked: the same answer as the click.
        entry_id = _chosen_entry(offered_payload(tracker))
        if entry_id in get_service().kb:
            entry = get_service().kb.get(entry_id)
            return _answer_entry(dispatcher, entry, entry.question)
        text = normalise(text)
        if not is_meaningful(text):
            return await answer_question(dispatcher, tracker, text)
        decision = await ask(text, tracker.get_slot("last_entry_id"))
        fallbacks = consecutive_fallbacks(tracker) + 1 if decision.kind not in (ANSWER, CLARIFY) else 0
        trigger = must_hand_off(text, fallbacks)
        if trigger is None:
            return await answer_question(dispatcher, tracker, text, decision=decision)
        await remember(tracker, text, decision)
        # What the bot must not decide alone goes to a person; an answer it has is still given first.
        events = _answer_entry(dispatcher, decision.hits[0].entry, text, offer=False) if decision.kind == ANSWER else []
        await hand_off_for(dispatcher, tracker, trigger)
        return events


class ActionAnswerChosenEntry(Action):
    """The customer picked one of the clarification buttons."""

    def name(self) -> Text:
        return "action_answer_chosen_entry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        entry_id = next(tracker.get_latest_entity_values("entry_id"), None)
        service = get_service()
        if entry_id not in service.kb:
            prompt, buttons = fallback_prompt()
            dispatcher.utter_message(text=prompt, buttons=buttons)
            return []
        entry = service.kb.get(entry_id)
        return _answer_entry(dispatcher, entry, entry.question)


warm_up()
