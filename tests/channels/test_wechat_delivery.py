"""Sending through the customer-service API, against a local fake of it: the access token shared and
refreshed, the 48-hour window and its quota, answers held for the user's next message."""
from __future__ import annotations

import time

import pytest

from bot.channels.wechat.api import APIError, CustomerServiceAPI
from bot.channels.wechat.config import WeChatConfig
from bot.channels.wechat.delivery import HELD_NOTICE, WeChatSender
from bot.channels.wechat.state import SQLiteState
from tests.channels.wechat_platform import APP_ID, APP_SECRET, TOKEN, FakeCustomerServiceAPI


@pytest.fixture
def fake_api():
    fake = FakeCustomerServiceAPI()
    yield fake
    fake.close()


@pytest.fixture
def config(fake_api):
    return WeChatConfig(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base=fake_api.base)


@pytest.fixture
def state(tmp_path):
    return SQLiteState(tmp_path / "wechat.db")


@pytest.mark.asyncio
async def test_one_token_serves_every_process_until_it_nears_expiry(config, state, fake_api):
    first, second = CustomerServiceAPI(config, state), CustomerServiceAPI(config, SQLiteState(state.path))
    try:
        await first.send_text("o1", "你好")
        await second.send_text("o1", "再见")
        assert len(fake_api.token_calls) == 1
        assert [m["access_token"] for m in fake_api.sent] == ["token-1", "token-1"]

        state.store_access_token("token-1", time.time() + 100)  # within the refresh margin
        await second.send_text("o1", "第三条")
        assert len(fake_api.token_calls) == 2 and fake_api.sent[-1]["access_token"] == "token-2"
    finally:
        await first.close()
        await second.close()


@pytest.mark.asyncio
async def test_a_rejected_token_is_replaced_and_the_message_sent_once(config, state, fake_api):
    api = CustomerServiceAPI(config, state)
    try:
        await api.send_text("o1", "一")  # issues token-1
        state.store_access_token("revoked-elsewhere", time.time() + 7000)
        await api.send_text("o1", "二")
        assert [m["text"]["content"] for m in fake_api.sent] == ["一", "二"]
        assert fake_api.sent[-1]["access_token"] == "token-2"
    finally:
        await api.close()


@pytest.mark.asyncio
async def test_a_wrong_secret_is_an_error_not_a_crash(fake_api, state):
    bad = WeChatConfig(token=TOKEN, app_id=APP_ID, app_secret="wrong", api_base=fake_api.base)
    api = CustomerServiceAPI(bad, state)
    try:
        with pytest.raises(APIError) as error:
            await api.send_text("o1", "你好")
        assert error.value.errcode == 40013 and "wrong" not in str(error.value)
    finally:
        await api.close()


@pytest.mark.asyncio
async def test_within_the_window_an_agent_reply_arrives_with_its_choices(config, state, fake_api):
    sender = WeChatSender(config, state, CustomerServiceAPI(config, state))
    state.user_wrote("o1", time.time() - 3600)
    try:
        await sender.send("o1", {"text": "您的订单已退款。", "sender_name": "客服小王",
                                 "buttons": [{"title": "满意", "payload": "/affirm"}]})
    finally:
        await sender.api.close()
    assert fake_api.texts_to("o1") == ["【客服小王】您的订单已退款。\n回复数字：\n1. 满意"]
    assert state.choices("o1") == [{"title": "满意", "payload": "/affirm"}]


@pytest.mark.asyncio
async def test_beyond_48_hours_nothing_is_sent_and_the_answer_waits(config, state, fake_api):
    sender = WeChatSender(config, state, CustomerServiceAPI(config, state))
    state.user_wrote("o1", time.time() - 49 * 3600)
    try:
        assert await sender.deliver("o1", ["迟到的答复"]) is False
    finally:
        await sender.api.close()
    assert fake_api.sent == [] and fake_api.rejected == []
    assert sender.with_held("o1", "新的答复") == f"{HELD_NOTICE}\n\n迟到的答复\n\n——\n\n新的答复"
    assert sender.with_held("o1", "再下一条") == "再下一条"  # held answers go out once


@pytest.mark.asyncio
async def test_the_platform_saying_45015_holds_the_rest(config, state, fake_api):
    sender = WeChatSender(config, state, CustomerServiceAPI(config, state))
    state.user_wrote("o1", time.time())
    fake_api.send_errors = [0, 45015]
    try:
        assert await sender.deliver("o1", ["第一段", "第二段", "第三段"]) is False
    finally:
        await sender.api.close()
    assert fake_api.texts_to("o1") == ["第一段"]
    assert state.take_pending("o1") == ["第二段\n\n第三段"]


@pytest.mark.asyncio
async def test_no_more_than_five_messages_per_user_message(config, state, fake_api):
    sender = WeChatSender(config, state, CustomerServiceAPI(config, state))
    state.user_wrote("o1", time.time())
    try:
        await sender.deliver("o1", [f"第{i}段" for i in range(1, 5)])
        await sender.deliver("o1", ["第5段", "第6段"])
    finally:
        await sender.api.close()
    assert fake_api.texts_to("o1") == [f"第{i}段" for i in range(1, 6)]
    assert state.take_pending("o1") == ["第6段"]
