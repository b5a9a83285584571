"""The remedy engine, case by case: which remedies a customer gets, how much, and what we still have to ask."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import pytest

from bot.remedies import CaseFacts, assess

ONLINE_JUMPER = dict(channel="online", subject="goods", category="clothing", wants_return=True,
                     days_since_receipt=5, goods_condition="opened", price=299)
BROKEN_PHONE = dict(subject="goods", category="electronics", has_defect=True, days_since_receipt=3, price=2599)
FAKE_NEW_PHONE = dict(subject="goods", category="electronics", fraud=True, price=3000)
SPOILED_FOOD = dict(subject="goods", category="food", food_below_standard=True, price=50)
SERIOUS_INJURY = dict(subject="goods", injury="serious", knowingly_unsafe=True, loss=20000)
CLOSED_GYM = dict(subject="service", category="prepaid", prepaid_problem="closed_or_moved", prepaid_balance=2000)
SILENT_RENEWAL = dict(subject="service", auto_renewed=True, renewal_notice_given=False, price=25)


def but(base: dict, **changes) -> dict:
    """The base case with some facts changed; None removes a fact."""
    facts = {**base, **changes}
    return {k: v for k, v in facts.items() if v is not None}


@dataclass
class Expect:
    applies: Tuple[str, ...] = ()  # remedies that must be granted
    refused: Tuple[str, ...] = ()  # remedies considered and refused (a condition not met)
    absent: Tuple[str, ...] = ()  # remedies neither granted nor refused
    amounts: Dict[str, Optional[float]] = field(default_factory=dict)
    arithmetic: Dict[str, str] = field(default_factory=dict)  # substring of the shown sum
    missing: Optional[Tuple[str, ...]] = None  # exact facts still to ask, in order
    uncertain: Tuple[str, ...] = ()  # substrings that must appear in the doubts
    not_uncertain: Tuple[str, ...] = ()  # substrings that must not
    deadline: Dict[str, str] = field(default_factory=dict)
    tips: Dict[str, str] = field(default_factory=dict)
    reason: Dict[str, str] = field(default_factory=dict)  # refused remedy -> substring of why


CASES = [
    # --- 七天无理由退货 (消费者权益保护法 第25条, 七日无理由退货暂行办法 第6–10条)
    pytest.param(ONLINE_JUMPER, Expect(applies=("seven_day_return",), amounts={"seven_day_return": 299},
                                       missing=()), id="7day-online-clothing"),
    pytest.param(but(ONLINE_JUMPER, days_since_receipt=7),
                 Expect(applies=("seven_day_return",), deadline={"seven_day_return": "最后一天"}), id="7day-day-7-last-day"),
    pytest.param(but(ONLINE_JUMPER, days_since_receipt=8),
                 Expect(refused=("seven_day_return",), reason={"seven_day_return": "超过签收后的 7 天"}), id="7day-day-8"),
    pytest.param(but(ONLINE_JUMPER, days_since_receipt=0),
                 Expect(applies=("seven_day_return",), deadline={"seven_day_return": "还剩 7 天"}), id="7day-day-0"),
    pytest.param(but(ONLINE_JUMPER, channel="in_store"),
                 Expect(refused=("seven_day_return",), reason={"seven_day_return": "实体店"}), id="7day-in-store"),
    pytest.param(but(ONLINE_JUMPER, channel="tv"), Expect(applies=("seven_day_return",)), id="7day-tv"),
    pytest.param(but(ONLINE_JUMPER, channel="phone"), Expect(applies=("seven_day_return",)), id="7day-phone"),
    pytest.param(but(ONLINE_JUMPER, channel="mail_order"), Expect(applies=("seven_day_return",)), id="7day-mail-order"),
    pytest.param(but(ONLINE_JUMPER, category="custom_made"),
                 Expect(refused=("seven_day_return",), reason={"seven_day_return": "定作"}), id="7day-custom-made"),
    pytest.param(but(ONLINE_JUMPER, category="fresh"), Expect(refused=("seven_day_return",)), id="7day-fresh"),
    pytest.param(but(ONLINE_JUMPER, category="periodicals"), Expect(refused=("seven_day_return",)), id="7day-periodicals"),
    pytest.param(but(ONLINE_JUMPER, category="digital", goods_condition="unopened"),
                 Expect(applies=("seven_day_return",)), id="7day-digital-sealed"),
    pytest.param(but(ONLINE_JUMPER, category="digital", goods_condition="opened"),
                 Expect(refused=("seven_day_return",), reason={"seven_day_return": "数字商品"}), id="7day-digital-opened"),
    pytest.param(but(ONLINE_JUMPER, goods_condition="used"),
                 Expect(refused=("seven_day_return",), reason={"seven_day_return": "不算完好"}), id="7day-used"),
    pytest.param(but(ONLINE_JUMPER, goods_condition="damaged"), Expect(refused=("seven_day_return",)), id="7day-damaged"),
    pytest.param(but(ONLINE_JUMPER, goods_condition="unopened"), Expect(applies=("seven_day_return",)), id="7day-unopened"),
    pytest.param(but(ONLINE_JUMPER, confirmed_not_returnable=True),
                 Expect(refused=("seven_day_return",), reason={"seven_day_return": "单独确认过"}),
                 id="7day-confirmed-not-returnable"),
    pytest.param(ONLINE_JUMPER, Expect(applies=("seven_day_return",), uncertain=("单独确认过",)),
                 id="7day-confirmation-unknown-is-noted"),
    pytest.param(but(ONLINE_JUMPER, confirmed_not_returnable=False),
                 Expect(applies=("seven_day_return",), not_uncertain=("单独确认过",)), id="7day-not-confirmed"),
    pytest.param(but(ONLINE_JUMPER, subject="service"),
                 Expect(refused=("seven_day_return",), reason={"seven_day_return": "服务"}), id="7day-service"),
    pytest.param(dict(wants_return=True),
                 Expect(absent=("seven_day_return",),
                        missing=("channel", "subject", "days_since_receipt", "category", "goods_condition")),
                 id="7day-asks-everything-in-order"),
    pytest.param(but(ONLINE_JUMPER, channel=None), Expect(absent=("seven_day_return",), missing=("channel",)),
                 id="7day-missing-channel"),
    pytest.param(but(ONLINE_JUMPER, price=None),
                 Expect(applies=("seven_day_return",), amounts={"seven_day_return": None}, missing=("price",)),
                 id="7day-missing-price-still-granted"),
    pytest.param(dict(wants_return=True, channel="in_store"), Expect(refused=("seven_day_return",), missing=()),
                 id="7day-in-store-asks-nothing-more"),
    # --- 质量问题退换修 (第24条, 第23条第3款, 产品质量法 第40条)
    pytest.param(but(BROKEN_PHONE, days_since_receipt=7),
                 Expect(applies=("defect_return", "defect_replace_repair"), amounts={"defect_return": 2599}),
                 id="defect-day-7-return"),
    pytest.param(but(BROKEN_PHONE, days_since_receipt=8),
                 Expect(applies=("defect_replace_repair",), refused=("defect_return",), uncertain=("合同目的",),
                        tips={"defect_replace_repair": "法定解除合同"}), id="defect-day-8-replace-repair"),
    pytest.param(but(BROKEN_PHONE, days_since_receipt=None),
                 Expect(applies=("defect_replace_repair",), absent=("defect_return",), missing=("days_since_receipt",)),
                 id="defect-missing-days"),
    pytest.param(but(BROKEN_PHONE, days_since_receipt=100),
                 Expect(applies=("defect_replace_repair",), tips={"defect_replace_repair": "6 个月"}),
                 id="defect-durable-within-6-months-burden-on-business"),
    pytest.param(but(BROKEN_PHONE, subject="service"), Expect(refused=("defect_return", "defect_replace_repair")),
                 id="defect-service"),
    pytest.param(but(BROKEN_PHONE, price=None),
                 Expect(applies=("defect_return",), missing=("price",)), id="defect-missing-price"),
    # --- 欺诈三倍赔偿 (第55条第1款)
    pytest.param(FAKE_NEW_PHONE, Expect(applies=("fraud_compensation",), amounts={"fraud_compensation": 9000},
                                        arithmetic={"fraud_compensation": "3 × 3000 = 9000 元"}, missing=()),
                 id="fraud-3x-3000"),
    pytest.param(but(FAKE_NEW_PHONE, price=100),
                 Expect(amounts={"fraud_compensation": 500}, arithmetic={"fraud_compensation": "不足 500 元，按 500 元计"}),
                 id="fraud-floor-500"),
    pytest.param(but(FAKE_NEW_PHONE, price=166),
                 Expect(amounts={"fraud_compensation": 500}), id="fraud-498-rises-to-floor"),
    pytest.param(but(FAKE_NEW_PHONE, price=167),
                 Expect(amounts={"fraud_compensation": 501}, arithmetic={"fraud_compensation": "3 × 167 = 501 元"}),
                 id="fraud-501-above-floor"),
    pytest.param(but(FAKE_NEW_PHONE, price=19.9),
                 Expect(amounts={"fraud_compensation": 500}, arithmetic={"fraud_compensation": "3 × 19.90 = 59.70 元"}),
                 id="fraud-cents"),
    pytest.param(but(FAKE_NEW_PHONE, price=None),
                 Expect(applies=("fraud_compensation",), amounts={"fraud_compensation": None}, missing=("price",)),
                 id="fraud-missing-price"),
    pytest.param(FAKE_NEW_PHONE, Expect(uncertain=("市场监管部门或法院认定",)), id="fraud-says-regulator-decides"),
    pytest.param(but(FAKE_NEW_PHONE, label_flaw_only=True),
                 Expect(refused=("fraud_compensation",), reason={"fraud_compensation": "标签"}),
                 id="fraud-label-flaw-excluded"),
    pytest.param(FAKE_NEW_PHONE, Expect(uncertain=("能证明自己不是有意欺骗",)), id="fraud-presumption-can-be-rebutted"),
    pytest.param(dict(fraud=False, price=3000), Expect(absent=("fraud_compensation",), missing=("problem",)),
                 id="no-fraud-asks-problem"),
    # --- 食品安全十倍赔偿 (食品安全法 第148条)
    pytest.param(SPOILED_FOOD, Expect(applies=("food_safety_compensation",), amounts={"food_safety_compensation": 1000},
                                      arithmetic={"food_safety_compensation": "10 × 50 = 500 元；不足 1000 元，按 1000 元计"}),
                 id="food-floor-1000"),
    pytest.param(but(SPOILED_FOOD, price=99), Expect(amounts={"food_safety_compensation": 1000}), id="food-990-to-floor"),
    pytest.param(but(SPOILED_FOOD, price=100),
                 Expect(amounts={"food_safety_compensation": 1000},
                        arithmetic={"food_safety_compensation": "10 × 100 = 1000 元"}), id="food-exactly-1000"),
    pytest.param(but(SPOILED_FOOD, price=200), Expect(amounts={"food_safety_compensation": 2000}), id="food-10x"),
    pytest.param(but(SPOILED_FOOD, loss=800),
                 Expect(amounts={"food_safety_compensation": 2400},
                        arithmetic={"food_safety_compensation": "3 × 800 = 2400 元；取较高的 2400 元"}),
                 id="food-3x-loss-wins"),
    pytest.param(but(SPOILED_FOOD, price=500, loss=100), Expect(amounts={"food_safety_compensation": 5000}),
                 id="food-10x-price-wins"),
    pytest.param(but(SPOILED_FOOD, price=10, loss=100), Expect(amounts={"food_safety_compensation": 1000}),
                 id="food-both-below-floor"),
    pytest.param(but(SPOILED_FOOD, category="electronics"), Expect(refused=("food_safety_compensation",)),
                 id="food-not-food"),
    pytest.param(but(SPOILED_FOOD, category="fresh"), Expect(applies=("food_safety_compensation",)), id="food-fresh"),
    pytest.param(but(SPOILED_FOOD, category=None), Expect(missing=("category",)), id="food-missing-category"),
    pytest.param(but(SPOILED_FOOD, label_flaw_only=True),
                 Expect(refused=("food_safety_compensation",), reason={"food_safety_compensation": "标签"}),
                 id="food-label-flaw-excluded"),
    pytest.param(SPOILED_FOOD, Expect(uncertain=("明知",)), id="food-seller-knowledge-uncertain"),
    pytest.param(but(SPOILED_FOOD, knowingly_unsafe=False),
                 Expect(applies=("food_safety_compensation",), uncertain=("向生产厂家要十倍赔偿，不需要证明它知情",)),
                 id="food-seller-did-not-know-producer-still-liable"),
    pytest.param(but(SPOILED_FOOD, knowingly_unsafe=True), Expect(not_uncertain=("明知",)), id="food-knowingly"),
    pytest.param(but(SPOILED_FOOD, fraud=True),
                 Expect(applies=("fraud_compensation", "food_safety_compensation"), uncertain=("只能选一个",)),
                 id="food-and-fraud-choose-one"),
    pytest.param(but(SPOILED_FOOD, price=None, loss=800), Expect(missing=("price",)), id="food-missing-price"),
    # --- 人身伤害 (第49条, 第55条第2款)
    pytest.param(SERIOUS_INJURY,
                 Expect(applies=("injury_punitive_damages", "injury_compensation"),
                        amounts={"injury_punitive_damages": 40000, "injury_compensation": 20000},
                        arithmetic={"injury_punitive_damages": "最高 2 × 20000 = 40000 元"}), id="injury-serious-2x"),
    pytest.param(but(SERIOUS_INJURY, injury="death"), Expect(applies=("injury_punitive_damages",)), id="injury-death"),
    pytest.param(but(SERIOUS_INJURY, injury="minor"),
                 Expect(applies=("injury_compensation",), refused=("injury_punitive_damages",),
                        reason={"injury_punitive_damages": "严重损害"}), id="injury-minor-no-punitive"),
    pytest.param(but(SERIOUS_INJURY, knowingly_unsafe=None, loss=None),
                 Expect(missing=("knowingly_unsafe", "loss")), id="injury-missing-knowledge-and-loss"),
    pytest.param(but(SERIOUS_INJURY, knowingly_unsafe=False),
                 Expect(refused=("injury_punitive_damages",), applies=("injury_compensation",)), id="injury-not-knowingly"),
    pytest.param(dict(injury="none"), Expect(absent=("injury_compensation", "injury_punitive_damages"),
                                             missing=("problem",)), id="injury-none"),
    # --- 预付卡 (第53条, 实施条例 第22条)
    pytest.param(CLOSED_GYM, Expect(applies=("prepaid_refund",), amounts={"prepaid_refund": 2000}), id="prepaid-closed"),
    pytest.param(but(CLOSED_GYM, prepaid_problem="not_as_agreed"), Expect(applies=("prepaid_refund",)),
                 id="prepaid-not-as-agreed"),
    pytest.param(but(CLOSED_GYM, prepaid_problem="changed_mind"),
                 Expect(refused=("prepaid_refund",), reason={"prepaid_refund": "合同约定"}), id="prepaid-changed-mind"),
    pytest.param(but(CLOSED_GYM, prepaid_problem=None), Expect(missing=("prepaid_problem",)), id="prepaid-missing-problem"),
    pytest.param(but(CLOSED_GYM, prepaid_balance=None), Expect(applies=("prepaid_refund",), missing=("prepaid_balance",)),
                 id="prepaid-missing-balance"),
    # --- 自动续费 (实施条例 第10条)
    pytest.param(SILENT_RENEWAL, Expect(applies=("auto_renewal_refund",), amounts={"auto_renewal_refund": 25},
                                        uncertain=("没有直接写明",)), id="renewal-no-notice"),
    pytest.param(but(SILENT_RENEWAL, renewal_notice_given=True), Expect(refused=("auto_renewal_refund",)),
                 id="renewal-with-notice"),
    pytest.param(but(SILENT_RENEWAL, renewal_notice_given=None), Expect(missing=("renewal_notice_given",)),
                 id="renewal-missing-notice"),
    # --- 个人信息, 格式条款
    pytest.param(dict(personal_info_violation=True, loss=1200),
                 Expect(applies=("personal_information",), amounts={"personal_information": 1200}), id="pi-with-loss"),
    pytest.param(dict(personal_info_violation=True),
                 Expect(applies=("personal_information",), amounts={"personal_information": None}, missing=()),
                 id="pi-loss-not-asked"),
    pytest.param(dict(unfair_term=True), Expect(applies=("unfair_terms",), missing=()), id="unfair-terms"),
    # --- 电信 (电信条例 第39条)
    pytest.param(dict(category="telecom", subject="service"), Expect(applies=("telecom_dispute",), missing=()),
                 id="telecom"),
    pytest.param(dict(category="telecom", subject="service", has_defect=True),
                 Expect(applies=("telecom_dispute",), refused=("defect_return", "defect_replace_repair")),
                 id="telecom-service-defect"),
    # --- Nothing known yet
    pytest.param({}, Expect(missing=("problem",)), id="empty-asks-problem"),
]


@pytest.mark.parametrize("facts, expect", CASES)
def test_assessment(facts, expect: Expect):
    assessment = assess(CaseFacts.from_dict(facts))
    granted = {r.id: r for r in assessment.remedies}
    refused = {r.id: r for r in assessment.not_applicable}
    for remedy_id in expect.applies:
        assert remedy_id in granted, f"{remedy_id} not granted; refused: {list(refused)}"
    for remedy_id in expect.refused:
        assert remedy_id in refused, f"{remedy_id} not refused; granted: {list(granted)}"
    for remedy_id in expect.absent:
        assert remedy_id not in granted and remedy_id not in refused
    for remedy_id, value in expect.amounts.items():
        amount = granted[remedy_id].amount
        assert (amount.value if amount else None) == value
    for remedy_id, text in expect.arithmetic.items():
        assert text in granted[remedy_id].amount.arithmetic
    if expect.missing is not None:
        assert assessment.missing_facts == expect.missing
    doubts = "\n".join(assessment.uncertain)
    for text in expect.uncertain:
        assert text in doubts
    for text in expect.not_uncertain:
        assert text not in doubts
    for remedy_id, text in expect.deadline.items():
        assert text in granted[remedy_id].deadline
    for remedy_id, text in expect.tips.items():
        assert any(text in tip for tip in granted[remedy_id].tips)
    for remedy_id, text in expect.reason.items():
        assert any(text in why for why in refused[remedy_id].conditions_not_met)


def test_there_are_at_least_sixty_cases():
    assert len(CASES) >= 60


def test_needs_human_when_nothing_to_ask_and_nothing_granted():
    assessment = assess(CaseFacts.from_dict(dict(wants_return=True, channel="in_store")))
    assert assessment.needs_human
    assert not assess(CaseFacts.from_dict(FAKE_NEW_PHONE)).needs_human


def test_granted_remedy_lists_its_conditions_met():
    remedy = assess(CaseFacts.from_dict(ONLINE_JUMPER)).remedy("seven_day_return")
    assert "通过网络、电视、电话或邮购购买" in remedy.conditions_met
    assert remedy.conditions_not_met == ()


def test_assessment_json_round_trip_names_citations():
    data = assess(CaseFacts.from_dict(FAKE_NEW_PHONE)).to_dict()
    fraud = data["remedies"][0]
    assert fraud["legal_basis"][0] == {"law": "消费者权益保护法", "article": 55, "paragraph": 1,
                                       "citation": "《消费者权益保护法》第55条第1款"}
    assert fraud["amount"] == {"value": 9000, "arithmetic": "3 × 3000 = 9000 元", "is_maximum": False}


def test_injury_deadline_is_the_two_year_limitation_for_defective_products():
    # 产品质量法 第45条: two years, not the general three, for harm caused by a defective product.
    assessment = assess(CaseFacts.from_dict(SERIOUS_INJURY))
    for remedy_id in ("injury_punitive_damages", "injury_compensation"):
        assert "诉讼时效是 2 年" in assessment.remedy(remedy_id).deadline
