"""Actions for the remedy dialogue and the unfair-terms check: thin adapters over ``bot.remedies``.

The conversation: ``ask_remedy`` → ``action_start_remedy`` reads the facts from the message. If a remedy
still needs facts it hands over to ``remedy_form``, whose one slot ``remedy_answer`` takes each reply as
text; ``validate_remedy_form`` merges the reply into ``remedy_facts`` and clears the slot while questions
remain, and ``action_ask_remedy_answer`` asks the next one with buttons. When nothing is left to ask,
``action_explain_remedy`` gives the answer and offers a complaint (prefilled from ``remedy_facts``) or a human.

A general question ("网上买的衣服不想要了，七天内能退吗") gets the knowledge base's answer first and an offer to
work out the case; the questions start when the customer asks for that ("帮我看看怎么办", the offer's button).
Inside the questions, a reply that asks something instead ("那如果超过七天呢？") is answered and the question
asked again; "算了" leaves the questions.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.buttons import offered_payload
from actions.handoff import hand_off_for, must_hand_off
from actions.knowledge import answer_question
from actions.retrieval import ask
from bot.knowledge import ANSWER
from bot.remedies.explain import ASK_TO_PASTE, OFFER_BUTTONS, render_assessment, render_findings
from bot.remedies.facts import Question
from bot.remedies.interview import Interview, asks_to_work_out_case
from bot.remedies.terms import check_terms, pasted_text
from bot.text import normalise
from bot.text.acts import is_follow_up, is_question, leaves

FACTS_SLOT = "remedy_facts"
SKIPPED_SLOT = "remedy_skipped"
ASKING_SLOT = "remedy_asking"
ANSWER_SLOT = "remedy_answer"
FORM = "remedy_form"
# The reply that skips a question; parse_answer reads it as "I don't know".
DONT_KNOW = "不清楚"
SKIPPED_NOTE = "好的，这一项先跳过。"
# remedy_answer when the customer left the questions ("算了"): the form ends without an assessment.
LEFT = "left"
WORK_OUT_CASE = "/ask_remedy"


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
        text = normalise(tracker.latest_message.get("text") or "")
        accepted_offer = text.startswith("/") or offered_payload(tracker) == WORK_OUT_CASE
        if accepted_offer:
            # The offer after a general answer: the case is the one told in the question before it.
            text = _previous_question(tracker)
        interview = Interview.start(text)
        events = [SlotSet(FACTS_SLOT, interview.facts), SlotSet(SKIPPED_SLOT, []), SlotSet(ASKING_SLOT, None),
                  SlotSet(ANSWER_SLOT, None)]
        # Injury, distress, a large sum: what the law gives is still explained, but a person decides.
        trigger = must_hand_off(text)
        if interview.next_question() is None or trigger:
            if interview.next_question() is None:
                _explain(dispatcher, interview)
            if trigger:
                await hand_off_for(dispatcher, tracker, trigger)
            return events
        if not accepted_offer and not asks_to_work_out_case(text):
            # A general question: the general answer first, then the offer, not an interrogation.
            decision = await ask(text, tracker.get_slot("last_entry_id"))
            if decision.kind == ANSWER:
                return events + await answer_question(dispatcher, tracker, text, decision=decision)
        return events + [FollowupAction(FORM)]


def _previous_question(tracker: Tracker) -> str:
    """The customer's last message before this one that was typed, not a button payload."""
    users = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return next((normalise(t) for t in reversed(users[:-1]) if t and not t.startswith("/")), "")


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
        text = str(slot_value or "")
        if leaves(text):
            return {ANSWER_SLOT: LEFT, REQUESTED_SLOT: None}
        if is_follow_up(text):
            # "那如果超过七天呢？" is a question, even though it names a number of days.
            return await self._answer_instead(dispatcher, tracker, text)
        interview, understood = _interview(tracker).answered(asked, text)
        if not understood and is_question(text):
            return await self._answer_instead(dispatcher, tracker, text)
        if not understood and asked in interview.skipped:
            dispatcher.utter_message(text=SKIPPED_NOTE)
        done = interview.next_question() is None
        return {
            FACTS_SLOT: interview.facts,
            SKIPPED_SLOT: list(interview.skipped),
            # Cleared while questions remain, so the form asks again; filled when done, so the form ends.
            ANSWER_SLOT: "done" if done else None,
        }

    @staticmethod
    async def _answer_instead(
        dispatcher: CollectingDispatcher, tracker: Tracker, text: str
    ) -> Dict[Text, Any]:
        """Not an answer but a question: answer it; the slot stays empty, so the form asks its question again."""
        events = await answer_question(dispatcher, tracker, text, offer=False)
        return {**{e["name"]: e["value"] for e in events}, ANSWER_SLOT: None}


class ActionExplainRemedy(Action):
    def name(self) -> Text:
        return "action_explain_remedy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if tracker.get_slot(ANSWER_SLOT) == LEFT:
            dispatcher.utter_message(response="utter_remedy_left")
        else:
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
