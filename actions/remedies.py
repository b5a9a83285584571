"""Actions for the remedy dialogue and the unfair-terms check: thin adapters over ``bot.remedies``.

The conversation: ``ask_remedy`` → ``action_start_remedy`` reads the facts from the message. If a remedy
still needs facts it hands over to ``remedy_form``, whose one slot ``remedy_answer`` takes each reply as
text; ``validate_remedy_form`` merges the reply into ``remedy_facts`` and clears the slot while questions
remain, and ``action_ask_remedy_answer`` asks the next one with buttons. When nothing is left to ask,
``action_explain_remedy`` gives the answer and offers a complaint (prefilled from ``remedy_facts``) or a human.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.remedies.explain import ASK_TO_PASTE, OFFER_BUTTONS, render_assessment, render_findings
from bot.remedies.facts import Question
from bot.remedies.interview import Interview
from bot.remedies.terms import check_terms, pasted_text
from bot.text import normalise

FACTS_SLOT = "remedy_facts"
SKIPPED_SLOT = "remedy_skipped"
ASKING_SLOT = "remedy_asking"
ANSWER_SLOT = "remedy_answer"
FORM = "remedy_form"
# The reply that skips a question; parse_answer reads it as "I don't know".
DONT_KNOW = "不清楚"
SKIPPED_NOTE = "好的，这一项先跳过。"


def _interview(tracker: Tracker) -> Interview:
    return Interview.resume(tracker.get_slot(FACTS_SLOT), tracker.get_slot(SKIPPED_SLOT))


def _buttons(question: Question) -> List[Dict[str, str]]:
    buttons = [{"title": option.title, "payload": option.title} for option in question.options]
    return buttons + [{"title": DONT_KNOW, "payload": DONT_KNOW}]


def _explain(dispatcher: CollectingDispatcher, interview: Interview) -> None:
    dispatcher.utter_message(text=render_assessment(interview.assessment()), buttons=list(OFFER_BUTTONS))


class ActionStartRemedy(Action):
    """A customer describes a case: read what we can, then ask for the rest or answer at once."""

    def name(self) -> Text:
        return "action_start_remedy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        interview = Interview.start(normalise(tracker.latest_message.get("text") or ""))
        events = [SlotSet(FACTS_SLOT, interview.facts), SlotSet(SKIPPED_SLOT, []), SlotSet(ASKING_SLOT, None),
                  SlotSet(ANSWER_SLOT, None)]
        if interview.next_question() is not None:
            return events + [FollowupAction(FORM)]
        _explain(dispatcher, interview)
        return events


class ActionAskRemedyAnswer(Action):
    """The form's question: the next fact a remedy still needs, with buttons."""

    def name(self) -> Text:
        return "action_ask_remedy_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        question = _interview(tracker).next_question()
        if question is None:
            # validate_remedy_form fills the slot once nothing is left, so the form never asks then.
            return [SlotSet(ASKING_SLOT, None)]
        dispatcher.utter_message(text=question.text, buttons=_buttons(question))
        return [SlotSet(ASKING_SLOT, question.fact)]


class ValidateRemedyForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_remedy_form"

    async def validate_remedy_answer(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        asked: Optional[str] = tracker.get_slot(ASKING_SLOT)
        interview, understood = _interview(tracker).answered(asked, str(slot_value or ""))
        if not understood and asked in interview.skipped:
            dispatcher.utter_message(text=SKIPPED_NOTE)
        done = interview.next_question() is None
        return {
            FACTS_SLOT: interview.facts,
            SKIPPED_SLOT: list(interview.skipped),
            # Cleared while questions remain, so the form asks again; filled when done, so the form ends.
            ANSWER_SLOT: "done" if done else None,
        }


class ActionExplainRemedy(Action):
    def name(self) -> Text:
        return "action_explain_remedy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        _explain(dispatcher, _interview(tracker))
        return [SlotSet(ASKING_SLOT, None), SlotSet(ANSWER_SLOT, None)]


class ActionCheckTerms(Action):
    """A customer pasted a clause or an agreement: flag what is likely unfair."""

    def name(self) -> Text:
        return "action_check_terms"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = pasted_text(normalise(tracker.latest_message.get("text") or ""))
        if not text:
            dispatcher.utter_message(text=ASK_TO_PASTE)
            return []
        findings = check_terms(text)
        if not findings:
            dispatcher.utter_message(text=render_findings(findings), buttons=[OFFER_BUTTONS[1]])
            return []
        dispatcher.utter_message(text=render_findings(findings), buttons=list(OFFER_BUTTONS))
        # Remember it for the complaint form, alongside any facts already gathered.
        interview = _interview(tracker)
        return [SlotSet(FACTS_SLOT, {**interview.facts, "unfair_term": True})]
