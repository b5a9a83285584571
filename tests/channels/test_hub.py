"""The hub fans a conversation's messages out to its subscribers, in process and through the real Redis."""
import asyncio
import os
import subprocess
import sys
import uuid

import pytest

from bot.channels.hub import InProcessHub, RedisHub

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _next(subscription, timeout=5.0):
    return await asyncio.wait_for(subscription.get(), timeout)


@pytest.mark.asyncio
async def test_in_process_hub_delivers_only_to_that_conversation():
    hub = InProcessHub()
    async with hub.subscribe("web:a") as a1, hub.subscribe("web:a") as a2, hub.subscribe("web:b") as b:
        await hub.publish("web:a", {"id": "1", "text": "你好"})
        assert (await _next(a1))["text"] == "你好"
        assert (await _next(a2))["text"] == "你好"
        assert b.queue.empty()
    assert hub.subscriber_count("web:a") == 0


@pytest.mark.asyncio
async def test_a_subscriber_that_stops_reading_is_told_to_resynchronise():
    hub = InProcessHub()
    async with hub.subscribe("web:slow") as slow:
        for n in range(slow.queue.maxsize + 1):
            await hub.publish("web:slow", {"id": str(n)})
        assert await slow.get() is None


@pytest.mark.asyncio
async def test_redis_hub_relays_a_message_published_by_another_process():
    conversation = f"web:{uuid.uuid4().hex}"
    hub = RedisHub(REDIS_URL)
    try:
        async with hub.subscribe(conversation) as subscription:
            publisher = (
                "import asyncio, sys\n"
                "from bot.channels.hub import RedisHub\n"
                "async def main():\n"
                "    hub = RedisHub(sys.argv[1])\n"
                "    await hub.publish(sys.argv[2], {'id': 'x1', 'text': '来自另一个进程', 'sender_name': '小王'})\n"
                "    await hub.close()\n"
                "asyncio.run(main())\n"
            )
            process = await asyncio.create_subprocess_exec(sys.executable, "-c", publisher, REDIS_URL, conversation)
            assert await process.wait() == 0
            message = await _next(subscription)
            assert message == {"id": "x1", "text": "来自另一个进程", "sender_name": "小王"}
    finally:
        await hub.close()
