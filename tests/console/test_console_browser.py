"""The console in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): two agents, a case
that arrives, is claimed, answered, and transferred while its first-contact owner keeps it.

Screenshots go to var/artifacts/console/ (kept after the run, for people to look at).
"""
from __future__ import annotations

import pytest

from bot.channels import outbound
from bot.desk import OpenHandoff, RecordCustomerMessage, load_policy
from bot.store import session_scope
from tests.browser import fresh_pages, save_screenshot
from tests.console.conftest import PASSWORD

playwright_sync = pytest.importorskip("playwright.sync_api")

ARTIFACTS = "console"  # under var/artifacts/
INJECTION = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture
def open_page(console):
    """``open_page()`` → a console page in a fresh browser profile."""
    with fresh_pages("console-profile-", locale="zh-CN", timeout_ms=30_000) as pages:
        yield lambda: pages.open(console + "/", {"width": 1280, "height": 800})


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.fixture
def agent_page(open_page):
    """``agent_page("wang")`` → a console page signed in as that agent, who is then online."""

    def signed_in(username: str):
        page = open_page()
        log_in(page, username)
        page.wait_for_selector("#workspace:not([hidden])")
        page.check("#online")
        return page

    return signed_in


def screenshot(page, name: str) -> None:
    save_screenshot(page, ARTIFACTS, name, full_page=True)


def test_a_wrong_password_is_told_and_nothing_opens(open_page):
    page = open_page()
    log_in(page, "wang", "wrong password")
    page.wait_for_selector("#login-error:has-text('用户名或密码不正确')")
    assert page.is_hidden("#workspace")


def test_a_case_arrives_is_claimed_answered_and_transferred_while_the_owner_keeps_it(
    agent_page, database_url, clock, monkeypatch
):
    delivered = []

    class RecordingSender:
        async def send(self, user_id, message):
            delivered.append((user_id, message))

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())  # the console runs in this process
    wang = agent_page("wang")
    li = agent_page("li")
    wang.wait_for_selector("#queue-badge:has-text('0')")

    with session_scope(database_url) as session:
        case_id = OpenHandoff(session, load_policy(), clock)(
            "test:cust-9", "injury", f"充电宝起火把手烫伤了 {INJECTION}", topic="quality_sanbao").case.id
    # The agent is told without reloading: badge and queue update by themselves.
    wang.wait_for_selector("#queue-badge:has-text('1')")
    wang.click(f"#queue li[data-case='{case_id}']")
    wang.wait_for_selector("#case h1:has-text('排队中')")
    assert INJECTION in wang.inner_text("#case")  # shown as text, never run
    assert wang.evaluate("window.__pwned") is None
    screenshot(wang, "01-case-arrived")

    wang.click("#case button:has-text('接入')")
    wang.wait_for_selector("#case h1:has-text('处理中')")
    wang.fill("textarea[name=reply]", "您好，我是王芳，先请您注意安全，我马上联系商家。")
    wang.click("#case button:has-text('发送')")
    wang.wait_for_selector("#case .history li:has-text('您好，我是王芳')")
    assert [(user, m["text"], m["sender_name"]) for user, m in delivered] == [
        ("cust-9", "您好，我是人工客服王芳，接下来由我为您处理。", "王芳"),
        ("cust-9", "您好，我是王芳，先请您注意安全，我马上联系商家。", "王芳"),
    ]
    screenshot(wang, "02-claimed-and-answered")

    wang.select_option("select[name=to_agent]", "li")
    wang.fill("input[name=reason]", "李强熟悉这家商家")
    wang.click("form.inline:has-text('转接给') button[type=submit]")
    wang.wait_for_selector("#case .owner:has-text('当前处理：李强')")
    # 王芳 stays the first-contact owner: the case is still in her "我负责的" list, now with 李强.
    wang.wait_for_selector(f"#owned li[data-case='{case_id}']:has-text('当前：李强')")
    assert wang.locator(f"#working li[data-case='{case_id}']").count() == 0
    screenshot(wang, "03-owner-after-transfer")

    li.wait_for_selector(f"#working li[data-case='{case_id}']")
    li.wait_for_selector("#notifications li:has-text('王芳 把会话')")
    li.click(f"#working li[data-case='{case_id}']")
    li.wait_for_selector("#case .owner:has-text('首问负责人：王芳')")
    screenshot(li, "04-colleague-after-transfer")


def test_an_agent_notes_privately_adapts_a_canned_reply_and_reveals_a_masked_phone_for_a_reason(
    agent_page, database_url, clock, monkeypatch
):
    delivered = []

    class RecordingSender:
        async def send(self, user_id, message):
            delivered.append(message["text"])

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())
    with session_scope(database_url) as session:
        case_id = OpenHandoff(session, load_policy(), clock)(
            "test:cust-7", "request", "客户要求转人工", topic="return_7day").case.id
    wang = agent_page("wang")
    dialogs = []
    wang.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    wang.click(f"#queue li[data-case='{case_id}']")
    wang.click("#case button:has-text('接入')")
    wang.wait_for_selector("#case h1:has-text('处理中')")
    with session_scope(database_url) as session:
        RecordCustomerMessage(session, load_policy(), clock)(case_id, "衣服不想要了能退吗？我电话13812345678")
    wang.wait_for_selector("#case .history li:has-text('我电话138****5678')")  # arrives by itself, masked
    assert "13812345678" not in wang.inner_text("#case")

    wang.select_option("select[name=canned]", label="七日无理由退货")
    assert "第二十五条" in wang.input_value("textarea[name=reply]")
    wang.locator("textarea[name=reply]").press_sequentially("您的订单还在七天内，可以申请。")

    wang.fill("input[name=private_note]", "客户第二次来问，语气着急")
    wang.click("form.inline:has-text('内部备注') button[type=submit]")
    note = wang.wait_for_selector("#case .history li.private-note:has-text('客户第二次来问')")
    assert "备注" in note.inner_text()
    assert wang.input_value("textarea[name=reply]").endswith("可以申请。")  # the draft survives the note
    assert delivered == ["您好，我是人工客服王芳，接下来由我为您处理。"]  # neither the insert nor the note sent anything
    wang.click("#case button:has-text('发送')")
    wang.wait_for_selector("#case .history li:has-text('可以申请。')")
    assert delivered[-1].startswith("网购、电视购物") and "第二十五条" in delivered[-1]
    assert delivered[-1].endswith("您的订单还在七天内，可以申请。")

    message = wang.locator("#case .history li", has_text="我电话138****5678")
    message.locator("button:has-text('显示完整信息')").click()
    message.locator("input[name=reveal_reason]").fill("客户要求回电")
    wang.wait_for_selector("#status", state="hidden")  # the toast would cover the form in the screenshot
    screenshot(wang, "05-reveal-asks-why")
    message.locator("button[type=submit]").click()
    wang.wait_for_selector("#case .history li:has-text('我电话13812345678')")
    audit = wang.wait_for_selector("#case .history li:has-text('查看完整信息'):has-text('原因：客户要求回电')")
    assert "agent:wang" in audit.inner_text()
    assert wang.locator("#case .history li:has-text('13812345678')").count() == 1  # in that entry only
    assert dialogs == []
    screenshot(wang, "06-note-canned-reply-and-revealed-phone")


def test_an_agent_files_a_complaint_for_the_customer_from_the_case(agent_page, database_url, clock, bot_trackers,
                                                                   monkeypatch):
    delivered = []

    class RecordingSender:
        async def send(self, user_id, message):
            delivered.append(message["text"])

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())
    bot_trackers["test:cust-8"] = {"slots": {}, "events": [
        {"event": "user", "text": "我11月20日在京东小熊电器旗舰店买了一个电水壶，花了199元，用了两天壶底就漏水了，"
                                  "联系过客服也不给退，我要求退货"}]}
    with session_scope(database_url) as session:
        case_id = OpenHandoff(session, load_policy(), clock)(
            "test:cust-8", "request", "客户要求转人工", topic="quality_sanbao").case.id
    wang = agent_page("wang")
    wang.click(f"#queue li[data-case='{case_id}']")
    wang.click("#case button:has-text('接入')")
    wang.wait_for_selector("#case h1:has-text('处理中')")

    wang.click("#case button:has-text('登记投诉')")
    wang.wait_for_selector(".complaint-form")
    assert wang.input_value("input[name=complaint_business]") == "京东上的小熊电器旗舰店"  # from what the customer said
    assert wang.input_value("input[name=complaint_amount]") == "199.00 元"
    wang.fill("input[name=complaint_amount]", "很多钱")
    wang.fill("input[name=complaint_name]", "张三")
    wang.fill("input[name=complaint_phone]", "13812345678")
    wang.check("input[name=customer_consented]")
    wang.click(".complaint-form button[type=submit]")
    wang.wait_for_selector(".complaint-form [data-problem=complaint_amount]:has-text('没能读懂「很多钱」')")
    assert wang.locator(".complaint-form .problem:not(:empty)").count() == 1  # beside that field only
    wang.wait_for_selector("#status", state="hidden")
    screenshot(wang, "07-complaint-form-says-what-to-fix")

    wang.fill("input[name=complaint_amount]", "199")
    wang.click(".complaint-form button[type=submit]")
    wang.wait_for_selector("#case .complaints li:has-text('TS-20261201-000001'):has-text('已关联本会话')")
    wang.wait_for_selector("#case .history li:has-text('登记投诉'):has-text('TS-20261201-000001')")
    assert wang.locator(".complaint-form").count() == 0 and wang.locator("#case button:has-text('登记投诉')").count() == 0
    assert delivered[-1].startswith("已为您登记投诉，投诉编号：TS-20261201-000001。")
    wang.wait_for_selector("#status", state="hidden")
    wang.locator("#case .complaints").scroll_into_view_if_needed()
    screenshot(wang, "08-complaint-filed-and-linked")
