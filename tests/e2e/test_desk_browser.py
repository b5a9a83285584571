"""A hand-off from start to close, as the three people involved see it, in real headless Chromium (Debian's
/usr/bin/chromium, driven by Playwright): a customer on the website widget of the running bot, and two agents in
the console, which reaches the customer through the bot's relay exactly as ``scripts/run-bot.sh`` wires it.

Screenshots go to var/artifacts/desk/ (kept after the run, for people to look at).
"""
from __future__ import annotations

import json
import threading
import time

import pytest
import uvicorn

from bot.channels.relay_client import RasaRelay
from bot.console import create_app
from bot.console.app import HANDED_BACK_NOTICE
from bot.console.transcript import RasaTranscript
from bot.desk import AddAgent, Handoff, load_policy
from bot.desk.messages import CONFIRMED_REPLY
from bot.desk.satisfaction import THANKS
from bot.store import session_scope
from tests.browser import fresh_pages, save_screenshot
from tests.e2e.bot_process import free_port
from tests.e2e.conftest import AGENT_PASSWORD, SKILLS

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e

ARTIFACTS = "desk"  # under var/artifacts/


@pytest.fixture(scope="module")
def console(bot):
    """The console on a free port over the bot's own database, sending to customers through the bot."""
    policy = load_policy(bot.env["BOT_DESK_POLICY"])
    with session_scope(bot.database_url) as session:
        AddAgent(session, policy)("wang", AGENT_PASSWORD, skills=SKILLS, display_name="王芳")
        AddAgent(session, policy)("li", AGENT_PASSWORD, skills=SKILLS, display_name="李强")
    relay = RasaRelay(bot.url, bot.env["BOT_DESK_RELAY_KEY"].encode())
    app = create_app(bot.database_url, policy, send_to_customer=relay.send,
                     read_tracker=RasaTranscript(bot.url).tracker)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    """``browser(url, viewport)`` → a page at ``url`` in a fresh browser profile."""
    with fresh_pages("desk-profile-", locale="zh-CN", timeout_ms=120_000) as pages:
        yield pages.open


def screenshot(page, name: str) -> None:
    save_screenshot(page, ARTIFACTS, name)


def agent_signed_in(browser, console: str, username: str):
    page = browser(console + "/", {"width": 1280, "height": 900})
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", AGENT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#workspace:not([hidden])")
    page.check("#online")
    return page


def customer_writes(page, text: str) -> None:
    """The customer sends a message and the widget has finished the turn (answered or not)."""
    page.fill(".crw-input", text)
    page.press(".crw-input", "Enter")
    page.wait_for_selector(f".crw-user .crw-text:has-text('{text}')")
    page.wait_for_selector(".crw-typing", state="hidden")


def agent_message(page, text: str):
    message = page.locator(".crw-agent", has_text=text).last
    message.wait_for()
    return message


def case_of(bot, conversation_id: str) -> Handoff:
    with session_scope(bot.database_url) as session:
        return session.query(Handoff).filter_by(conversation_id=conversation_id).one()


def test_a_customer_is_handed_to_an_agent_transferred_handed_back_and_closed_on_their_confirmation(
    bot, console, browser
):
    customer = browser(f"{bot.url}/chat/", {"width": 360, "height": 740})
    customer.click(".crw-launcher")
    customer.wait_for_selector('.crw-status[data-state="online"]')
    wang = agent_signed_in(browser, console, "wang")
    li = agent_signed_in(browser, console, "li")

    customer_writes(customer, "网上买的衣服不想要了，七天内能退吗")
    customer.locator(".crw-bot:has(.crw-basis)").last.wait_for()
    customer_writes(customer, "网上买的羽绒服跑绒很严重，商家不给退，我要转人工")
    assert "正在为您转接人工客服" in customer.locator(".crw-bot").last.inner_text()
    conversation = "web:" + json.loads(customer.evaluate("localStorage.getItem('crw:session')"))
    case_id = case_of(bot, conversation).id
    screenshot(customer, "01-customer-queued")

    # The agent sees the case arrive and takes it; the customer is told who has it.
    wang.click(f"#queue li[data-case='{case_id}']")
    wang.wait_for_selector("#case h1:has-text('排队中')")
    assert "网上买的羽绒服跑绒很严重" in wang.inner_text("#case")
    # Beside the case: what the customer asked the bot before, and what its retrieval found.
    wang.wait_for_selector("#case .transcript li.from-customer:has-text('七天内能退吗')")
    found = wang.locator("#case .transcript details.retrieval").first
    assert found.locator("summary").inner_text() == "机器人检索：直接答复"
    found.locator("summary").click()
    assert "return_7day_01" in found.inner_text()
    wang.click("#case button:has-text('接入')")
    wang.wait_for_selector("#case h1:has-text('处理中')")
    greeting = agent_message(customer, "您好，我是人工客服王芳")
    assert greeting.locator(".crw-sender").inner_text() == "人工客服 · 王芳"

    # The customer's words reach the agent, not the bot; numbers are masked on the agent's screen.
    bots_before = customer.locator(".crw-bot").count()
    customer_writes(customer, "订单号 A123，我的电话13812345678")
    wang.wait_for_selector("#case .history li:has-text('订单号 A123，我的电话138****5678')")
    assert customer.locator(".crw-bot").count() == bots_before
    wang.fill("textarea[name=reply]", "收到，我先联系商家核实。")
    wang.click("#case button:has-text('发送')")
    agent_message(customer, "收到，我先联系商家核实。")
    screenshot(wang, "02-agent-replying")
    screenshot(customer, "02-customer-with-agent")

    # A transfer changes who works on the case, never who answers for it.
    wang.select_option("select[name=to_agent]", "li")
    wang.fill("input[name=reason]", "李强负责这家商家")
    wang.click("form.inline:has-text('转接给') button[type=submit]")
    wang.wait_for_selector(f"#owned li[data-case='{case_id}']:has-text('当前：李强')")
    agent_message(customer, "您的问题已转给李强继续处理；王芳作为首问负责人会跟进到办结。")
    li.wait_for_selector(f"#working li[data-case='{case_id}']")
    li.click(f"#working li[data-case='{case_id}']")
    li.wait_for_selector("#case .owner:has-text('首问负责人：王芳')")
    li.fill("textarea[name=reply]", "我是李强，商家已同意退货退款。")
    li.click("#case button:has-text('发送')")
    reply = agent_message(customer, "我是李强，商家已同意退货退款。")
    assert reply.locator(".crw-sender").inner_text() == "人工客服 · 李强"
    screenshot(li, "03-colleague-after-transfer")

    # Handed back, the bot answers again, with the legal basis.
    li.click("#case button:has-text('交回机器人')")
    customer.locator(".crw-bot", has_text=HANDED_BACK_NOTICE).wait_for()
    customer_writes(customer, "网上买的衣服不想要了，七天内能退吗")
    customer.locator(".crw-bot:has(.crw-basis)").last.wait_for()
    assert "第25条" in customer.locator(".crw-bot:has(.crw-basis)").last.inner_text()

    # The result is proposed; the case closes only when the customer confirms it.
    li.wait_for_selector("input[name=summary]")
    li.fill("input[name=summary]", "商家同意退货退款 499 元")
    li.click("form.inline:has-text('提交处理结果') button[type=submit]")
    li.wait_for_selector("#case h1:has-text('待客户确认')")
    proposal = agent_message(customer, "处理结果：商家同意退货退款 499 元")
    assert case_of(bot, conversation).status_value == "awaiting_confirmation"
    screenshot(customer, "04-customer-asked-to-confirm")
    proposal.locator(".crw-choice", has_text="已解决，确认结案").click()
    customer.locator(".crw-bot", has_text=CONFIRMED_REPLY).wait_for()
    assert case_of(bot, conversation).status_value == "closed"
    wang.wait_for_selector(f"#notifications li:has-text('客户已确认会话 {case_id} 的处理结果，已结案')")
    wang.wait_for_selector(f"#owned li[data-case='{case_id}']", state="detached")
    screenshot(customer, "05-customer-confirmed")
    screenshot(wang, "05-owner-told-of-closure")

    # Asked once how satisfied they were; the rating counts for the owner, who is told.
    question = customer.locator(".crw-bot", has_text="本次人工服务您满意吗")
    question.wait_for()
    question.locator(".crw-choice", has_text="5 分 非常满意").click()
    customer.locator(".crw-bot", has_text=THANKS).wait_for()
    wang.wait_for_selector(f"#notifications li:has-text('客户给会话 {case_id} 打了 5 分')")
    screenshot(customer, "06-customer-rated")
