"""The customer-service message API (``/cgi-bin/message/custom/send``) and its access token (``/cgi-bin/token``).

The token is cached in the channel state, so every process uses the one token (fetching a new one invalidates
the old after a few minutes, so processes must not each fetch their own); it is refreshed ``REFRESH_MARGIN``
seconds before it expires, by one process at a time under a cross-process lock. wechatpy's client is
synchronous (requests) and keeps the expiry per process, so this small aiohttp client does the two calls.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Optional

import aiohttp

from bot.channels.wechat.config import WeChatConfig
from bot.channels.wechat.state import ChannelState

log = logging.getLogger(__name__)

REFRESH_MARGIN = 300
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid, malformed or expired access token
OUT_OF_WINDOW = 45015  # the user has not written within 48 hours (or unsubscribed)
OUT_OF_QUOTA = 45047  # more customer-service messages than the user's message allows


class APIError(RuntimeError):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode


class CustomerServiceAPI:
    def __init__(self, config: WeChatConfig, state: ChannelState, timeout: float = 10.0):
        self.config = config
        self.state = state
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def send_text(self, openid: str, content: str) -> None:
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        for attempt in range(2):
            token = await self.access_token(force_refresh=attempt > 0)
            result = await self._call(
                "POST", "/cgi-bin/message/custom/send", params={"access_token": token},
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            )
            errcode = int(result.get("errcode", 0))
            if errcode == 0:
                return
            if errcode not in TOKEN_ERRORS or attempt:
                raise APIError(errcode, str(result.get("errmsg", "")))
            log.info("wechat: access token rejected (%s), fetching a new one", errcode)

    async def access_token(self, force_refresh: bool = False) -> str:
        cached = self.state.access_token()
        if cached and not force_refresh and cached[1] - time.time() > REFRESH_MARGIN:
            return cached[0]
        # One process refreshes; the others wait for its token instead of invalidating it with their own.
        for _ in range(50):
            owner = self.state.acquire("access_token", ttl=15)
            if owner:
                try:
                    fresh = self.state.access_token()
                    if fresh and fresh != cached and fresh[1] - time.time() > REFRESH_MARGIN:
                        return fresh[0]
                    return await self._fetch_token()
                finally:
                    self.state.release("access_token", owner)
            await asyncio.sleep(0.1)
            fresh = self.state.access_token()
            if fresh and fresh != cached and fresh[1] - time.time() > REFRESH_MARGIN:
                return fresh[0]
        raise APIError(-1, "could not obtain the access-token lock")

    async def _fetch_token(self) -> str:
        result = await self._call("GET", "/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self.config.app_id, "secret": self.config.app_secret,
        })
        if "access_token" not in result:
            raise APIError(int(result.get("errcode", -1)), str(result.get("errmsg", "no access_token")))
        expires_at = time.time() + int(result.get("expires_in", 7200))
        self.state.store_access_token(result["access_token"], expires_at)
        log.info("wechat: fetched a new access token, valid for %ss", result.get("expires_in", 7200))
        return result["access_token"]

    async def _call(self, method: str, path: str, **kwargs) -> dict:
        url = self.config.api_base + path
        try:
            async with self._http().request(method, url, **kwargs) as response:
                text = await response.text()
                if response.status != 200:
                    raise APIError(-1, f"HTTP {response.status} from {path}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise APIError(-1, f"{type(error).__name__} calling {path}") from None
        try:
            return json.loads(text)
        except ValueError:
            raise APIError(-1, f"{path} did not return JSON") from None
