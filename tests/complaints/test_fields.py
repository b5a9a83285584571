"""Reading the other complaint fields, and everything at once from one long message."""
from datetime import date
from decimal import Decimal

import pytest

from bot.complaints.fields import (
    Demand,
    extract_fields,
    parse_business,
    parse_contacted,
    parse_demand,
    parse_evidence,
    parse_facts,
    parse_id_number,
    parse_name,
    parse_order_number,
    parse_phone,
    parse_product,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("退货退款", ("退货", "退款")),
        ("我要退钱", ("退款",)),
        ("给我换一个新的", ("换货",)),
        ("希望能免费维修", ("维修",)),
        ("商家要给我道歉", ("道歉",)),
        ("退一赔三", ("退款", "赔偿")),
    ],
)
def test_demands_are_recognised(text, kinds):
    assert parse_demand(text).kinds == kinds


def test_compensation_carries_an_amount_or_a_multiple():
    assert parse_demand("赔偿我500元").compensation_amount == Decimal("500")
    assert parse_demand("三倍赔偿").compensation_multiple == 3
    assert parse_demand("假一赔十").compensation_multiple == 10
    assert parse_demand("要求赔偿").lacks_compensation_amount
    assert parse_demand("赔偿两千块").describe() == "赔偿 2000.00 元"


def test_anything_else_is_an_other_demand_in_the_customers_words():
    demand = parse_demand("给我一个合理的说法")
    assert demand == Demand(("其他",), detail="给我一个合理的说法")
    assert demand.describe() == "其他：给我一个合理的说法"
    assert parse_demand("。。。") is None


@pytest.mark.parametrize(
    "text, held",
    [
        ("有发票和聊天记录", ["发票/小票", "聊天记录"]),
        ("没有发票，只有聊天截图", ["聊天记录"]),
        ("拍了照片和视频", ["照片/视频"]),
        ("签了合同", ["合同/协议"]),
        ("没有", []),
        ("什么都没有", []),
        ("不知道", None),
    ],
)
def test_evidence(text, held):
    assert parse_evidence(text) == held


@pytest.mark.parametrize(
    "text, contacted",
    [("联系过了", True), ("找过客服，没用", True), ("打过电话", True), ("是的", True),
     ("没有", False), ("还没联系", False), ("没找过", False), ("不清楚", None)],
)
def test_whether_the_business_was_contacted(text, contacted):
    assert parse_contacted(text) is contacted


@pytest.mark.parametrize(
    "text, phone",
    [("13812345678", "13812345678"), ("我的电话是 138-1234-5678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
     ("010-12345678", "010-12345678"), ("12345", None), ("23812345678", None)],
)
def test_phone_numbers(text, phone):
    assert parse_phone(text) == phone


def test_id_numbers_need_a_correct_check_digit():
    assert parse_id_number("身份证 11010519491231002x") == "11010519491231002X"
    assert parse_id_number("110105194912310021") is None
    assert parse_id_number("1101051949") is None


@pytest.mark.parametrize(
    "text, number",
    [("订单号是 2026111812345678", "2026111812345678"), ("DD20261118-0042", "DD20261118-0042"), ("没有", ""),
     ("线下买的，没有订单号", ""), ("abc", None)],
)
def test_order_numbers(text, number):
    assert parse_order_number(text) == number


@pytest.mark.parametrize("text, name", [("我叫张三", "张三"), ("王先生", "王先生"), ("李 雷", "李 雷"), ("123", None), ("张", None)])
def test_names(text, name):
    assert parse_name(text) == name


@pytest.mark.parametrize(
    "text, business",
    [
        ("淘宝上的小米官方旗舰店", ("小米官方旗舰店", "淘宝")),
        ("京东自营", ("京东自营", "京东")),
        ("拼多多", ("拼多多", "拼多多")),
        ("在楼下的便利店买的", ("楼下的便利店", None)),
        ("星巴克 朝阳大悦城店", ("星巴克 朝阳大悦城店", None)),
        ("商家", None),
        ("拼多多上的一家店", None),
    ],
)
def test_businesses(text, business):
    assert parse_business(text) == business


def test_products_and_facts():
    assert parse_product("买的是空气净化器") == "空气净化器"
    assert parse_product("！！") is None
    assert parse_facts("坏了") is None
    assert parse_facts("收到就坏了，客服让我打13812345678") == "收到就坏了，客服让我打138****5678"


def test_one_long_message_fills_most_of_the_form():
    message = (
        "我上周三在淘宝的小米官方旗舰店买了一台空气净化器，花了1299元，订单号2026111812345678，"
        "收到后发现不能开机，联系过客服一直不处理，我有聊天截图和照片，要求退货退款，我的电话是13812345678"
    )
    found = extract_fields(message, TODAY)
    assert found.pop("facts").endswith("我的电话是138****5678")
    assert found == {
        "business_name": "小米官方旗舰店",
        "business_platform": "淘宝",
        "product": "空气净化器",
        "purchase_date": date(2026, 11, 18),
        "amount_paid": Decimal("1299"),
        "order_number": "2026111812345678",
        "demand": Demand(("退货", "退款"), detail="要求退货退款"),
        "contacted_business": True,
        "evidence": ["聊天记录", "照片/视频"],
        "phone": "13812345678",
    }


def test_a_short_message_yields_only_what_it_says():
    assert extract_fields("10月1号在华联超市买的牛奶过期了，28块，要求退一赔十", TODAY) == {
        "business_name": "华联超市",
        "business_platform": None,
        "product": "牛奶",
        "purchase_date": date(2026, 10, 1),
        "amount_paid": Decimal("28"),
        "demand": Demand(("退款", "赔偿"), compensation_multiple=10, detail="要求退一赔十"),
    }
