"""The WeChat channel end to end: the platform's signed (and encrypted) XML posted to the real trained bot.

Marked e2e: starts the action server and two Rasa processes (see tests/channels/wechat_bot.py).
"""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot.channels.wechat.api import CustomerServiceAPI
from bot.channels.wechat.config import WeChatConfig
from bot.channels.wechat.delivery import HELD_NOTICE, WeChatSender
from bot.channels.wechat.protocol import parse_xml, sign
from tests.channels.wechat_bot import MAX_BODY_BYTES, late_wechat_bot, openid, wechat_bot, wechat_env  # noqa: F401
from tests.channels.wechat_platform import (
    ACCOUNT,
    APP_ID,
    APP_SECRET,
    TOKEN,
    encrypt,
    event_xml,
    media_xml,
    text_xml,
)
from tests.channels.test_wechat_protocol import BILLION_LAUGHS, XXE

pytestmark = pytest.mark.e2e

QUESTION = "请问网上买的东西可以七天无理由退货吗"
def squash(text: str) -> str:
    """Text without whitespace: an answer split into several messages joins back to the same characters."""
    return "".join(text.split())


# Bare keywords get "which did you mean" buttons; what the bot cannot place gets the 转人工客服 button.
BUTTON_QUESTIONS = ["退款", "押金", "退货", "阿巴阿巴咕噜咕噜"]


def test_url_verification_echoes_echostr_only_when_signed(wechat_bot):
    query = wechat_bot.platform.query(echostr="6931428573812")
    assert requests.get(wechat_bot.url, params=query, timeout=10).text == "6931428573812"
    forged = {**query, "signature": sign("guessed-token", query["timestamp"], query["nonce"])}
    response = requests.get(wechat_bot.url, params=forged, timeout=10)
    assert response.status_code == 403 and "6931428573812" not in response.text


def test_plain_text_message_gets_a_passive_xml_answer(wechat_bot, openid):
    reply = wechat_bot.platform.reply(wechat_bot.platform.post(text_xml(openid, QUESTION)))
    assert reply["MsgType"] == "text"
    assert (reply["ToUserName"], reply["FromUserName"]) == (openid, ACCOUNT)
    assert reply["Content"] == wechat_bot.rest_reply(f"rest-{openid}", QUESTION)
    assert len(reply["Content"].encode("utf-8")) <= 2048


def test_safe_mode_message_gets_an_encrypted_answer(wechat_bot, openid):
    response = wechat_bot.platform.post(text_xml(openid, QUESTION), encrypted=True)
    assert "<Encrypt>" in response.text and "七天" not in response.text  # nothing readable on the wire
    reply = wechat_bot.platform.reply(response)
    assert reply["ToUserName"] == openid
    assert reply["Content"] == wechat_bot.rest_reply(f"rest-{openid}", QUESTION)


def test_a_retry_is_answered_from_the_first_answer_not_processed_again(wechat_bot, openid):
    xml = text_xml(openid, QUESTION)
    first = wechat_bot.platform.reply(wechat_bot.platform.post(xml))
    retry = wechat_bot.platform.reply(wechat_bot.platform.post(xml))  # new timestamp and nonce, same message
    assert retry["Content"] == first["Content"]
    assert [e["text"] for e in wechat_bot.user_events(openid)] == [QUESTION]


def test_retries_arriving_while_the_first_is_processed_get_no_second_answer(wechat_bot, openid):
    xml = text_xml(openid, "快递丢了谁来赔偿")
    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: wechat_bot.platform.post(xml), range(3)))
    answers = [r.text for r in responses if r.text != "success"]
    assert all(r.status_code == 200 for r in responses)
    assert len(answers) >= 1 and len(set(answers)) == 1  # one answer; a late retry may get it from the cache
    assert len(wechat_bot.user_events(openid)) == 1


def test_subscribe_greets_and_unsubscribe_is_recorded(wechat_bot, openid):
    greeting = wechat_bot.platform.reply(wechat_bot.platform.post(event_xml(openid, "subscribe")))
    assert "消费维权" in greeting["Content"] and "转人工" in greeting["Content"]
    assert wechat_bot.state().subscription(openid)[0] == "subscribe"

    response = wechat_bot.platform.post(event_xml(openid, "unsubscribe"))
    assert response.text == "success"
    assert wechat_bot.state().subscription(openid)[0] == "unsubscribe"


@pytest.mark.parametrize("msg_type", ["image", "voice", "location", "video"])
def test_unsupported_message_types_get_a_polite_text(wechat_bot, openid, msg_type):
    reply = wechat_bot.platform.reply(wechat_bot.platform.post(media_xml(openid, msg_type)))
    assert "文字" in reply["Content"] and "转人工" in reply["Content"]


def test_buttons_become_numbered_choices_answered_by_digit_or_title(wechat_bot, openid):
    # Whatever buttons the bot offers (a clarification, or the fallback's 转人工客服), the digit and the title
    # must do what clicking the button does on the REST channel.
    for question in BUTTON_QUESTIONS:
        rest = f"rest-{uuid.uuid4().hex[:8]}"
        buttons = [b for m in wechat_bot.processes.say(rest, question) for b in m.get("buttons", [])]
        if buttons:
            break
    assert buttons, "the bot offered buttons for none of the bare keywords and gibberish"
    after_click = wechat_bot.rest_reply(rest, buttons[0]["payload"])

    offered = wechat_bot.platform.reply(wechat_bot.platform.post(text_xml(openid, question)))["Content"]
    assert offered.endswith("回复数字：\n" + "\n".join(f"{n}. {b['title']}" for n, b in enumerate(buttons, 1)))
    by_digit = wechat_bot.platform.reply(wechat_bot.platform.post(text_xml(openid, "1")))["Content"]
    assert by_digit == after_click

    wechat_bot.platform.post(text_xml(openid, question))
    by_title = wechat_bot.platform.reply(wechat_bot.platform.post(text_xml(openid, buttons[0]["title"])))["Content"]
    assert by_title == after_click


# --- refusals: each is a 4xx, and the log says why without the message content -------------------------------


def _refused(wechat_bot, response, status: int, marker: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    time.sleep(0.2)
    log = wechat_bot.log
    assert "wechat: refused POST" in log
    assert marker not in log


def test_bad_signature_is_refused(wechat_bot, openid):
    query = {**wechat_bot.platform.query(), "signature": "0" * 40}
    response = wechat_bot.platform.post(text_xml(openid, "标记-签名错误"), query=query)
    _refused(wechat_bot, response, 403, "标记-签名错误")
    assert wechat_bot.user_events(openid) == []


def test_stale_timestamp_is_refused_as_a_replay(wechat_bot, openid):
    query = wechat_bot.platform.query(timestamp=int(time.time()) - 3600)
    _refused(wechat_bot, wechat_bot.platform.post(text_xml(openid, "标记-重放"), query=query), 403, "标记-重放")


def test_bad_padding_is_refused(wechat_bot, openid):
    envelope = encrypt(text_xml(openid, "标记-填充"), pad=lambda data: data + b"\x07" * (32 - len(data) % 32))
    query = wechat_bot.platform.query()
    query.update(encrypt_type="aes", msg_signature=sign(TOKEN, query["timestamp"], query["nonce"], envelope))
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{envelope}]]></Encrypt></xml>"
    response = wechat_bot.platform.post("", query=query, body=body.encode())
    _refused(wechat_bot, response, 400, "标记-填充")
    assert "bad padding" in wechat_bot.log


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_entity_tricks_are_refused(wechat_bot, body):
    response = wechat_bot.platform.post(body)
    _refused(wechat_bot, response, 400, "ENTITY")
    assert "lol" not in response.text and "root:" not in response.text


def test_malformed_xml_is_refused(wechat_bot, openid):
    _refused(wechat_bot, wechat_bot.platform.post(f"<xml><FromUserName>{openid}<Content>标记-坏</xml>"), 400, "标记-坏")


@pytest.mark.parametrize("xml", [
    "<xml><MsgType>text</MsgType><Content>标记-缺字段</Content></xml>",
    text_xml("oUser0000000000000000000000", "标记-时间").replace("<CreateTime>", "<CreateTime>x"),
    text_xml("o user with spaces", "标记-用户"),
], ids=["missing-fields", "bad-create-time", "bad-openid"])
def test_messages_without_valid_required_fields_are_refused(wechat_bot, xml):
    _refused(wechat_bot, wechat_bot.platform.post(xml), 400, "标记-")


def test_oversized_body_is_refused(wechat_bot, openid):
    big = text_xml(openid, "标记-超长" + "长" * MAX_BODY_BYTES)
    _refused(wechat_bot, wechat_bot.platform.post(big), 413, "标记-超长")


def test_cdata_terminator_in_the_users_text_leaves_the_reply_well_formed(wechat_bot, openid):
    # The sender writes the terminator split across two CDATA sections, as the platform would.
    xml = text_xml(openid, "退货]]]]><![CDATA[><Content>注入</Content>")
    response = wechat_bot.platform.post(xml)
    reply = parse_xml(response.content)
    assert set(reply) == {"MsgType", "Content", "FromUserName", "ToUserName", "CreateTime"}
    assert [e["text"] for e in wechat_bot.user_events(openid)] == ["退货]]><Content>注入</Content>"]


# --- the 5-second limit and the 48-hour window -----------------------------------------------------------------


def test_an_answer_not_ready_in_time_says_success_and_arrives_by_the_api(late_wechat_bot, openid):
    started = time.monotonic()
    response = late_wechat_bot.platform.post(text_xml(openid, QUESTION))
    assert response.text == "success" and time.monotonic() - started < 5
    texts = late_wechat_bot.api.wait_for_texts(openid)
    assert squash("".join(texts)) == squash(late_wechat_bot.rest_reply(f"rest-{openid}", QUESTION))
    assert all(len(t.encode("utf-8")) <= 2048 for t in texts)

    tokens_before = len(late_wechat_bot.api.token_calls)
    late_wechat_bot.platform.post(text_xml(openid, "快递丢了谁来赔偿"))
    late_wechat_bot.api.wait_for_texts(openid, len(texts) + 1)
    assert len(late_wechat_bot.api.token_calls) == tokens_before <= 1  # the cached token is reused


def test_one_message_posted_to_two_processes_is_answered_once(wechat_bot, late_wechat_bot, openid):
    xml = text_xml(openid, "商家不给开发票怎么办")
    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda bot: bot.platform.post(xml), [late_wechat_bot, wechat_bot]))
    passive = [r for r in responses if r.text != "success"]
    if not passive:  # the late process took it: its answer comes through the API
        wechat_bot.api.wait_for_texts(openid)
    time.sleep(8)  # long enough for a second answer to have gone out, if one were coming
    assert len(passive) + (1 if wechat_bot.api.texts_to(openid) else 0) == 1
    assert len(wechat_bot.user_events(openid)) + len(late_wechat_bot.user_events(openid)) == 1


def test_45015_holds_the_answer_and_the_next_reply_says_so(wechat_bot, late_wechat_bot, openid):
    late_wechat_bot.api.send_errors = [45015]
    assert late_wechat_bot.platform.post(text_xml(openid, QUESTION)).text == "success"
    deadline = time.monotonic() + 90
    while not late_wechat_bot.api.rejected or late_wechat_bot.api.rejected[-1]["touser"] != openid:
        assert time.monotonic() < deadline, "the late answer was never attempted"
        time.sleep(0.2)
    time.sleep(0.5)
    # The user writes again, here to the other process: its passive reply carries the held answer first.
    reply = wechat_bot.platform.reply(wechat_bot.platform.post(text_xml(openid, "你好")))["Content"]
    assert reply.startswith(HELD_NOTICE)
    time.sleep(3)  # a held answer plus the new one may run past one message: the rest follows by the API
    held = wechat_bot.rest_reply(f"rest-{openid}", QUESTION)
    assert squash(held) in squash("".join([reply, *wechat_bot.api.texts_to(openid)]))


@pytest.mark.asyncio
async def test_beyond_48_hours_an_agent_reply_waits_for_the_users_next_message(wechat_bot, openid):
    wechat_bot.platform.reply(wechat_bot.platform.post(text_xml(openid, "你好")))
    state = wechat_bot.state()
    state.user_wrote(openid, time.time() - 49 * 3600)  # the user last wrote two days ago
    config = WeChatConfig(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base=wechat_bot.api.base)
    sender = WeChatSender(config, state, CustomerServiceAPI(config, state))
    try:
        await sender.send(openid, {"text": "您的退款已到账，请查收。", "sender_name": "客服小王"})
    finally:
        await sender.api.close()
    assert wechat_bot.api.texts_to(openid) == [] and not any(m["touser"] == openid for m in wechat_bot.api.rejected)

    reply = wechat_bot.platform.reply(wechat_bot.platform.post(text_xml(openid, "在吗")))["Content"]
    assert reply.startswith(HELD_NOTICE)
    assert "【客服小王】您的退款已到账，请查收。" in reply
