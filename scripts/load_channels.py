"""The customer side of each channel for scripts/bench_load.py: one closed-loop conversation per call.

- ``rest``: POST /webhooks/rest/webhook, the replies in the response.
- ``web`` (the website widget, bot/channels/web.py): POST /webhooks/web/session for a signed session token, then
  POST /webhooks/web/webhook ``{"token", "message", "client_message_id"}`` (``text/plain``, as widget.js sends it);
  the bot's replies for that message come back in the response (``{"duplicate", "messages"}``).
- ``wechat`` (bot/channels/wechat, compatible/plain mode): the platform's signed text XML posted to
  /webhooks/wechat/webhook; answered by a passive XML reply with text, or — when the bot misses the reply budget
  and answers ``success`` — by a customer-service message to that openid, which :class:`FakeWeChatAPI` records.

Every conversation appends ``(outcome, seconds, channel)`` per message to ``record``: outcome ``reply``,
``failed`` (the never-silent apology, or the busy notice past the reply budget) or ``lost`` (no reply within the
timeout); why each lost message was lost (an HTTP status, a client error's class, ``timeout``, ``no reply``) is
counted in :data:`LOST_REASONS`.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections import Counter
from typing import Dict, List, Optional

import aiohttp
from aiohttp import web

from bot.channels.safety import APOLOGY_TEXT, BUSY_TEXT
from bot.channels.wechat.protocol import Refused, parse_xml

CHANNELS = ("rest", "web", "wechat")
WECHAT_WEBHOOK = "/webhooks/wechat/webhook"
WECHAT_ACCOUNT = "gh_0bench0load0"
# Why messages were lost, for the benchmark's report (reset by it per measurement).
LOST_REASONS: Counter = Counter()


def _reason(error: BaseException) -> str:
    return "timeout" if isinstance(error, asyncio.TimeoutError) else type(error).__name__


def _outcome(texts: List[str], any_reply: bool) -> str:
    if any(notice in text for text in texts if text for notice in (APOLOGY_TEXT, BUSY_TEXT)):
        return "failed"
    return "reply" if any_reply else "lost"


async def rest_conversation(http: aiohttp.ClientSession, url: str, messages: int, record: list,
                            script: List[str], timeout: float) -> None:
    sender = f"load-{uuid.uuid4().hex[:12]}"
    for n in range(messages):
        started = time.monotonic()
        outcome = "lost"
        try:
            async with http.post(f"{url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": script[n % len(script)]}) as answer:
                replies = await answer.json(content_type=None) if answer.status == 200 else []
            outcome = _outcome([reply.get("text") or "" for reply in replies],
                               any(reply.get("text") or reply.get("buttons") for reply in replies))
            if outcome == "lost":
                LOST_REASONS["no reply" if answer.status == 200 else f"HTTP {answer.status}"] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            LOST_REASONS[_reason(error)] += 1
        record.append((outcome, time.monotonic() - started, "rest"))


async def _web_post(http: aiohttp.ClientSession, url: str, path: str, body: dict) -> Optional[dict]:
    async with http.post(f"{url}/webhooks/web/{path}", data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                         headers={"Content-Type": "text/plain;charset=UTF-8"}) as answer:
        return await answer.json(content_type=None) if answer.status == 200 else None


async def web_conversation(http: aiohttp.ClientSession, url: str, messages: int, record: list,
                           script: List[str], timeout: float) -> None:
    token: Optional[str] = None
    for n in range(messages):
        started = time.monotonic()
        outcome = "lost"
        try:
            if token is None:  # the widget asks for its session when it opens; counted in the first message's time
                session = await _web_post(http, url, "session", {})
                token = session["token"] if session else None
            if token is not None:
                answer = await _web_post(http, url, "webhook", {
                    "token": token, "message": script[n % len(script)], "client_message_id": "m" + uuid.uuid4().hex})
                replies = (answer or {}).get("messages") or []
                outcome = _outcome([r.get("text") or "" for r in replies],
                                   any(r.get("text") or r.get("buttons") for r in replies))
            if outcome == "lost":
                LOST_REASONS["no session" if token is None else "no reply"] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError, TypeError) as error:
            LOST_REASONS[_reason(error)] += 1
        record.append((outcome, time.monotonic() - started, "web"))


def wechat_sign(*parts: str) -> str:
    """The platform's signature: SHA-1 over the parts (token, timestamp, nonce) sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _text_xml(openid: str, content: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{WECHAT_ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{uuid.uuid4().int % 10**18}</MsgId></xml>")


class FakeWeChatAPI:
    """The customer-service API (``/cgi-bin/token``, ``/cgi-bin/message/custom/send``) on a loopback port, in a
    thread of its own (it outlives each ``asyncio.run`` of the benchmark), recording the texts sent per openid."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self._lock = threading.Lock()
        self._sent: Dict[str, List[str]] = {}
        self._tokens: List[str] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = 0

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    async def _token(self, request: web.Request) -> web.Response:
        if request.query.get("appid") != self.app_id or request.query.get("secret") != self.app_secret:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens.append(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def _send(self, request: web.Request) -> web.Response:
        with self._lock:
            if request.query.get("access_token") not in self._tokens:
                return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        try:
            body = json.loads(await request.read())  # the bot posts JSON bytes without a JSON content type
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        text = ((body.get("text") or {}).get("content") or "") if isinstance(body, dict) else ""
        with self._lock:
            self._sent.setdefault(str(body.get("touser")), []).append(text)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def __enter__(self) -> "FakeWeChatAPI":
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *_) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def texts_to(self, openid: str) -> List[str]:
        with self._lock:
            return list(self._sent.get(openid, []))


async def wechat_conversation(http: aiohttp.ClientSession, url: str, messages: int, record: list,
                              script: List[str], timeout: float, token: str, api: FakeWeChatAPI) -> None:
    openid = "o" + uuid.uuid4().hex[:27]  # openids are 28 characters
    for n in range(messages):
        started = time.monotonic()
        outcome = "lost"
        already = len(api.texts_to(openid))
        try:
            timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
            query = {"signature": wechat_sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
            async with http.post(f"{url}{WECHAT_WEBHOOK}", params=query,
                                 data=_text_xml(openid, script[n % len(script)]).encode("utf-8"),
                                 headers={"Content-Type": "text/xml"}) as answer:
                body = await answer.read() if answer.status == 200 else b""
            content = ""
            if body and body.strip() != b"success":
                content = parse_xml(body).get("Content") or ""
            if content:
                outcome = _outcome([content], True)
            elif answer.status == 200:  # "success": the answer comes later through the customer-service API
                deadline = started + timeout
                while time.monotonic() < deadline:
                    sent = api.texts_to(openid)[already:]
                    if sent:
                        outcome = _outcome(sent, True)
                        break
                    await asyncio.sleep(0.05)
            if outcome == "lost":
                LOST_REASONS["no reply" if answer.status == 200 else f"HTTP {answer.status}"] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, Refused) as error:
            LOST_REASONS[_reason(error)] += 1
        record.append((outcome, time.monotonic() - started, "wechat"))
