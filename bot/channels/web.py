"""The website widget's Rasa input channel: signed sessions, POST to send, WebSocket to push, history from the tracker.

Configured in ``credentials.yml`` as ``bot.channels.web.WebChannel`` and served under ``/webhooks/web/``:

Every request is a POST of a JSON body carrying the session ``token`` (sent as ``text/plain``, a CORS "simple
request": any page may embed the widget without a preflight, which Rasa's own CORS layer would answer first).

- ``POST session`` — a new signed session token, or (with a valid ``token``) a fresh token for the same session,
  so a returning customer keeps their conversation.
- ``POST webhook`` ``{"message", "client_message_id", "display_text"?}`` — one customer message; answers with the
  bot's replies. The client message id makes retries safe: a message already in the tracker is not handled again
  and the replies it got are returned instead (checked under Rasa's per-conversation lock, so concurrent retries
  and other processes see the same answer; the tracker outlives restarts).
- ``POST history`` — the conversation so far, from the tracker store, after a reload or a reconnect.
- ``WS stream`` — first frame ``{"token": …}``; then every message for this conversation, whichever process
  produced it (bot replies to another tab, agents' replies via :func:`bot.channels.outbound.deliver`).

The conversation id is always ``web:<session id>`` taken from the verified token, never from the request. The
widget's page and script are served under ``/chat/`` by the same blueprint.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels import tokens
from bot.channels.desk_gate import route_through_desk
from bot.channels.hub import get_hub
from bot.channels.identity import WEB, conversation_id
from bot.channels.safety import ensure_reply

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
MAX_MESSAGE_CHARS = 20000
HISTORY_LIMIT = 200
_CLIENT_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_BASIS_PREFIX = "法律依据："
_STATIC_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".html": "text/html; charset=utf-8"}


# ---------------------------------------------------------------------------------------------------------------
# What the page receives


def split_answer(text: str) -> Dict[str, str]:
    """Separate the answer from its legal-basis line and the not-legal-advice notice, so the page styles them apart.

    Answers are composed as ``<answer>\\n\\n法律依据：<citation>\\n（…不构成法律意见…）`` (bot.knowledge.reply,
    bot.remedies.explain).
    """
    lines = text.split("\n")
    parts: Dict[str, str] = {}
    if lines and lines[-1].startswith("（") and "不构成法律意见" in lines[-1]:
        parts["notice"] = lines.pop()
    if lines and lines[-1].startswith(_BASIS_PREFIX):
        parts["legal_basis"] = lines.pop()
    parts["text"] = "\n".join(lines).rstrip()
    return parts


def page_message(message: Dict[str, Any], message_id: str, role: str, timestamp: float) -> Dict[str, Any]:
    shown: Dict[str, Any] = {"id": message_id, "role": role, "timestamp": timestamp}
    if role == "user":
        shown["text"] = message.get("text") or ""
    else:
        shown.update(split_answer(message.get("text") or ""))
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in message.get("buttons") or [] if isinstance(b, dict)
        ]
        if buttons:
            shown["buttons"] = buttons
        if message.get("sender_name"):
            shown["role"] = "agent"
            shown["sender_name"] = str(message["sender_name"])
    return shown


def pushed_message(message: Dict[str, Any]) -> Dict[str, Any]:
    """A message from the hub as the page shows it (``outbound`` gave it an id; the page may already have it)."""
    if message.get("role") in ("user", "bot", "agent") and "id" in message:
        return message  # already in page shape (published by this channel)
    return page_message(message, str(message.get("id")), "bot", float(message.get("timestamp") or time.time()))


def history(events: Iterable[Any], limit: int = HISTORY_LIMIT) -> List[Dict[str, Any]]:
    """The conversation as the page shows it: customer messages and replies, with the ids the live path used.

    A reply's id is ``<client message id>/<n>`` (n-th reply to that message) unless the message carried its own
    ``id`` in its metadata (agents' messages recorded by the desk).
    """
    shown: List[Dict[str, Any]] = []
    last_user_id, replies = "start", 0
    for event in events:
        if isinstance(event, UserUttered):
            last_user_id, replies = event.message_id or f"t{event.timestamp}", 0
            display = (event.metadata or {}).get("display_text") if isinstance(event.metadata, dict) else None
            shown.append(page_message({"text": display or event.text or ""}, last_user_id, "user", event.timestamp))
        elif isinstance(event, BotUttered):
            metadata = event.metadata if isinstance(event.metadata, dict) else {}
            message = {**(event.data or {}), "text": event.text or "", "sender_name": metadata.get("sender_name")}
            message_id = str(metadata.get("id") or f"{last_user_id}/{replies}")
            replies += 1
            shown.append(page_message(message, message_id, "bot", event.timestamp))
    return shown[-limit:]


def replies_to(events: Iterable[Any], client_message_id: str) -> Optional[List[Dict[str, Any]]]:
    """The replies an already-handled message got, or ``None`` if the tracker has no such message."""
    found = False
    messages: List[Dict[str, Any]] = []
    for item in history(events, limit=10**9):
        if item["role"] == "user":
            if found:
                break
            found = item["id"] == client_message_id
        elif found:
            messages.append(item)
    return messages if found else None


# ---------------------------------------------------------------------------------------------------------------
# The channel


class _TurnCollector(CollectingOutputChannel):
    """Collects each bot message whole.

    Rasa's output channels split a text at blank lines into several messages; that would part an answer from its
    legal basis and number the replies differently from the tracker's ``BotUttered`` events, which history uses.
    """

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.messages.append({"recipient_id": recipient_id, **{k: v for k, v in message.items() if v is not None}})


class _WidgetBlueprint(Blueprint):
    """The channel's routes under ``/webhooks/web``, plus the widget's files under ``/chat`` (outside that prefix)."""

    def __init__(self, name: str, pages: Blueprint) -> None:
        super().__init__(name)
        self.ctx.pages = pages

    def register(self, app, options):
        super().register(app, options)
        app.blueprint(self.ctx.pages)


class WebChannel(InputChannel):
    """Website widget channel (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return WEB

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChannel":
        credentials = credentials or {}
        origins = credentials.get("allowed_origins") or "*"
        return cls(
            allowed_origins=[origins] if isinstance(origins, str) else list(origins),
            session_max_age=float(credentials.get("session_max_age_days") or 30) * 24 * 3600,
        )

    def __init__(self, allowed_origins: Optional[List[str]] = None,
                 session_max_age: float = tokens.DEFAULT_MAX_AGE) -> None:
        self.allowed_origins = allowed_origins or ["*"]
        self.session_max_age = session_max_age
        tokens.widget_key()  # fail at start-up, not at the first customer, if BOT_WIDGET_KEY is unusable

    # -- helpers ---------------------------------------------------------------------------------------------

    def _origin_allowed(self, origin: Optional[str]) -> bool:
        return "*" in self.allowed_origins or origin in self.allowed_origins

    def _cors(self, request: Request, resp):
        origin = request.headers.get("origin")
        if origin and self._origin_allowed(origin):
            # Tokens travel in the body, never in cookies: an embedding page gains nothing it does not already hold.
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Vary"] = "Origin"
        return resp

    def _json(self, request: Request, body: Any, status: int = 200):
        return self._cors(request, response.json(body, status=status, ensure_ascii=False))

    def _error(self, request: Request, status: int, error: str, message: str):
        return self._json(request, {"error": error, "message": message}, status=status)

    @staticmethod
    def _body(request: Request) -> Optional[Dict[str, Any]]:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _session(self, body: Dict[str, Any]) -> Optional[str]:
        try:
            return tokens.verify(body.get("token"), max_age=self.session_max_age)
        except tokens.InvalidToken:
            return None

    def _refuse(self, request: Request):
        return self._error(request, 401, "invalid_session",
                           "会话凭证无效或已过期，请刷新页面开始新的会话。")

    @staticmethod
    def _claims_other_session(request: Request, session_id: str, body: Dict[str, Any]) -> bool:
        """The request names a session (body or query) that is not the token's: refused, never served."""
        named = body.get("session_id") or request.args.get("session_id")
        return bool(named) and named != session_id

    def _open(self, request: Request):
        """``(body, session id, None)`` for a request that may proceed, else ``(…, refusal)``."""
        body = self._body(request)
        if body is None:
            return None, None, self._error(request, 400, "bad_request", "请求格式不正确。")
        session_id = self._session(body)
        if session_id is None:
            return body, None, self._refuse(request)
        if self._claims_other_session(request, session_id, body):
            return body, None, self._error(request, 403, "other_session", "不能访问其他会话。")
        return body, session_id, None

    # -- the routes ------------------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        pages = Blueprint("web_widget_pages", url_prefix="/chat")
        web = _WidgetBlueprint("web_widget", pages)

        @pages.route("/", methods=["GET"])
        async def demo_page(request: Request):
            return await _static("demo.html")

        @pages.route("/<name:(widget\\.js|widget\\.css)>", methods=["GET"])
        async def widget_file(request: Request, name: str):
            return self._cors(request, await _static(name))

        @web.route("/", methods=["GET"])
        async def health(request: Request):
            return self._json(request, {"status": "ok"})

        @web.route("/session", methods=["POST"])
        async def session(request: Request):
            session_id = self._session(self._body(request) or {}) or tokens.new_session_id()
            return self._json(request, {"token": tokens.issue(session_id), "session_id": session_id})

        @web.route("/history", methods=["POST"])
        async def conversation_history(request: Request):
            body, session_id, refusal = self._open(request)
            if refusal:
                return refusal
            agent = request.app.ctx.agent
            tracker = await agent.tracker_store.retrieve_full_tracker(conversation_id(WEB, session_id))
            return self._json(request, {"messages": history(tracker.events) if tracker else []})

        @web.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            body, session_id, refusal = self._open(request)
            if refusal:
                return refusal
            text, client_message_id = body.get("message"), body.get("client_message_id")
            if not isinstance(client_message_id, str) or not _CLIENT_MESSAGE_ID.fullmatch(client_message_id):
                return self._error(request, 400, "bad_request", "client_message_id 须为 8–64 位字母、数字、-、_。")
            if not isinstance(text, str):
                return self._error(request, 400, "bad_request", "message 须为文字。")
            if len(text) > MAX_MESSAGE_CHARS:
                return self._error(request, 413, "too_long", f"消息太长了（最多 {MAX_MESSAGE_CHARS} 字），请分几次发送。")
            display = body.get("display_text")
            display = display[:500] if isinstance(display, str) and display.strip() else None
            messages = await handle(request.app.ctx.agent, session_id, text, client_message_id, display)
            return self._json(request, messages)

        @web.websocket("/stream")
        async def stream(request: Request, ws):
            origin = request.headers.get("origin")
            if origin and not self._origin_allowed(origin):
                await ws.close(code=4403, reason="origin not allowed")
                return
            await push_to(ws, self.session_max_age)

        return web


async def _static(name: str):
    path = STATIC_DIR / name
    return await response.file(str(path), headers={"Cache-Control": "no-cache"},
                               mime_type=_STATIC_TYPES[path.suffix])


async def handle(agent, session_id: str, text: str, client_message_id: str,
                 display_text: Optional[str]) -> Dict[str, Any]:
    """Handle one customer message exactly once; the replies it got (now or the first time)."""
    cid = conversation_id(WEB, session_id)
    now = time.time()
    async with agent.lock_store.lock(cid):
        tracker = await agent.tracker_store.retrieve(cid)
        earlier = replies_to(tracker.events, client_message_id) if tracker else None
        if earlier is not None:
            return {"duplicate": True, "messages": earlier}
        user = page_message({"text": display_text or text}, client_message_id, "user", now)
        await get_hub().publish(cid, user)  # the customer's other tabs show it too
        metadata = {"display_text": display_text} if display_text else None
        failure, with_person = None, False
        try:
            replies = await route_through_desk(agent, cid, text, WEB, client_message_id, metadata)
            with_person = replies is not None
            if not with_person:
                collector = _TurnCollector()
                await agent.processor.handle_message(
                    UserMessage(text, collector, cid, input_channel=WEB, message_id=client_message_id,
                                metadata=metadata))
                replies = collector.messages
        except Exception as error:  # logged without the message; the guard below still answers the customer
            logger.exception("web: handling message %s of %s failed", client_message_id, cid)
            failure, replies = f"handling the message raised {type(error).__name__}", []
    # A person has the conversation: the agent answers, so no reply now is no failure.
    replies = ensure_reply(cid, replies, expect_silence=with_person, reason=failure)
    shown = [page_message(reply, f"{client_message_id}/{n}", "bot", time.time()) for n, reply in enumerate(replies)]
    for reply in shown:
        await get_hub().publish(cid, reply)
    return {"duplicate": False, "messages": shown}


async def push_to(ws, session_max_age: float) -> None:
    """Authenticate the socket with its first frame, then relay this conversation's messages until it closes."""
    try:
        first = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        session_id = tokens.verify(first.get("token") if isinstance(first, dict) else None, max_age=session_max_age)
    except (asyncio.TimeoutError, ValueError, tokens.InvalidToken):
        await ws.close(code=4401, reason="invalid session")
        return
    cid = conversation_id(WEB, session_id)
    async with get_hub().subscribe(cid) as subscription:
        await ws.send(json.dumps({"type": "ready"}))
        reader = asyncio.ensure_future(ws.recv())  # completes when the page closes the socket
        try:
            while True:
                getter = asyncio.ensure_future(subscription.get())
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    message = getter.result()
                    if message is None:  # fell behind: the page reconnects and catches up from history
                        await ws.close(code=4409, reason="resync")
                        return
                    await ws.send(json.dumps({"type": "message", "message": pushed_message(message)},
                                             ensure_ascii=False))
                else:
                    getter.cancel()
                if reader in done:
                    if reader.exception() is not None or reader.result() is None:
                        return
                    reader = asyncio.ensure_future(ws.recv())  # pings from the page; nothing to do
        finally:
            reader.cancel()
