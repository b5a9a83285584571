"""Amounts of money as customers write them."""
from decimal import Decimal

import pytest

from bot.complaints.amounts import parse_amount

EXPRESSIONS = [
    ("¥299", "299"),
    ("￥299", "299"),
    ("299元", "299"),
    ("299块", "299"),
    ("299块钱", "299"),
    ("二百九十九元", "299"),
    ("两百九十九", "299"),
    ("三百五", "350"),
    ("三百五十块", "350"),
    ("两千五", "2500"),
    ("一千二", "1200"),
    ("一万五", "15000"),
    ("两万三千", "23000"),
    ("1万5", "15000"),
    ("2千5", "2500"),
    ("1.5万", "15000"),
    ("3万", "30000"),
    ("5k", "5000"),
    ("2w", "20000"),
    ("1.2k", "1200"),
    ("1,299元", "1299"),
    ("¥ 1,299.00", "1299"),
    ("299.9元", "299.90"),
    ("三块五", "3.50"),
    ("12块8", "12.80"),
    ("12块8毛", "12.80"),
    ("八十八块八", "88.80"),
    ("5毛", "0.50"),
    ("一块二", "1.20"),
    ("3元5角", "3.50"),
    ("人民币500元", "500"),
    ("RMB 500", "500"),
    ("500RMB", "500"),
    ("壹仟贰佰元", "1200"),
    ("一千零五十元", "1050"),
    ("十块", "10"),
    ("花了399", "399"),
    ("买了2件，一共598元", "598"),
    ("3月5号花了299", "299"),
    ("大约300块", "300"),
    ("一共付了四千八百元", "4800"),
    ("免费的", "0"),
    ("0元", "0"),
    ("２９９元", "299"),  # full-width digits
    ("兩千五", "2500"),  # traditional characters
]


@pytest.mark.parametrize("text, expected", EXPRESSIONS)
def test_amounts_are_read_in_yuan(text, expected):
    assert parse_amount(text) == Decimal(expected)


def test_there_are_at_least_forty_expressions():
    assert len(EXPRESSIONS) >= 40


@pytest.mark.parametrize(
    "text",
    ["三千多", "几百", "三百来块", "两三百", "一百到两百", "100-200", "18612345678", "不记得了", "", "好多钱",
     "共计199元，运费10元"],
)
def test_vague_ranged_or_several_amounts_are_not_guessed(text):
    assert parse_amount(text) is None


def test_in_long_messages_only_numbers_written_as_money_count():
    assert parse_amount("订单号123456，3月5号买了2件，花了299元", require_marker=True) == Decimal("299")
    assert parse_amount("3月5号买了2件", require_marker=True) is None
