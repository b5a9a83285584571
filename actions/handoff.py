"""Handing a conversation to people: the ``action_hand_off`` the rules run on a request for a person, and the
same hand-off when the bot must not decide alone (injury, distress, large sums, repeated failures, a disputed
complaint result).

Thin adapter: the desk (``bot.desk``) opens or reopens the case and says where the customer stands; this module
reads the tracker and says it. From then on the channels route the conversation's messages through the desk.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.retrieval import ask
from bot.desk import FollowUpComplaint, OpenHandoff, load_policy
from bot.desk.replies import handoff_message
from bot.desk.triggers import HandoffTrigger, handoff_trigger
from bot.knowledge import ANSWER, CLARIFY, get_service
from bot.store import ensure_migrated, session_scope
from bot.store.privacy import mask_text
from bot.text import is_meaningful, normalise
from bot.text.acts import about_own_order, asks_for_person

log = logging.getLogger(__name__)

# What the customer hears when the desk's store cannot take the case: still a way to a person.
DESK_DOWN_REPLY = ("抱歉，转人工暂时没能成功。请稍后再说一次“转人工”，"
                   "或拨打 12315 消费者投诉举报热线；您的问题我也可以继续帮您解答。")
DETAIL_CHARS = 200
_CLAUSE = re.compile(r"[，,。！!？?；;\s]+")
# Read once: when the bot hands off even if nobody asked (injury, distress, large sums, repeated failures).
DESK_POLICY = load_policy()


async def _topic(tracker: Tracker, text: str) -> Optional[str]:
    """The knowledge topic of the conversation (it chooses the skill group): the entry last answered, else what
    the message itself is about when the knowledge base recognises it."""
    entry_id = tracker.get_slot("last_entry_id")
    kb = get_service().kb
    if entry_id in kb:
        return kb.get(entry_id).topic
    # "……，我要转人工" says nothing about the matter: only the other clauses are asked about.
    story = "，".join(c for c in _CLAUSE.split(normalise(text)) if c and not asks_for_person(c))
    if text.startswith("/") or not is_meaningful(story):
        return None
    decision = await ask(story)
    if decision.kind in (ANSWER, CLARIFY):
        return decision.hits[0].entry.topic
    # Not enough to answer, but enough to route: most of the nearest entries share a topic. A wrong guess costs
    # a transfer between groups, not a wrong answer to the customer.
    topics = Counter(hit.entry.topic for hit in decision.hits[:3]).most_common(1)
    return topics[0][0] if topics and topics[0][1] >= 2 else None


def _open(conversation_id: str, reason: str, detail: str, topic: Optional[str]) -> str:
    ensure_migrated()
    policy = load_policy()
    with session_scope() as session:
        ticket = OpenHandoff(session, policy)(conversation_id, reason, detail, topic=topic)
        return handoff_message(ticket, policy)


async def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, detail: str = "") -> None:
    """Open (or reopen) the conversation's case and tell the customer why, what happens next, and where they stand."""
    text = tracker.latest_message.get("text") or ""
    if not detail and text.startswith("/"):
        detail = "客户点了“转人工客服”按钮"  # a payload says nothing to the agent
    detail = mask_text(detail or text)[:DETAIL_CHARS]
    loop = asyncio.get_running_loop()
    try:
        topic = await _topic(tracker, text)
        message = await loop.run_in_executor(None, _open, tracker.sender_id, reason, detail, topic)
    except SQLAlchemyError:
        log.exception("hand-off of %s could not be recorded", tracker.sender_id)
        message = DESK_DOWN_REPLY
    dispatcher.utter_message(text=message)


def must_hand_off(text: str, consecutive_fallbacks: int = 0) -> Optional[HandoffTrigger]:
    """Why a person must take this message over even though nobody asked, if they must."""
    return handoff_trigger(text, DESK_POLICY, consecutive_fallbacks)


async def hand_off_for(dispatcher: CollectingDispatcher, tracker: Tracker, trigger: HandoffTrigger) -> None:
    await hand_off(dispatcher, tracker, trigger.reason, f"{trigger.detail}：{tracker.latest_message.get('text') or ''}")


def _follow_up(conversation_id: str, ticket: str) -> None:
    with session_scope() as session:
        FollowUpComplaint(session, load_policy())(conversation_id, ticket)


async def follow_up_complaint(conversation_id: str, ticket: str) -> None:
    """Put an accepted complaint on the desk, where the first agent to take it becomes its owner. The complaint
    is saved already; if the desk cannot take it now, that is logged for the supervisor, not put on the customer."""
    try:
        await asyncio.get_running_loop().run_in_executor(None, _follow_up, conversation_id, ticket)
    except SQLAlchemyError:
        log.exception("complaint %s was not put on the desk", ticket)


class ActionHandOff(Action):
    """The customer asked for a person, or about their own order or account (which only a person can look up)."""

    def name(self) -> Text:
        return "action_hand_off"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        await hand_off(dispatcher, tracker, "account" if about_own_order(text) else "request")
        return []
