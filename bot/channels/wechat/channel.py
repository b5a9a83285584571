"""The WeChat Official Account (公众号) input channel, served at ``/webhooks/wechat/webhook``.

GET verifies the server URL (echoes ``echostr`` when the signature holds). POST receives a message or event:
checked (size, timestamp window, signature, XML, decryption in safe/compatible mode), taken exactly once across
processes (the platform retries up to 3 times), answered with a passive XML reply when the bot is done within
the reply budget, else answered ``success`` at once and sent later through the customer-service API.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

import wechatpy
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import outbound
from bot.channels.desk_gate import handled_by_desk
from bot.channels.identity import WECHAT, InvalidConversationId, conversation_id
from bot.channels.safety import apology, ensure_reply
from bot.channels.wechat.api import CustomerServiceAPI
from bot.channels.wechat.config import SAFE, WeChatConfig
from bot.channels.wechat.delivery import WeChatSender, masked
from bot.channels.wechat.protocol import (
    MessageCrypto,
    Refused,
    check_signature,
    check_timestamp,
    parse_xml,
    text_reply,
)
from bot.channels.wechat.state import DONE, NEW, ChannelState, open_state
from bot.channels.wechat.text import chosen_payload, render_messages, split_text
from bot.paths import var_dir

log = logging.getLogger(__name__)

SUCCESS = "success"  # the platform's "received, no passive reply"
GREETING_INTENT = "/greet"
UNSUPPORTED_TEXT = (
    "抱歉，我目前只能看懂文字消息。请用文字描述您遇到的问题，比如“网购的衣服不合适能退吗”；"
    "需要人工帮助请回复“转人工”。"
)
# The passive reply travels back through the platform; the follow-ups must not overtake it.
FOLLOW_UP_DELAY = 1.0
SHUTDOWN_GRACE = 10.0
_REQUIRED_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return WECHAT

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WeChatInput":
        return cls(WeChatConfig.from_credentials(credentials))

    def __init__(self, config: WeChatConfig, state: Optional[ChannelState] = None):
        self.config = config
        self._server: Dict[str, Any] = {}
        # Keyed by app id in Redis: one server may front several accounts, each with its own access token.
        self.state = state or open_state(config.redis_url, var_dir() / "wechat.db",
                                         prefix=f"bot:wechat:{config.app_id or 'default'}:")
        self.crypto = MessageCrypto(config.token, config.aes_key, config.app_id) if config.aes_key else None
        self.api = CustomerServiceAPI(config, self.state)
        self.sender = WeChatSender(config, self.state, self.api)
        self._background: Set[asyncio.Task] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        outbound.register_channel(WECHAT, self.sender)
        webhook = Blueprint("wechat_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            try:
                check_timestamp(request.args.get("timestamp"), self.config.timestamp_window)
                check_signature(self.config.token, request.args.get("timestamp", ""),
                                request.args.get("nonce", ""), request.args.get("signature"))
            except Refused as refusal:
                return self._refuse(request, refusal)
            return response.text(request.args.get("echostr", ""))

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            try:
                message, encrypted = self._read(request)
            except Refused as refusal:
                return self._refuse(request, refusal)
            reply = await self._handle(message, on_new_message, started)
            if reply is None:
                return response.text(SUCCESS)
            if encrypted:
                reply = self.crypto.encrypt(reply, request.args.get("nonce", ""), request.args.get("timestamp", ""))
            return response.text(reply, content_type="application/xml")

        @webhook.listener("before_server_start")
        async def keep_server(app, _loop) -> None:
            self._server["app"] = app  # the agent is on app.ctx once Rasa has loaded it

        @webhook.listener("before_server_stop")
        async def finish_late_answers(*_: Any) -> None:
            # A late answer still in flight is the reply a user is waiting for: let it go out (or be held).
            if self._background:
                await asyncio.wait(set(self._background), timeout=SHUTDOWN_GRACE)
            await self.api.close()

        return webhook

    def _refuse(self, request: Request, refusal: Refused) -> HTTPResponse:
        log.warning("wechat: refused %s from %s (%d bytes): %s", request.method, request.ip,
                    len(request.body or b""), refusal.reason)
        return response.text(refusal.reason, status=refusal.status)

    def _read(self, request: Request):
        """The checked message as a wechatpy object, and whether it came encrypted."""
        body = request.body or b""
        if len(body) > self.config.max_body_bytes:
            raise Refused(413, "body too large")
        timestamp, nonce = request.args.get("timestamp", ""), request.args.get("nonce", "")
        check_timestamp(timestamp, self.config.timestamp_window)
        check_signature(self.config.token, timestamp, nonce, request.args.get("signature"))
        fields = parse_xml(body)
        encrypted = request.args.get("encrypt_type", "raw").lower() == "aes"
        if encrypted:
            if self.crypto is None:
                raise Refused(400, "encrypted message but no EncodingAESKey configured")
            if not isinstance(fields.get("Encrypt"), str):
                raise Refused(400, "encrypted message without Encrypt")
            xml = self.crypto.decrypt(fields["Encrypt"], request.args.get("msg_signature"), timestamp, nonce)
            fields = parse_xml(xml)
        elif self.config.mode == SAFE:
            raise Refused(400, "plain message but the channel is in safe mode")
        else:
            try:
                xml = body.decode("utf-8")
            except UnicodeDecodeError:
                raise Refused(400, "body is not UTF-8") from None
        if any(not isinstance(fields.get(name), str) or not fields[name] for name in _REQUIRED_FIELDS):
            raise Refused(400, "message without its required fields")
        try:
            conversation_id(WECHAT, fields["FromUserName"])
        except InvalidConversationId:
            raise Refused(400, "FromUserName is not an openid") from None
        if not fields["CreateTime"].isdigit() or not str(fields.get("MsgId", "0")).isdigit():
            raise Refused(400, "CreateTime or MsgId is not a number")
        # The XML passed defusedxml with DTDs forbidden, so wechatpy's own parser only ever sees plain XML.
        return wechatpy.parse_message(xml), encrypted

    async def _handle(self, message, on_new_message, started: float) -> Optional[str]:
        """The passive reply's plain XML, or None for ``success``."""
        openid = message.source
        # Events have no MsgId: the user and second identify one, and its name keeps a subscribe and an
        # unsubscribe within the same second apart (a retry repeats all three).
        key = f"msg:{message.id}" if message.id else f"event:{openid}:{message.time}:{getattr(message, 'event', '')}"
        claim = self.state.claim(key)
        if claim.status != NEW:
            log.info("wechat: retry of a message from %s already %s", masked(openid),
                     "answered" if claim.status == DONE else "in progress")
            return claim.reply if claim.status == DONE else None
        try:
            reply = await self._answer(message, on_new_message, started)
        except Exception:  # the message is taken: it must still get an answer, not a retry into "in progress"
            log.exception("wechat: handling a message from %s failed", masked(openid))
            reply = self._reply(message, [render_messages([apology()])[0]])
        self.state.finish(key, reply)
        return reply

    async def _answer(self, message, on_new_message, started: float) -> Optional[str]:
        openid = message.source
        if message.type == "event":
            return await self._event(message, on_new_message, started)
        self.state.user_wrote(openid, time.time())
        # A voice message carries the platform's speech recognition when the account has it switched on.
        text = (message.content or "") if message.type == "text" else getattr(message, "recognition", None)
        if message.type != "text" and not text:
            return self._reply(message, split_text(self.sender.with_held(openid, UNSUPPORTED_TEXT),
                                                   self.config.text_limit_bytes))
        payload = chosen_payload(text, self.state.choices(openid))
        metadata = {"wechat": {"msg_id": message.id, "msg_type": message.type}}
        return await self._ask_bot(message, payload or text, metadata, on_new_message, started)

    async def _event(self, message, on_new_message, started: float) -> Optional[str]:
        openid, event = message.source, (message.event or "").lower()
        if event in ("subscribe", "subscribe_scan", "unsubscribe"):
            self.state.record_subscription(openid, "unsubscribe" if event == "unsubscribe" else "subscribe",
                                           time.time())
            log.info("wechat: %s %s", masked(openid), "unsubscribed" if event == "unsubscribe" else "subscribed")
        if event in ("subscribe", "subscribe_scan"):
            metadata = {"wechat": {"event": event}}
            return await self._ask_bot(message, GREETING_INTENT, metadata, on_new_message, started)
        return None  # other events (menu views, location reports, unsubscribe) need no reply

    async def _ask_bot(self, message, text: str, metadata: dict, on_new_message, started: float) -> Optional[str]:
        openid = message.source
        turn = asyncio.ensure_future(self._turn(openid, text, metadata, on_new_message))
        budget = max(0.0, self.config.reply_budget - (time.monotonic() - started))
        done, _ = await asyncio.wait({turn}, timeout=budget)
        if turn in done:
            return self._reply(message, self._pieces(openid, turn.result()))
        log.info("wechat: answer for %s not ready within %ss; answering success, sending it later",
                 masked(openid), self.config.reply_budget)
        self._in_background(self._deliver_late(openid, turn))
        return None

    async def _turn(self, openid: str, text: str, metadata: dict, on_new_message) -> List[dict]:
        cid = conversation_id(WECHAT, openid)
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, cid, input_channel=WECHAT, metadata=metadata)
        with_person = False
        try:
            with_person = await handled_by_desk(self._server["app"].ctx.agent, message)
            if not with_person:
                await on_new_message(message)
        except Exception:  # the customer still gets the apology below; the error is in the log
            log.exception("wechat: the bot failed on a message from %s", masked(openid))
        # A person has the conversation: the agent answers through the customer-service API, nothing now.
        return ensure_reply(cid, collector.messages, expect_silence=with_person)

    def _pieces(self, openid: str, messages: List[dict]) -> List[str]:
        if not messages:  # the desk took the message: the passive reply is "success"
            return []
        text, buttons = render_messages(messages)
        if not text:  # only content WeChat text cannot show (custom payloads): never leave the user with nothing
            log.error("wechat: a turn for %s produced nothing a text message can carry", masked(openid))
            text, buttons = render_messages([apology()])
        self.state.offer_choices(openid, buttons)
        return split_text(self.sender.with_held(openid, text), self.config.text_limit_bytes)

    async def _deliver_late(self, openid: str, turn: asyncio.Future) -> None:
        await self.sender.deliver(openid, self._pieces(openid, await turn))

    def _reply(self, message, pieces: List[str]) -> Optional[str]:
        """The first piece as the passive reply; the rest follow through the customer-service API."""
        if len(pieces) > 1:
            self._in_background(self._follow_up(message.source, pieces[1:]))
        return text_reply(to_user=message.source, from_user=message.target, content=pieces[0]) if pieces else None

    async def _follow_up(self, openid: str, pieces: List[str]) -> None:
        await asyncio.sleep(FOLLOW_UP_DELAY)
        await self.sender.deliver(openid, pieces)

    def _in_background(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("wechat: sending a late answer failed", exc_info=task.exception())
