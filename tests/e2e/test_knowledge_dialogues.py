"""A customer asks rights questions of the real, trained bot over the REST channel."""
from __future__ import annotations

import json

import pytest

from tests.e2e.bot_process import buttons, texts

pytestmark = pytest.mark.e2e

DISCLAIMER = "不构成法律意见"


def test_greeting_then_question_gets_answer_with_citation(bot, sender):
    greeting = texts(bot.say(sender, "你好"))
    assert "消费维权" in greeting

    answer = texts(bot.say(sender, "请问网上买的东西可以七天无理由退货吗"))
    assert "法律依据：《消费者权益保护法》第25条" in answer
    assert DISCLAIMER in answer


def test_traditional_characters_are_understood(bot, sender):
    answer = texts(bot.say(sender, "網購七天無理由退貨"))
    assert "《消费者权益保护法》第25条" in answer


def test_follow_up_keeps_context_of_previous_answer(bot, sender):
    bot.say(sender, "网购的东西七天内可以无理由退货吗")
    follow_up = texts(bot.say(sender, "那如果超过七天呢？"))
    assert "七天" in follow_up or "7天" in follow_up
    assert "质量" in follow_up  # past seven days, the quality-problem routes remain
    assert DISCLAIMER in follow_up


def test_ambiguous_question_offers_candidates_and_answers_the_choice(bot, sender):
    replies = bot.say(sender, "快递丢了怎么赔")  # lost by the courier: as buyer or as sender?
    options = buttons(replies)
    entry_buttons = [b for b in options if b["payload"].startswith("/choose_entry")]
    assert 2 <= len(entry_buttons) <= 3, replies
    chosen = entry_buttons[0]
    entry_id = json.loads(chosen["payload"][len("/choose_entry"):])["entry_id"]

    answer = texts(bot.say(sender, chosen["payload"]))
    assert "法律依据" in answer and DISCLAIMER in answer
    slots = bot.tracker(sender)["slots"]
    assert slots["last_entry_id"] == entry_id


def test_gibberish_gets_fallback_with_human_option(bot, sender):
    replies = bot.say(sender, "qwzx plmk vbnr 哒哒 zzkj")
    assert "法律依据" not in texts(replies)
    assert any(b["payload"] == "/request_human" for b in buttons(replies)), replies


@pytest.mark.parametrize(
    "message",
    ["", "   ", "😀😀😀", "？？？！！", "<script>alert('x')</script>", "<b>退货</b>" * 3, "退货" * 5000],
    ids=["empty", "spaces", "emoji", "punctuation", "script-markup", "html", "10000-chars"],
)
def test_bad_input_gets_a_polite_reply_and_no_server_error(bot, sender, message):
    replies = bot.say(sender, message)  # asserts HTTP 200
    assert replies, "the bot must always reply"
    reply = texts(replies)
    assert "<script>" not in reply
    assert "Traceback" not in reply


def test_conversation_survives_a_restart(bot, sender):
    bot.say(sender, "网购的东西七天内可以无理由退货吗")
    before = bot.tracker(sender)
    assert before["slots"]["last_entry_id"]

    bot.restart_rasa()

    after = bot.tracker(sender)
    assert after["slots"]["last_entry_id"] == before["slots"]["last_entry_id"]
    assert len(after["events"]) >= len(before["events"])
    follow_up = texts(bot.say(sender, "那如果超过七天呢？"))
    assert "质量" in follow_up
