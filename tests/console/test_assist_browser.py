"""Agent assist in real headless Chromium: a reply with a full phone number is held with the warning beside it and
goes only with a reason; 参考答案 follows the customer's question and the draft, and 插入 fills the reply box.

Screenshots go to var/artifacts/console/.
"""
from __future__ import annotations

import pytest

from bot.channels import outbound
from bot.console.assist import Suggestion
from bot.desk import OpenHandoff, RecordCustomerMessage, load_policy
from bot.store import session_scope
from tests.console.test_console_browser import agent_page, open_page, screenshot  # noqa: F401  (fixtures)

CLAIM_NOTICE = "您好，我是人工客服王芳，接下来由我为您处理。"
RETURN_7DAY = Suggestion("return_7day_01", "网购的商品可以七天无理由退货吗？",
                         "可以。网购商品自收到之日起七日内可以无理由退货。\n\n法律依据：《消费者权益保护法》第二十五条", 0.91)
QUALITY = Suggestion("quality_sanbao_03", "衣服质量有问题可以退换吗？",
                     "有质量问题的，可以要求商家退货、更换或修理。\n\n法律依据：《消费者权益保护法》第二十四条", 0.77)


@pytest.fixture
def delivered(monkeypatch):
    sent = []

    class RecordingSender:
        async def send(self, user_id, message):
            sent.append(message["text"])

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())  # the console runs in this process
    return sent


def claimed_by_wang(agent_page, database_url, clock, customer_says=None):
    with session_scope(database_url) as session:
        case_id = OpenHandoff(session, load_policy(), clock)(
            "test:cust-5", "request", "客户要求转人工", topic="return_7day").case.id
        if customer_says:
            RecordCustomerMessage(session, load_policy(), clock)(case_id, customer_says)
    wang = agent_page("wang")
    wang.click(f"#queue li[data-case='{case_id}']")
    wang.click("#case button:has-text('接入')")
    wang.wait_for_selector("#case h1:has-text('处理中')")
    return wang


def test_a_reply_with_a_full_phone_number_is_held_and_goes_only_with_a_reason(agent_page, database_url, clock,
                                                                               delivered):
    wang = claimed_by_wang(agent_page, database_url, clock)
    reply = "好的，您的回电号码是13812345678，对吗？"
    wang.fill("textarea[name=reply]", reply)
    wang.click("#case .reply button:has-text('发送')")
    warning = wang.wait_for_selector("#case .assist-warnings li[data-code=full_phone_number]")
    assert "完整的电话号码（138****5678）" in warning.inner_text()
    wang.click("#case .reply button:has-text('发送')")  # clicking 发送 again does not send it either
    wang.wait_for_selector("#case .assist-warnings li[data-code=full_phone_number]")
    wang.click("#case button:has-text('仍然发送')")
    wang.wait_for_selector("#case .assist-warnings .error:has-text('请填写仍要发送的理由')")
    assert delivered == [CLAIM_NOTICE]
    wang.wait_for_selector("#status", state="hidden")
    screenshot(wang, "07-reply-held-for-a-full-phone-number")

    wang.fill("input[name=override_reason]", "客户要求核对回电号码")
    wang.click("#case button:has-text('仍然发送')")
    wang.wait_for_selector("#case .history li:has-text('您的回电号码是138****5678')")
    override = wang.locator("#case .history li", has_text="未按提醒修改，仍然发送")
    assert "理由：客户要求核对回电号码" in override.inner_text() and "full_phone_number" in override.inner_text()
    assert delivered == [CLAIM_NOTICE, reply]
    assert wang.input_value("textarea[name=reply]") == ""
    override.scroll_into_view_if_needed()
    screenshot(wang, "08-sent-anyway-with-a-reason")


def test_suggestions_follow_the_question_and_the_draft_and_insert_into_the_reply(agent_page, database_url, clock,
                                                                                 delivered, offered_answers):
    offered_answers.entries = [RETURN_7DAY]
    wang = claimed_by_wang(agent_page, database_url, clock, customer_says="衣服不想要了，能退吗")
    wang.wait_for_selector(f"#case .suggestions li:has-text('{RETURN_7DAY.question}')")
    assert offered_answers.asked[-1] == "衣服不想要了，能退吗"

    offered_answers.entries = [QUALITY]
    wang.locator("textarea[name=reply]").press_sequentially("衣服开线了")
    item = wang.wait_for_selector(f"#case .suggestions li:has-text('{QUALITY.question}')")
    assert offered_answers.asked[-1] == "衣服开线了"
    assert "衣服开" not in offered_answers.asked  # asked once the agent paused, not at every keystroke
    item.query_selector("button:has-text('插入')").click()
    assert wang.input_value("textarea[name=reply]") == "衣服开线了" + QUALITY.text
    assert delivered == [CLAIM_NOTICE]  # inserting never sends
    wang.wait_for_selector("#status", state="hidden")
    screenshot(wang, "09-suggestion-inserted")
