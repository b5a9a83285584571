"""Customers work out their remedies with the real, trained bot over the REST channel."""
from __future__ import annotations

import pytest

from tests.e2e.bot_process import buttons, texts

pytestmark = pytest.mark.e2e

OFFERS = {"/file_complaint", "/request_human"}


def payloads(replies) -> set:
    return {b["payload"] for b in buttons(replies)}


def test_refurbished_phone_sold_as_new_is_answered_at_once_with_the_sum(bot, sender):
    replies = bot.say(sender, "卖家把翻新机当新机卖给我，三千块，能赔多少？")
    answer = texts(replies)

    assert "9000 元（3 × 3000 = 9000 元）" in answer
    assert "《消费者权益保护法》第55条第1款" in answer
    assert "市场监管部门或法院认定" in answer  # refurbished-as-new: the regulator or court decides
    assert "1. 协商和解" in answer and "3. 行政投诉" in answer and "12315" in answer
    assert payloads(replies) >= OFFERS
    # The complaint form prefills from these facts.
    assert bot.tracker(sender)["slots"]["remedy_facts"] == {
        "fraud": True, "price": 3000.0, "category": "electronics", "subject": "goods"}


def test_online_return_asks_only_what_is_missing_then_counts_the_days_left(bot, sender):
    first = bot.say(sender, "淘宝买的衣服不想要了，收到货第5天，帮我看看怎么办")
    assert texts(first) == "商品现在是什么状态？"
    assert "拆开看过，没用" in {b["title"] for b in buttons(first)}

    second = bot.say(sender, "拆开看过，没用")
    assert texts(second) == "您实际付了多少钱？（比如“3000元”）"

    answer = texts(bot.say(sender, "299元"))
    assert "七天无理由退货" in answer
    assert "299 元（退还商品价款 299 元）" in answer
    assert "还剩 2 天" in answer
    assert "《消费者权益保护法》第25条" in answer
    slots = bot.tracker(sender)["slots"]
    assert slots["remedy_facts"]["days_since_receipt"] == 5
    assert slots["remedy_facts"]["goods_condition"] == "opened"


def test_spoiled_milk_question_can_be_skipped_and_a_human_asked_for(bot, sender):
    first = bot.say(sender, "超市买的牛奶过期了，喝了拉肚子，牛奶50块，能赔多少")
    assert "损失了多少钱" in texts(first)
    assert "不清楚" in {b["title"] for b in buttons(first)}

    answer = texts(bot.say(sender, "不清楚"))
    assert "好的，这一项先跳过。" in answer
    assert "1000 元（10 × 50 = 500 元；不足 1000 元，按 1000 元计）" in answer
    assert "《食品安全法》第148条第1款、第148条第2款" in answer  # the ten-fold claim's own paragraph
    assert "还有几项信息暂时不确定（损失金额）" in answer

    handoff = texts(bot.say(sender, "转人工"))
    assert "人工客服" in handoff


def test_a_human_can_be_asked_for_in_the_middle_of_the_questions(bot, sender):
    first = bot.say(sender, "直播间买的手机坏了，花了2999元，我该怎么办")
    assert texts(first) == "收到商品到今天几天了？（签收当天不算，比如“第8天”）"

    handoff = texts(bot.say(sender, "转人工"))
    assert "正在为您转接人工客服" in handoff
    assert not (bot.tracker(sender).get("active_loop") or {}).get("name")  # the questions stopped


AGREEMENT = """帮我看看这个健身会员协议：
第一条 会员卡有效期一年，自开卡之日起计算。
第二条 本馆有权根据经营需要调整课程安排，无需另行通知会员。
第三条 会员在健身过程中发生的任何人身伤害，本馆概不负责。
第四条 会员卡到期后自动续费，不再另行通知。
第五条 本协议最终解释权归本馆所有。"""


def test_pasted_agreement_gets_each_unfair_clause_with_a_fair_version(bot, sender):
    replies = bot.say(sender, AGREEMENT)
    answer = texts(replies)

    assert "有 4 条可能对您不公平" in answer
    for clause in ("第二条", "第三条", "第四条", "第五条"):
        assert f"“{clause}" in answer
    assert "“第一条" not in answer
    assert answer.count("公平的写法应该像这样") == 4
    assert "《消费者权益保护法》第26条" in answer
    assert payloads(replies) >= OFFERS
    assert bot.tracker(sender)["slots"]["remedy_facts"] == {"unfair_term": True}
