"""The desk speaks to a customer through the Rasa server that holds their channel.

The agent console is its own process. A message an agent writes must reach the customer's widget connection or
WeChat's customer-service API, and must join the conversation's transcript (the tracker), so a reloaded widget
shows it and the bot, once the conversation is handed back, resumes with it in context. Both live in the Rasa
server, so the console posts the message to this channel, ``bot.channels.desk_relay.DeskRelay`` in
``credentials.yml``, served at ``POST /webhooks/desk/outbound``:

    {"conversation_id": "web:…", "message": {"text": …, "sender_name": "王芳", "buttons": […]?}}

The route is on the customer-facing surface (channels are), so every request is signed: header
``X-Desk-Signature: <unix time>.<hex HMAC-SHA256 of "<unix time>.<body>">`` with the relay key
(``BOT_DESK_RELAY_KEY``, else generated once into ``<var_dir>/desk_relay.key``, which the console and the bot of
one deployment share), accepted for five minutes. Answers ``{"delivered": true, "id": …}``; ``409`` with
``"delivered": false`` when the message was recorded but its channel cannot push (REST has no push).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.desk_gate import append_to_tracker
from bot.channels.identity import InvalidConversationId
from bot.channels.outbound import UndeliverableError, deliver, outbound_message
from bot.channels.relay_client import SIGNATURE_HEADER, relay_key, signature_valid

log = logging.getLogger(__name__)

# What a relayed message may carry: text, buttons (the confirmation), and who wrote it.
_FIELDS = ("text", "buttons", "sender_name")


class DeskRelay(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "desk"

    def __init__(self) -> None:
        self.key = relay_key()  # fail at start-up if the configured key is unusable

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        relay = Blueprint("desk_relay", url_prefix="/webhooks/desk")

        @relay.route("/outbound", methods=["POST"])
        async def outbound(request: Request):
            if not signature_valid(request.body or b"", request.headers.get(SIGNATURE_HEADER), self.key):
                return response.json({"error": "bad_signature"}, status=401)
            try:
                body = json.loads(request.body)
                conversation = body["conversation_id"]
                if not isinstance(conversation, str) or not 0 < len(conversation) <= 160:
                    raise ValueError("conversation_id must be a conversation's id")
                message = outbound_message({k: v for k, v in dict(body["message"]).items() if k in _FIELDS})
            except (ValueError, KeyError, TypeError) as error:
                return response.json({"error": "bad_request", "detail": str(error)}, status=400)
            agent = request.app.ctx.agent
            async with agent.lock_store.lock(conversation):
                await append_to_tracker(agent, conversation, [BotUttered(
                    message.get("text"), data={"buttons": message["buttons"]} if message.get("buttons") else {},
                    metadata={"id": message["id"], "sender_name": message.get("sender_name")},
                )])
            try:
                await deliver(conversation, message)
            except (UndeliverableError, InvalidConversationId) as error:  # REST: recorded, not pushed
                return response.json({"delivered": False, "id": message["id"], "detail": str(error)}, status=409)
            return response.json({"delivered": True, "id": message["id"]})

        return relay
