"""Actions that answer rights questions from the knowledge base.

The knowledge service (embedding model, index, reranker) is loaded and asked once when the action server
imports this module, that is before it reports healthy: the first customer after a start waits no longer than
the next. Retrieval is CPU work; it runs in one worker thread so the action server's event loop keeps
accepting Rasa's requests while a question is being ranked.
"""
from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.buttons import offered_payload
from bot.knowledge import ANSWER, CLARIFY, Decision, get_service
from bot.knowledge.reply import EMPTY_MESSAGE_REPLY, answer_text, clarify_prompt, fallback_prompt
from bot.remedies.interview import Interview
from bot.text import is_meaningful, normalise

log = logging.getLogger(__name__)

CHOOSE_ENTRY = "/choose_entry"
OFFER_OWN_CASE = "utter_offer_own_case"
# One thread: the service is not meant to be shared between threads, and one question at a time is what the
# CPU can do anyway; the point is to keep the event loop free.
_retrieval = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retrieval")


def warm_up() -> None:
    """Load the service and run one question through it, so that nothing is loaded lazily later."""
    get_service().ask("网上买的东西可以七天无理由退货吗")


async def ask(text: str, context_entry_id: Optional[str] = None) -> Decision:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_retrieval, lambda: get_service().ask(text, context_entry_id=context_entry_id))


def _answer_entry(dispatcher: CollectingDispatcher, entry, question: str, offer: bool = True) -> List[Dict[Text, Any]]:
    dispatcher.utter_message(text=answer_text(entry))
    if offer and Interview.start(question).knows_the_problem:
        # The question tells of a problem the remedy rules cover: offer to work the case out, not interrogate.
        dispatcher.utter_message(response=OFFER_OWN_CASE)
    return [SlotSet("last_entry_id", entry.id)]


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
    if decision.kind == ANSWER:
        return _answer_entry(dispatcher, decision.hits[0].entry, text, offer)
    if decision.kind == CLARIFY:
        prompt, buttons = clarify_prompt(decision)
        dispatcher.utter_message(text=prompt, buttons=buttons)
        return []
    prompt, buttons = fallback_prompt()
    dispatcher.utter_message(text=prompt, buttons=buttons)
    return []


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
        return await answer_question(dispatcher, tracker, text)


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
