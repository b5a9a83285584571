"""Before Rasa sees a customer's message, ask the desk whether a person has the conversation.

Every channel (REST, website widget, WeChat) calls :func:`route_through_desk` first, holding Rasa's lock for the
conversation. When a person has it, the message is written to the tracker as it was typed — no NLU, no slots, no
form, no policy — so the transcript stays whole and the bot says nothing; the desk has already put the message
in front of the agent. This works on every path because it does not rely on Rasa's ``ConversationPaused``, which
a session start (expiry) or ``/restart`` resets.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from sqlalchemy.exc import SQLAlchemyError

import bot.channels.action_responses  # noqa: F401  (installs the cached response check in this Rasa server)
from bot.desk import CustomerTurn, RouteCustomerMessage
from bot.store import ensure_migrated, read_scope, session_scope

log = logging.getLogger(__name__)

# The intent recorded for a message a person read instead of the bot (it is in no NLU data on purpose).
WITH_PERSON_INTENT = "with_person"


def _route(conversation_id: str, text: str) -> CustomerTurn:
    ensure_migrated()  # the channels may see the first customer before any other process made the schema
    with read_scope() as session:
        if not RouteCustomerMessage.may_take(session, conversation_id, text):
            return CustomerTurn(with_person=False)
    with session_scope() as session:
        return RouteCustomerMessage(session)(conversation_id, text)


async def route_through_desk(
    agent, conversation_id: str, text: str, input_channel: str,
    message_id: Optional[str] = None, metadata: Optional[Dict[str, Any]] = None,
) -> Optional[List[Dict[str, Any]]]:
    """``None``: the bot handles the message. Otherwise the desk took it, and this is what the customer is told
    now (usually nothing: the agent answers in their own time). Call with the conversation's lock held."""
    try:
        turn = await asyncio.get_running_loop().run_in_executor(None, _route, conversation_id, text)
    except SQLAlchemyError:
        # The desk's store is down: the bot answers rather than nobody (the agent could not see the message).
        log.exception("desk: could not route a message of %s; the bot answers it", conversation_id)
        return None
    if not turn.taken:
        return None
    replies = [dict(reply) for reply in turn.replies]
    now = time.time()
    events: list = [UserUttered(
        text,
        intent={"name": WITH_PERSON_INTENT, "confidence": 1.0},
        parse_data={"text": text, "intent": {"name": WITH_PERSON_INTENT, "confidence": 1.0}, "entities": []},
        input_channel=input_channel,
        message_id=message_id or uuid.uuid4().hex,
        metadata={**(metadata or {}), "handoff_id": turn.case_id},
        timestamp=now,
    )]
    events += [BotUttered(reply["text"], data={"buttons": reply["buttons"]} if reply.get("buttons") else {},
                          timestamp=now) for reply in replies]
    # A turn ends listening, as Rasa ends its own: when the bot takes the conversation back, its next turn starts
    # from the state its rules expect (previous action: listen).
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=now))
    await append_to_tracker(agent, conversation_id, events)
    return replies


async def handled_by_desk(agent, message: UserMessage) -> bool:
    """For channels that hand Rasa a ``UserMessage`` (REST, WeChat): whether the desk took it, in which case its
    replies (if any) are already in the message's output channel and the bot must not see it."""
    async with agent.lock_store.lock(message.sender_id):
        replies = await route_through_desk(agent, message.sender_id, message.text or "", message.input_channel,
                                           message.message_id, message.metadata)
    for reply in replies or []:
        await message.output_channel.send_response(message.sender_id, reply)
    return replies is not None


async def append_to_tracker(agent, conversation_id: str, events: list) -> None:
    """Add events to the conversation as they are (the caller holds the lock)."""
    tracker = await agent.tracker_store.get_or_create_tracker(conversation_id)
    for event in events:
        tracker.update(event)
    await agent.tracker_store.save(tracker)
