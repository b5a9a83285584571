"""Our REST input channel: Rasa's ``rest`` channel (same URL, same JSON), but never silent.

Rasa's RestInput returns whatever the turn collected, which is ``[]`` when the action server was unreachable,
crashed or too slow, or when the tracker store failed. Here every turn's replies pass through
:func:`bot.channels.safety.ensure_reply`, and a turn that takes longer than ``reply_timeout`` seconds is
answered with the busy notice while it finishes in the background (so the tracker stays consistent).

``GET /webhooks/rest/silent_turns`` reports how many turns were rescued so (``{"silent_turns_total": n}``).

``credentials.yml``::

    bot.channels.rest.RestInput:
      reply_timeout: 25
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.desk_gate import handled_by_desk
from bot.channels.safety import ensure_reply, silent_turns_total

log = logging.getLogger(__name__)

# Far above a normal turn (well under a second once the action server is warm), below what a person waits for a
# reply before giving up; also bounds a hung action server (Rasa waits up to 300 s for one).
DEFAULT_REPLY_TIMEOUT = 25.0


def _reply(message: UserMessage, *, with_person: bool, reason: Optional[str], still_running: bool) -> None:
    collector = message.output_channel
    replies = ensure_reply(message.sender_id, list(collector.messages), expect_silence=with_person, reason=reason,
                           still_running=still_running)
    # The REST response is built from the collector's list right after the handler returns.
    collector.messages[:] = [{"recipient_id": message.sender_id, **reply} for reply in replies]


def _log_failure(conversation_id: str) -> Callable[["asyncio.Future[bool]"], None]:
    """Log a failed turn against its conversation, also one that fails after the customer got the busy notice
    (asyncio would only say "Task exception was never retrieved")."""
    def report(running: "asyncio.Future[bool]") -> None:
        if not running.cancelled() and running.exception() is not None:
            log.error("turn failed in conversation %s", conversation_id, exc_info=running.exception())
    return report


class RestInput(RasaRestInput):
    def __init__(self, reply_timeout: float = DEFAULT_REPLY_TIMEOUT) -> None:
        if reply_timeout <= 0:
            raise ValueError(f"reply_timeout must be a positive number of seconds, got {reply_timeout!r}")
        self.reply_timeout = reply_timeout

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        return cls(float((credentials or {}).get("reply_timeout", DEFAULT_REPLY_TIMEOUT)))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        server = {}

        async def turn(message: UserMessage) -> bool:
            """Whether the desk took the message (a person has the conversation); else the bot answers it."""
            if await handled_by_desk(server["app"].ctx.agent, message):
                return True
            await on_new_message(message)
            return False

        async def handle_and_ensure_reply(message: UserMessage) -> None:
            reason, with_person, still_running = None, False, False
            running = asyncio.ensure_future(turn(message))
            running.add_done_callback(_log_failure(message.sender_id))
            try:
                # shield: on timeout the turn goes on (and is saved); only our wait for it ends.
                with_person = await asyncio.wait_for(asyncio.shield(running), self.reply_timeout)
            except asyncio.TimeoutError:
                reason, still_running = f"no reply within {self.reply_timeout:g} s", True
            except asyncio.CancelledError:
                # Sanic cut the request short (its response timeout, 60 s when Rasa runs without --enable-api, is
                # counted from before the handler started): Rasa still answers with what was collected, so the
                # customer gets the busy notice rather than an empty reply.
                _reply(message, with_person=False, reason="the server's response timeout", still_running=True)
                raise
            except Exception as error:  # noqa: BLE001 - whatever failed (logged above), the customer gets an answer
                reason = f"{type(error).__name__}: {error}"
            _reply(message, with_person=with_person, reason=reason, still_running=still_running)

        blueprint = super().blueprint(handle_and_ensure_reply)

        @blueprint.listener("before_server_start")
        async def keep_server(app, _loop) -> None:
            server["app"] = app  # the agent is on app.ctx once Rasa has loaded it; looked up per message

        @blueprint.route("/silent_turns", methods=["GET"])
        async def silent_turns(request: Request) -> response.HTTPResponse:
            """How many turns this server answered with the apology because they produced nothing."""
            return response.json({"silent_turns_total": silent_turns_total()})

        return blueprint
