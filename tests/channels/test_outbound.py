import pytest

from bot.channels import hub, outbound
from bot.channels.identity import InvalidConversationId


class RecordingSender:
    def __init__(self):
        self.sent = []

    async def send(self, user_id, message):
        self.sent.append((user_id, message))


@pytest.fixture
def in_process_hub():
    local = hub.InProcessHub()
    hub.set_hub(local)
    yield local
    hub.set_hub(None)


@pytest.mark.asyncio
async def test_deliver_routes_by_channel_to_the_registered_sender(monkeypatch):
    sender = RecordingSender()
    monkeypatch.setattr(outbound, "_senders", dict(outbound._senders))  # registration does not outlive the test
    outbound.register_channel("wechat", sender)
    await outbound.deliver("wechat:openid-1", {"text": "您好，我是客服小王", "sender_name": "小王"})
    [(user_id, message)] = sender.sent
    assert user_id == "openid-1"
    assert message["text"] == "您好，我是客服小王" and message["sender_name"] == "小王" and message["id"]


@pytest.mark.asyncio
async def test_web_delivery_reaches_the_open_widget_through_the_hub(in_process_hub):
    original = {"text": "我是客服小李，已收到您的问题", "sender_name": "小李"}
    async with in_process_hub.subscribe("web:session1") as page:
        await outbound.deliver("web:session1", original)
        pushed = await page.get()
    assert pushed["sender_name"] == "小李" and pushed["text"] == original["text"]
    assert "id" not in original  # the caller's message is not changed


@pytest.mark.asyncio
async def test_undeliverable_messages_fail_loudly():
    with pytest.raises(outbound.UndeliverableError, match="no sender registered for channel 'telegram'"):
        await outbound.deliver("telegram:1", {"text": "hi"})
    with pytest.raises(InvalidConversationId):
        await outbound.deliver("no-channel", {"text": "hi"})
    with pytest.raises(ValueError, match="needs text"):
        await outbound.deliver("web:abc", {"text": ""})
