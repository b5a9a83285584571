"""The widget in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the running bot.

Screenshots go to var/artifacts/widget/ (kept after the run, for people to look at).
"""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.channels import hub, outbound
from tests.browser import FreshPages, chromium_driver, save_screenshot
from tests.channels.conftest import REDIS_URL

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e

ARTIFACTS = "widget"  # under var/artifacts/
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PAYLOADS = ['<script>window.__pwned=1</script>', '<img src=x onerror="window.__pwned=1">',
            'javascript:window.__pwned=1']


@pytest.fixture(scope="module")
def playwright():
    with chromium_driver() as driver:
        yield driver


@pytest.fixture
def open_page(playwright, web_bot):
    """``open_page(viewport)`` → a page on the demo site in a fresh browser profile."""
    pages = FreshPages(playwright, "crw-profile-", locale="zh-CN", timeout_ms=120_000)

    def open_(viewport=DESKTOP, init_script=None):
        page = pages.open(f"{web_bot.url}/chat/", viewport, init_script=init_script)
        page.click(".crw-launcher")
        page.wait_for_selector('.crw-status[data-state="online"]')
        return page

    yield open_
    pages.close()


def screenshot(page, name: str) -> None:
    save_screenshot(page, ARTIFACTS, name)


def ask(page, text: str) -> None:
    before = page.locator(".crw-bot").count()
    page.fill(".crw-input", text)
    page.press(".crw-input", "Enter")
    page.wait_for_function(f"document.querySelectorAll('.crw-bot').length > {before}")
    page.wait_for_selector(".crw-typing", state="hidden")


def deliver_from_another_process(conversation_id: str, message: dict, monkeypatch) -> None:
    """What the agent console does: publish through Redis from a process that does not hold the page's socket."""
    monkeypatch.setenv("BOT_REDIS_URL", REDIS_URL)

    async def send():
        hub.set_hub(None)
        try:
            await outbound.deliver(conversation_id, message)
        finally:
            await hub.get_hub().close()
            hub.set_hub(None)

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        pool.submit(asyncio.run, send()).result()


def session_id(page) -> str:
    return json.loads(page.evaluate("localStorage.getItem('crw:session')"))


# What a clarification button sends: the chosen entry's answer, whatever retrieval would decide for a wording.
CHOOSE_7DAY = '/choose_entry{"entry_id": "return_7day_01"}'


def test_phone_a_question_is_answered_with_basis_and_notice_styled_apart(open_page):
    page = open_page(PHONE)
    panel = page.locator(".crw-panel").bounding_box()
    assert panel["width"] == PHONE["width"] and panel["height"] == PHONE["height"]
    log = page.locator(".crw-log")
    assert log.evaluate("e => e.scrollWidth <= e.clientWidth")  # long answers wrap, nothing scrolls sideways
    assert page.locator(".crw-input").get_attribute("placeholder") == "请输入您的问题，按回车发送"
    ask(page, "網購七天無理由退貨")
    assert page.locator(".crw-bot").last.locator(".crw-text").inner_text()
    ask(page, CHOOSE_7DAY)
    answer = page.locator(".crw-bot:has(.crw-basis)").last  # an offer to go on may follow the answer
    answer.wait_for()
    assert "七天" in answer.locator(".crw-text").inner_text()
    assert answer.locator(".crw-basis").inner_text().startswith("法律依据：")
    assert "不构成法律意见" in answer.locator(".crw-notice").inner_text()
    assert answer.locator(".crw-basis").evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"
    assert answer.locator(".crw-notice").evaluate("e => getComputedStyle(e).fontSize") == "12px"
    assert answer.locator(".crw-time").inner_text()
    assert log.evaluate("e => e.scrollWidth <= e.clientWidth")
    screenshot(page, "phone-answer")


def test_desktop_clarification_button_then_history_after_reload(open_page):
    page = open_page(DESKTOP)
    panel = page.locator(".crw-panel").bounding_box()
    assert panel["width"] == 380 and panel["x"] > DESKTOP["width"] / 2  # a corner panel, not the whole screen
    ask(page, "我要投诉")  # the complaint form asks for consent with buttons
    choices = page.locator(".crw-bot").last.locator(".crw-choice")
    assert choices.count() >= 1
    title = choices.first.inner_text()
    screenshot(page, "desktop-clarification")
    before = page.locator(".crw-bot").count()
    choices.first.click()
    page.wait_for_function(f"document.querySelectorAll('.crw-bot').length > {before}")
    assert page.locator(".crw-user .crw-text").last.inner_text() == title
    shown = page.locator(".crw-log .crw-text").all_inner_texts()

    page.reload()
    page.click(".crw-launcher")
    page.wait_for_function(f"document.querySelectorAll('.crw-log .crw-row').length >= {len(shown)}")
    assert page.locator(".crw-log .crw-text").all_inner_texts() == shown
    screenshot(page, "desktop-after-reload")


def test_a_message_sent_while_the_server_is_down_arrives_once_after_restart(open_page, web_bot):
    page = open_page(DESKTOP)
    ask(page, "你好")
    conversation = f"web:{session_id(page)}"
    question = "快递丢了谁赔偿"
    web_bot.stop_rasa()
    try:
        page.fill(".crw-input", question)
        page.press(".crw-input", "Enter")
        page.wait_for_selector(".crw-pending:has-text('网络中断')")
        assert len(json.loads(page.evaluate("localStorage.getItem('crw:outbox')"))) == 1
        screenshot(page, "offline-queued")
    finally:
        web_bot.start_rasa(web_bot.rasa_port)
    page.wait_for_function("JSON.parse(localStorage.getItem('crw:outbox')).length === 0", timeout=180_000)
    page.wait_for_selector(".crw-pending", state="detached")
    page.wait_for_selector('.crw-status[data-state="online"]', timeout=120_000)
    assert page.locator(".crw-user .crw-text", has_text=question).count() == 1
    events = web_bot.tracker(conversation)["events"]
    assert [e["text"] for e in events if e["event"] == "user"].count(question) == 1
    screenshot(page, "after-restart")
    page.reload()
    page.click(".crw-launcher")
    page.wait_for_selector(f".crw-user .crw-text:has-text('{question}')")
    assert page.locator(".crw-user .crw-text", has_text=question).count() == 1


def test_injection_in_both_directions_shows_as_text(open_page, monkeypatch):
    page = open_page(PHONE)
    for payload in PAYLOADS:
        ask(page, payload)
    user_texts = page.locator(".crw-user .crw-text").all_inner_texts()
    assert user_texts == PAYLOADS

    agent_text = "您好，我是客服。" + " ".join(PAYLOADS) + " 详见 https://www.12315.cn/ 。"
    deliver_from_another_process(f"web:{session_id(page)}", {
        "text": agent_text, "sender_name": '<img src=x onerror="window.__pwned=1">小王',
        "buttons": [{"title": "<b>好的</b>", "payload": "javascript:window.__pwned=1"}],
    }, monkeypatch)
    agent = page.locator(".crw-agent").last
    agent.wait_for()
    assert agent.locator(".crw-text").inner_text() == agent_text
    assert agent.locator(".crw-sender").inner_text() == '人工客服 · <img src=x onerror="window.__pwned=1">小王'
    assert agent.locator(".crw-choice").inner_text() == "<b>好的</b>"
    links = agent.locator("a")
    assert links.count() == 1 and links.first.get_attribute("href") == "https://www.12315.cn/"
    assert page.locator(".crw-root script, .crw-root img, .crw-root b").count() == 0
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "injection-as-text")


def test_another_customers_session_id_is_refused(open_page, web_bot):
    victim = open_page(DESKTOP)
    ask(victim, "我的手机号是13800138000，网购退货被拒")
    victim_session = session_id(victim)
    victim_token = json.loads(victim.evaluate("localStorage.getItem('crw:token')"))

    # The intruder knows the victim's session id and puts it into a token signed with anything but the key.
    version, _, issued, signature = victim_token.split(".")
    forged = f"{version}.{victim_session}.{issued}.{'A' * len(signature)}"
    intruder = open_page(DESKTOP, init_script=(
        "if (!sessionStorage.getItem('planted')) {"
        f"  localStorage.setItem('crw:token', {json.dumps(json.dumps(forged))});"
        f"  localStorage.setItem('crw:session', {json.dumps(json.dumps(victim_session))});"
        "  sessionStorage.setItem('planted', '1'); }"
    ))
    assert session_id(intruder) != victim_session
    assert "13800138000" not in intruder.locator(".crw-log").inner_text()
    status = intruder.evaluate(
        """async ([session]) => {
            const token = JSON.parse(localStorage.getItem('crw:token'));
            const r = await fetch('/webhooks/web/history', {method: 'POST',
                body: JSON.stringify({token, session_id: session})});
            return r.status;
        }""", [victim_session])
    assert status == 403
    screenshot(intruder, "other-session-refused")
    assert "13800138000" in victim.locator(".crw-log").inner_text()


def test_the_widget_works_embedded_in_another_sites_page(playwright, web_bot, tmp_path):
    """One script tag on a shop's page (another origin): the CORS-simple requests and the socket still work."""
    import http.server
    import threading

    (tmp_path / "shop.html").write_text(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>某商城</title></head><body>'
        "<h1>某商城 · 售后服务</h1>"
        '<script>window.ConsumerRightsWidget = { title: "售后咨询", open: true };</script>'
        f'<script src="{web_bot.url}/chat/widget.js" defer></script></body></html>',
        encoding="utf-8",
    )
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(tmp_path))  # noqa: E731
    shop = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    pages = FreshPages(playwright, "crw-profile-", locale=None, timeout_ms=120_000)  # the browser's own language
    try:
        page = pages.open(f"http://127.0.0.1:{shop.server_address[1]}/shop.html", DESKTOP)
        assert page.locator(".crw-title").inner_text() == "售后咨询"
        page.wait_for_selector('.crw-status[data-state="online"]')
        ask(page, CHOOSE_7DAY)
        answer = page.locator(".crw-bot:has(.crw-basis)").last
        answer.wait_for()
        assert answer.locator(".crw-basis").inner_text().startswith("法律依据：")
        screenshot(page, "embedded-in-another-site")
    finally:
        pages.close()
        shop.shutdown()
