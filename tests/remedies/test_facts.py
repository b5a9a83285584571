"""Reading case facts: from JSON (strictly validated), from a customer's message, and from answers."""
from __future__ import annotations

import pytest

from bot.remedies.facts import (
    FACT_LABELS, FACT_TYPES, PROBLEM, QUESTIONS, CaseFacts, extract_facts, known_facts_summary, parse_answer, question_for,
)
from bot.remedies.rules import RULES

EXTRACTION_CASES = [
    ("卖家把翻新机当新机卖给我，三千块，能赔多少？", {"fraud": True, "price": 3000, "category": "electronics"}),
    ("淘宝买的衣服不想要了，收到货第8天，没拆封",
     {"channel": "online", "category": "clothing", "wants_return": True, "days_since_receipt": 8,
      "goods_condition": "unopened", "subject": "goods"}),
    ("在直播间买的定制手机壳，¥39", {"channel": "online", "category": "custom_made", "price": 39}),
    ("电视购物买的锅，买了十天", {"channel": "tv", "days_since_receipt": 10}),
    ("实体店买的羽绒服", {"channel": "in_store", "category": "clothing"}),
    ("超市买的牛奶过期了，喝了拉肚子，花了医药费800元，牛奶50元",
     {"category": "food", "food_below_standard": True, "injury": "minor", "loss": 800, "price": 50}),
    ("吃了变质的蛋糕住院了", {"category": "food", "food_below_standard": True, "injury": "serious"}),
    ("健身房跑路了，年卡还剩2000元没用",
     {"category": "prepaid", "subject": "service", "prepaid_problem": "closed_or_moved", "prepaid_balance": 2000}),
    ("视频会员被自动续费了25元，之前没提醒", {"auto_renewed": True, "renewal_notice_given": False, "price": 25}),
    ("手机买了两周就坏了，3000元", {"has_defect": True, "days_since_receipt": 14, "price": 3000}),
    ("商家说最终解释权归他们", {"unfair_term": True}),
    ("我的个人信息被泄露了，天天接到骚扰电话", {"personal_info_violation": True}),
    ("花了1.5万块买的电脑", {"price": 15000, "category": "electronics"}),
    ("今天刚收到货，拆了看了一下", {"days_since_receipt": 0, "goods_condition": "opened"}),
    ("网購的衣服不想要了", {"channel": "online", "wants_return": True}),  # traditional characters
    ("找了客服，商家拒绝退款", {"business_contacted": True}),
    ("还没联系商家", {"business_contacted": False}),
    ("话费被多扣了", {"category": "telecom", "subject": "service"}),
]


@pytest.mark.parametrize("text, expected", EXTRACTION_CASES)
def test_extract_facts(text, expected):
    facts = extract_facts(text)
    assert {k: facts.get(k) for k in expected} == expected


@pytest.mark.parametrize("text", ["你好", "谢谢", "我想咨询一下"])
def test_nothing_is_guessed_from_small_talk(text):
    assert extract_facts(text) == {}


def test_expired_membership_is_not_a_food_safety_case():
    assert "food_below_standard" not in extract_facts("健身卡过期了")


def test_extracted_facts_are_always_valid():
    for text, _ in EXTRACTION_CASES:
        CaseFacts.from_dict(extract_facts(text))


BAD_FACTS = [
    ({"channel": "street"}, "channel"),
    ({"days_since_receipt": -1}, "days_since_receipt"),
    ({"days_since_receipt": 2.5}, "days_since_receipt"),
    ({"price": "3000"}, "price"),
    ({"price": True}, "price"),
    ({"fraud": "yes"}, "fraud"),
    ({"injury": "bad"}, "injury"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize("data, field_name", BAD_FACTS)
def test_bad_facts_name_the_field(data, field_name):
    with pytest.raises(ValueError, match=field_name):
        CaseFacts.from_dict(data)


def test_facts_must_be_an_object():
    with pytest.raises(ValueError, match="JSON object"):
        CaseFacts.from_dict([1, 2])


def test_unknown_stays_unknown():
    facts = CaseFacts.from_dict({"price": 3000})
    assert facts.fraud is None and facts.to_dict() == {"price": 3000.0}


def test_later_answers_override_earlier_facts():
    facts = CaseFacts.from_dict({"days_since_receipt": 10}).merged({"days_since_receipt": 8, "channel": None})
    assert facts.days_since_receipt == 8 and facts.channel is None


ANSWER_CASES = [
    ("knowingly_unsafe", "是的", {"knowingly_unsafe": True}),
    ("knowingly_unsafe", "没有", {"knowingly_unsafe": False}),
    ("knowingly_unsafe", "不知道", {}),
    ("days_since_receipt", "第8天", {"days_since_receipt": 8}),
    ("days_since_receipt", "8", {"days_since_receipt": 8}),
    ("days_since_receipt", "今天刚收到", {"days_since_receipt": 0}),
    ("days_since_receipt", "一周", {"days_since_receipt": 7}),
    ("days_since_receipt", "两个月了", {"days_since_receipt": 60}),
    ("days_since_receipt", "5天", {"days_since_receipt": 5}),
    ("price", "三千块", {"price": 3000}),
    ("price", "3000", {"price": 3000}),
    ("channel", "实体店买的", {"channel": "in_store"}),
    ("goods_condition", "拆开看过，没用", {"goods_condition": "opened"}),
    ("renewal_notice_given", "没有提醒", {"renewal_notice_given": False}),
    (PROBLEM, "被自动续费", {"auto_renewed": True, "subject": "service"}),
    (PROBLEM, "网上买的衣服不想要了", {"channel": "online", "category": "clothing", "wants_return": True}),
]


@pytest.mark.parametrize("fact, text, expected", ANSWER_CASES)
def test_parse_answer(fact, text, expected):
    answer = parse_answer(fact, text)
    assert {k: answer.get(k) for k in expected} == expected
    if not expected:
        assert answer == {}


def test_every_fact_a_rule_can_ask_for_has_a_question():
    askable = {PROBLEM}
    for rule in RULES:
        for condition in rule.conditions:
            if condition.ask:
                askable.update(condition.facts)
        askable.update(rule.amount_needs)
    assert askable <= set(QUESTIONS)
    for fact in askable:
        assert question_for(fact).text.endswith(("？", "）"))


def test_every_button_answer_parses_to_its_value():
    for fact, question in QUESTIONS.items():
        for option in question.options:
            expected = option.value if fact == PROBLEM else {fact: option.value}
            assert parse_answer(fact, option.title) == expected
            CaseFacts.from_dict(expected)


def test_question_for_unknown_fact_is_an_error():
    with pytest.raises(ValueError, match="colour"):
        question_for("colour")


def test_summary_is_in_chinese():
    lines = known_facts_summary(CaseFacts.from_dict({"channel": "online", "price": 3000, "fraud": True}))
    assert lines == ["购买方式：网购", "欺诈或虚假宣传：是", "支付价款：3000 元"]


def test_every_field_has_a_type_and_a_label():
    assert set(FACT_TYPES) == set(CaseFacts.__dataclass_fields__) == set(FACT_LABELS)
