"""Actions for complaints: the complaint form and the customer's self-service after submitting.

Thin adapters: the conversation logic is in ``bot.complaints.conversation``; here we only read the tracker
and turn replies into messages and slot events.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.buttons import offered_payload
from actions.handoff import follow_up_complaint, hand_off
from actions.knowledge import answer_question
from bot.complaints import conversation
from bot.complaints.models import utcnow
from bot.complaints.service import ComplaintError, Customer
from bot.store import ensure_migrated
from bot.text.acts import is_follow_up
from bot.store.privacy import install_log_masking

# Customers type phone numbers into the chat; nothing this process logs may contain one.
install_log_masking()


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _say(dispatcher: CollectingDispatcher, reply: conversation.Reply) -> List[Dict[Text, Any]]:
    if reply.text:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
    return [SlotSet(name, value) for name, value in reply.slots.items()]


class ValidateComplaintForm(Action):
    """Reads every answer of the complaint form, and anything else the customer volunteered with it.

    A message that is not an answer is never stored as one: a question ("那如果超过七天呢？", a rights question)
    is answered here and the form asks its question again; "算了" cancels (``conversation.answer``); a request
    for a person is rejected, so the rule for it hands over. A button's title typed instead of clicked is an
    answer like the click.
    """

    def name(self) -> Text:
        return "validate_complaint_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        slots = {name: tracker.get_slot(name) for name in conversation.ALL_SLOTS}
        requested = tracker.get_slot("requested_slot")
        now = utcnow()
        today = conversation.today_in_china(now)
        if requested is None:  # the form is starting
            turn = conversation.start(_text(tracker), slots, tracker.get_slot("remedy_facts"), today)
        else:
            intent = tracker.latest_message.get("intent") or {}
            typed_button = offered_payload(tracker) is not None
            if intent.get("name") == "request_human" and not typed_button:
                return []  # nothing filled: Rasa rejects the form and the hand-off rule runs
            if is_follow_up(_text(tracker)) and not typed_button:
                return await self._answer_instead(dispatcher, tracker, requested)
            turn = conversation.answer(
                requested, slots, _text(tracker), intent.get("name"), intent.get("confidence") or 0.0,
                today=today, now=now,
            )
            if turn.reject:
                return await self._answer_instead(dispatcher, tracker, requested)
        for response in turn.responses:
            dispatcher.utter_message(response=response)
        for text in turn.texts:
            dispatcher.utter_message(text=text)
        events = [SlotSet(name, value) for name, value in turn.slots.items()]
        if turn.stop:
            events.append(SlotSet("requested_slot", None))
        return events


    @staticmethod
    async def _answer_instead(
        dispatcher: CollectingDispatcher, tracker: Tracker, requested: str
    ) -> List[Dict[Text, Any]]:
        """A question, not an answer: answer it; the requested slot stays empty, so the form asks again."""
        events = await answer_question(dispatcher, tracker, _text(tracker), offer=False)
        return events + [SlotSet(requested, None)]


class ActionAskComplaintConsent(Action):
    def name(self) -> Text:
        return "action_ask_complaint_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text=conversation.consent_notice(),
            buttons=[{"title": "同意", "payload": "同意"}, {"title": "不同意", "payload": "不同意"}],
        )
        return []


class ActionAskComplaintConfirmed(Action):
    """Shows the summary of everything collected and asks to confirm, correct or cancel."""

    def name(self) -> Text:
        return "action_ask_complaint_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        slots = {name: tracker.get_slot(name) for name in conversation.ALL_SLOTS}
        dispatcher.utter_message(
            text=conversation.summary(slots),
            buttons=[{"title": "确认提交", "payload": "确认提交"}, {"title": "取消投诉", "payload": "取消投诉"}],
        )
        return []


class ActionSubmitComplaint(Action):
    """Runs when the form ends: saves a confirmed complaint (committed before we say so); nothing if cancelled."""

    def name(self) -> Text:
        return "action_submit_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        slots = {name: tracker.get_slot(name) for name in conversation.ALL_SLOTS}
        if not conversation.confirmed(slots):
            return []  # the customer cancelled: there is nothing to save
        try:
            ensure_migrated()
        except SQLAlchemyError:
            return _say(dispatcher, conversation.not_saved())
        reply = conversation.submit(slots, Customer(_channel(tracker), tracker.sender_id))
        events = _say(dispatcher, reply)
        if reply.slots.get("complaint_ticket"):
            await follow_up_complaint(tracker.sender_id, reply.slots["complaint_ticket"])
        return events


class _SelfService(Action, ABC):
    """One self-service request, answered from the store for the customer of this conversation."""

    action_name: Text

    def name(self) -> Text:
        return self.action_name

    @abstractmethod
    def reply(self, tracker: Tracker) -> conversation.Reply:
        """The answer to the customer's latest message."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            ensure_migrated()
            reply = self.reply(tracker)
        except (ComplaintError, SQLAlchemyError) as error:
            # The customer hears that it did not work instead of silence.
            message = str(error) if isinstance(error, ComplaintError) else "系统暂时出了点问题，请稍后再试。"
            reply = conversation.Reply(message)
        events = _say(dispatcher, reply)
        if reply.hand_off:
            await hand_off(dispatcher, tracker, reply.hand_off)
        return events


class ActionCheckComplaint(_SelfService):
    action_name = "action_check_complaint"

    def reply(self, tracker: Tracker) -> conversation.Reply:
        return conversation.check_status(_text(tracker), _channel(tracker), tracker.sender_id)


class ActionAddComplaintInfo(_SelfService):
    action_name = "action_add_complaint_info"

    def reply(self, tracker: Tracker) -> conversation.Reply:
        return conversation.add_information(_text(tracker), _channel(tracker), tracker.sender_id)


class ActionWithdrawComplaint(_SelfService):
    action_name = "action_withdraw_complaint"

    def reply(self, tracker: Tracker) -> conversation.Reply:
        return conversation.withdraw(_text(tracker), _channel(tracker), tracker.sender_id)


class ActionConfirmComplaintResult(_SelfService):
    action_name = "action_confirm_complaint_result"

    def reply(self, tracker: Tracker) -> conversation.Reply:
        return conversation.confirm_result(_text(tracker), _channel(tracker), tracker.sender_id)


class ActionDisputeComplaintResult(_SelfService):
    action_name = "action_dispute_complaint_result"

    def reply(self, tracker: Tracker) -> conversation.Reply:
        return conversation.dispute_result(_text(tracker), _channel(tracker), tracker.sender_id)


class ActionShowMyData(_SelfService):
    action_name = "action_show_my_data"

    def reply(self, tracker: Tracker) -> conversation.Reply:
        return conversation.show_my_data(_channel(tracker), tracker.sender_id)


class ActionCorrectMyData(_SelfService):
    action_name = "action_correct_my_data"

    def reply(self, tracker: Tracker) -> conversation.Reply:
        return conversation.correct_my_data(_text(tracker), _channel(tracker), tracker.sender_id)


class ActionDeleteMyData(_SelfService):
    action_name = "action_delete_my_data"

    def reply(self, tracker: Tracker) -> conversation.Reply:
        return conversation.delete_my_data(_text(tracker), _channel(tracker), tracker.sender_id)
