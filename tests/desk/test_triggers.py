"""The bot hands off, unasked, what it must not decide itself; ordinary questions stay with the bot."""
import pytest

from bot.desk import load_policy
from bot.desk.triggers import handoff_trigger


@pytest.mark.parametrize(
    "text, reason",
    [
        ("买的充电宝晚上充电起火了，把孩子手烫伤了", "injury"),
        ("吃了你们的外卖全家食物中毒进了急诊", "injury"),
        ("被逼得不想活了", "injury"),
        ("再不给我退款我就去找媒体曝光你们", "distress"),
        ("你们这些骗子，垃圾平台", "distress"),
        ("到底退不退！！已经拖了一个月了", "distress"),
        ("我买的二手车花了8.5万元，发现是调表车", "high_amount"),
        ("装修合同总价￥120000，工期拖了三个月", "high_amount"),
    ],
)
def test_what_the_bot_hands_off_unasked(text, reason):
    trigger = handoff_trigger(text, load_policy())
    assert trigger is not None and trigger.reason == reason
    assert trigger.detail


@pytest.mark.parametrize(
    "text",
    [
        "网上买的衣服不想要了，七天内能退吗",
        "去12315投诉有用吗",  # asking about a complaint channel is not a threat
        "太好了！！谢谢你",  # exclamation without a grievance
        "买了个299元的耳机坏了",  # below the limit
        "订单号是2026112012345678，商家不发货",  # an order number is not money
        "手表23天坏了，去消协投诉有用吗",
    ],
)
def test_ordinary_questions_stay_with_the_bot(text):
    assert handoff_trigger(text, load_policy()) is None


def test_two_failures_in_a_row_bring_a_person():
    assert handoff_trigger("嗯", load_policy(), consecutive_fallbacks=1) is None
    assert handoff_trigger("嗯", load_policy(), consecutive_fallbacks=2).reason == "repeated_fallback"
