"""Fan-out of messages to the connections a customer holds open, wherever they are held.

A widget page keeps one push connection to one Rasa process. A message for that customer may be produced in any
process (another Sanic worker, the agent console), so producers publish to the hub and every process relays what
it receives to the connections it holds. Embedded profile: :class:`InProcessHub` (one process). Production
profile (``BOT_REDIS_URL`` set): :class:`RedisHub`, one Redis pub/sub subscription per process.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from contextlib import asynccontextmanager
from typing import AsyncIterator, Dict, Optional, Set

logger = logging.getLogger(__name__)

REDIS_CHANNEL_PREFIX = "bot:outbound:"
# A connection that stops reading must not grow memory without bound; beyond this it is dropped and the page
# catches up from the history on reconnect.
SUBSCRIBER_QUEUE_SIZE = 256


class Subscription:
    """Messages for one conversation, in order, as an async iterator."""

    def __init__(self) -> None:
        self.queue: "asyncio.Queue[Optional[dict]]" = asyncio.Queue(SUBSCRIBER_QUEUE_SIZE)
        self.overflowed = False

    def offer(self, message: Optional[dict]) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True

    async def get(self) -> Optional[dict]:
        """The next message; ``None`` when this subscriber fell too far behind and must resynchronise."""
        if self.overflowed:
            return None
        return await self.queue.get()


class InProcessHub:
    """Delivers to subscribers in this process only."""

    def __init__(self) -> None:
        self._subscribers: Dict[str, Set[Subscription]] = {}

    async def publish(self, conversation_id: str, message: dict) -> None:
        self.dispatch(conversation_id, message)

    def dispatch(self, conversation_id: str, message: dict) -> None:
        for subscription in list(self._subscribers.get(conversation_id, ())):
            subscription.offer(message)

    def subscriber_count(self, conversation_id: str) -> int:
        return len(self._subscribers.get(conversation_id, ()))

    @asynccontextmanager
    async def subscribe(self, conversation_id: str) -> AsyncIterator[Subscription]:
        await self.start()
        subscription = Subscription()
        self._subscribers.setdefault(conversation_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            remaining = self._subscribers.get(conversation_id, set())
            remaining.discard(subscription)
            if not remaining:
                self._subscribers.pop(conversation_id, None)

    async def start(self) -> None:
        """Nothing to connect in process."""

    async def close(self) -> None:
        self._subscribers.clear()


class RedisHub(InProcessHub):
    """Publishes through Redis; one pattern subscription per process relays to local subscribers."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._redis = None
        self._reader: Optional[asyncio.Task] = None
        self._ready: Optional[asyncio.Event] = None

    def _client(self):
        if self._redis is None:
            import redis.asyncio as redis  # rasa depends on redis; imported late so the embedded profile needs none

            self._redis = redis.from_url(self.url)
        return self._redis

    async def publish(self, conversation_id: str, message: dict) -> None:
        payload = json.dumps(message, ensure_ascii=False)
        await self._client().publish(REDIS_CHANNEL_PREFIX + conversation_id, payload)

    async def start(self) -> None:
        if self._reader is None or self._reader.done():
            self._ready = asyncio.Event()
            self._reader = asyncio.get_running_loop().create_task(self._relay())
        await self._ready.wait()

    async def _relay(self) -> None:
        delay = 0.5
        while True:
            pubsub = self._client().pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(REDIS_CHANNEL_PREFIX + "*")
                self._ready.set()
                delay = 0.5
                async for item in pubsub.listen():
                    if item.get("type") != "pmessage":
                        continue
                    channel = item["channel"].decode() if isinstance(item["channel"], bytes) else item["channel"]
                    try:
                        message = json.loads(item["data"])
                    except (TypeError, ValueError):
                        logger.warning("hub: ignoring a malformed message on %s", channel)
                        continue
                    self.dispatch(channel[len(REDIS_CHANNEL_PREFIX):], message)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis restarted or unreachable: keep retrying, pages resync from history
                logger.warning("hub: Redis subscription lost (%s); retrying in %.1fs", error, delay)
                self._ready.set()  # do not block subscribers while Redis is away
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            finally:
                try:
                    await pubsub.close()
                except Exception:  # the connection is already gone
                    pass

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
            self._reader = None
        if self._redis is not None:
            await self._redis.close()
            self._redis = None
        await super().close()


_hub: Optional[InProcessHub] = None


def get_hub() -> InProcessHub:
    """The process's hub: Redis when ``BOT_REDIS_URL`` is set, else in process."""
    global _hub
    if _hub is None:
        url = os.environ.get("BOT_REDIS_URL")
        _hub = RedisHub(url) if url else InProcessHub()
    return _hub


def set_hub(hub: Optional[InProcessHub]) -> None:
    """Replace the process's hub (tests; ``None`` chooses again from the environment)."""
    global _hub
    _hub = hub
