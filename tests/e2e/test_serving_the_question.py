"""The dialogue serves the question asked (issue 7.6), with the real trained bot over REST.

A general question gets the general answer first and an offer to work out the customer's own case; inside the
remedy questions or the complaint form, a question or "算了" is never taken as an answer; a typed button title
is the click; a request for a person, in any wording and position, reaches the hand-off.
"""
from __future__ import annotations

import pytest

from tests.e2e.bot_process import buttons, texts

pytestmark = pytest.mark.e2e

HANDOFF = "正在为您转接人工客服"
OFFER = "/ask_remedy"
DAYS_QUESTION = "收到商品到今天几天了？（签收当天不算，比如“第8天”）"
CONDITION_QUESTION = "商品现在是什么状态？"


def active_loop(bot, sender) -> str | None:
    return (bot.tracker(sender).get("active_loop") or {}).get("name")


def payloads(replies) -> set:
    return {b["payload"] for b in buttons(replies)}


def test_a_general_question_gets_the_general_answer_then_an_offer(bot, sender):
    replies = bot.say(sender, "我在网上买的衣服不想要了，七天内能退吗")
    answer = texts(replies)
    assert "法律依据" in answer and "《消费者权益保护法》第25条" in answer
    assert OFFER in payloads(replies)
    assert active_loop(bot, sender) is None  # no interrogation

    # Accepting the offer starts the questions, with what the question already said.
    assert texts(bot.say(sender, OFFER)) == DAYS_QUESTION
    assert bot.tracker(sender)["slots"]["remedy_facts"]["channel"] == "online"


def test_the_offer_typed_instead_of_clicked(bot, sender):
    bot.say(sender, "我在网上买的衣服不想要了，七天内能退吗")
    assert texts(bot.say(sender, "帮我看看我的情况")) == DAYS_QUESTION


def test_a_follow_up_inside_the_remedy_questions_is_answered_then_the_question_asked_again(bot, sender):
    assert texts(bot.say(sender, "淘宝买的衣服不想要了，收到货第5天，帮我看看怎么办")) == CONDITION_QUESTION
    replies = bot.say(sender, "那如果超过七天呢？")
    reply = texts(replies)
    assert reply.endswith(CONDITION_QUESTION) and reply != CONDITION_QUESTION  # something answered it first
    assert "好的，这一项先跳过" not in reply
    facts = bot.tracker(sender)["slots"]["remedy_facts"]
    assert facts["days_since_receipt"] == 5 and "goods_condition" not in facts

    # The question is still open: the typed button title answers it.
    assert texts(bot.say(sender, "拆开看过，没用")) == "您实际付了多少钱？（比如“3000元”）"


def test_giving_up_inside_the_remedy_questions_leaves_them(bot, sender):
    bot.say(sender, "直播间买的手机坏了，花了2999元，我该怎么办")
    assert "先不问了" in texts(bot.say(sender, "算了"))
    assert active_loop(bot, sender) is None
    assert "法律依据" in texts(bot.say(sender, "网上买的东西可以七天无理由退货吗"))


def test_a_new_question_inside_the_complaint_form_is_answered_not_stored(bot, sender):
    bot.say(sender, "我要投诉")
    assert "哪家商家" in texts(bot.say(sender, "同意"))
    reply = texts(bot.say(sender, "那如果超过七天呢？"))
    assert "哪家商家" in reply and reply.index("哪家商家") > 0  # answered first, then asked again
    assert bot.tracker(sender)["slots"]["complaint_business"] is None
    assert "什么商品" in texts(bot.say(sender, "淘宝上的小米官方旗舰店"))


def test_complaint_form_buttons_typed_are_answers(bot, sender):
    bot.say(sender, "我要投诉")
    for answer in ("同意", "淘宝上的小米官方旗舰店", "空气净化器", "上周三", "1299元", "没有",
                   "收到后发现不能开机，商家一直拖着不处理"):
        bot.say(sender, answer)
    asked = bot.say(sender, "退货退款")
    assert "联系过商家" in texts(asked) and "没联系过" in {b["title"] for b in buttons(asked)}
    assert "证据" in texts(bot.say(sender, "没联系过"))
    assert bot.tracker(sender)["slots"]["complaint_contacted"] is False


def test_a_person_asked_for_inside_the_complaint_form_takes_over(bot, sender):
    bot.say(sender, "我要投诉")
    bot.say(sender, "同意")
    assert HANDOFF in texts(bot.say(sender, "你好，是人工吗"))
    assert active_loop(bot, sender) is None


def test_a_person_asked_for_inside_the_remedy_questions_takes_over(bot, sender):
    bot.say(sender, "淘宝买的衣服不想要了，收到货第5天，帮我看看怎么办")
    assert HANDOFF in texts(bot.say(sender, "找客服"))
    assert active_loop(bot, sender) is None


@pytest.mark.parametrize("message", [
    "转人工", "找客服", "人工客服", "真人", "你们有人吗", "你好，是人工吗", "轉人工",
    "我买的洗衣机用了半个月就漏水，商家一直推脱不处理，上门维修也没人来，打了好几次电话都没用，我要转人工",
    "你们帮我申请退货了吗", "我的退款到哪了",
])
def test_every_wording_of_a_request_for_a_person_reaches_the_hand_off(bot, sender, message):
    assert HANDOFF in texts(bot.say(sender, message))
    assert bot.tracker(sender)["latest_message"]["intent"]["name"] == "request_human"


def test_a_clarification_title_typed_gets_the_answer_of_the_click(bot, sender):
    # Bare keywords get a choice of entries; which keyword does depends on retrieval, so take the first menu.
    menus = ([b for b in buttons(bot.say(sender, word)) if b["payload"].startswith("/choose_entry")]
             for word in ("快递丢了怎么赔", "退款", "押金", "退货", "保修", "赔偿"))
    entry_button = next((menu[0] for menu in menus if menu), None)
    assert entry_button, "none of the bare keywords got a choice of entries"
    typed = texts(bot.say(sender, entry_button["title"]))
    clicked = texts(bot.say(sender + "-click", entry_button["payload"]))
    assert typed == clicked and "法律依据" in typed


def test_after_an_assessment_the_complaint_button_typed_starts_the_complaint(bot, sender):
    replies = bot.say(sender, "卖家把翻新机当新机卖给我，三千块，能赔多少？")
    assert "/file_complaint" in payloads(replies)
    assert "您同意我们按上述方式处理您的个人信息吗" in texts(bot.say(sender, "帮我投诉"))
