"""The load benchmark's customer side tells a reply from a lost message, and says why a message was lost (the
cause of production's losses at 1,000 conversations was found from these reasons)."""
from __future__ import annotations

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.channels.safety import BUSY_TEXT
from bot.deploy.processes import free_port
from scripts.load_channels import LOST_REASONS, rest_conversation


@pytest_asyncio.fixture
async def rest_bot():
    """A stand-in REST channel over real HTTP: 502 like nginx with no live server, then the busy notice, then a
    reply."""
    answers = iter([web.Response(status=502, text="Bad Gateway"),
                    web.json_response([{"text": BUSY_TEXT}]),
                    web.json_response([{"text": "您好"}])])

    async def webhook(_request: web.Request) -> web.Response:
        return next(answers)

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.asyncio
async def test_a_bad_gateway_is_lost_with_its_reason_and_the_busy_notice_is_a_failed_turn(rest_bot):
    LOST_REASONS.clear()
    record: list = []
    async with aiohttp.ClientSession() as http:
        await rest_conversation(http, rest_bot, 3, record, ["你好"], timeout=10)
    assert [outcome for outcome, _, _ in record] == ["lost", "failed", "reply"]
    assert dict(LOST_REASONS) == {"HTTP 502": 1}
