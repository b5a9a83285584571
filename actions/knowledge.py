"""Actions that answer rights questions from the knowledge base."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import ANSWER, CLARIFY, get_service
from bot.knowledge.reply import EMPTY_MESSAGE_REPLY, answer_text, clarify_prompt, fallback_prompt
from bot.text import is_meaningful, normalise


class ActionAnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = normalise(tracker.latest_message.get("text") or "")
        if not is_meaningful(text):
            dispatcher.utter_message(text=EMPTY_MESSAGE_REPLY)
            return []
        decision = get_service().ask(text, context_entry_id=tracker.get_slot("last_entry_id"))
        if decision.kind == ANSWER:
            entry = decision.hits[0].entry
            dispatcher.utter_message(text=answer_text(entry))
            return [SlotSet("last_entry_id", entry.id)]
        if decision.kind == CLARIFY:
            prompt, buttons = clarify_prompt(decision)
            dispatcher.utter_message(text=prompt, buttons=buttons)
            return []
        prompt, buttons = fallback_prompt()
        dispatcher.utter_message(text=prompt, buttons=buttons)
        return []


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
        dispatcher.utter_message(text=answer_text(entry))
        return [SlotSet("last_entry_id", entry.id)]
