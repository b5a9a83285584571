"""The plain-Chinese answer and the dispute paths."""
from __future__ import annotations

from bot.remedies import CaseFacts, assess, check_terms, paths_for, render_assessment, render_findings


def _answer(**facts) -> str:
    return render_assessment(assess(CaseFacts.from_dict(facts)))


def test_answer_shows_sum_citation_steps_evidence_and_paths_in_order():
    text = _answer(fraud=True, price=3000, subject="goods")
    assert "9000 元（3 × 3000 = 9000 元）" in text
    assert "《消费者权益保护法》第55条第1款" in text
    assert "请保留好证据" in text and "先这样做：1." in text
    for n, name in enumerate(("协商和解", "消协调解", "行政投诉", "仲裁", "诉讼"), start=1):
        assert f"\n{n}. {name}：" in text
    assert "12315" in text
    offer, disclaimer = text.split("\n\n")[-2:]
    assert "帮您填好投诉" in offer and "转人工客服" in offer
    assert "不构成法律意见" in disclaimer


def test_ceiling_is_said_as_a_ceiling():
    text = _answer(injury="serious", knowingly_unsafe=True, loss=20000)
    assert "最多 40000 元" in text


def test_refused_remedy_says_why():
    text = _answer(wants_return=True, channel="online", subject="goods", days_since_receipt=8,
                   category="clothing", goods_condition="unopened", price=199)
    assert "这些暂时不适用" in text and "已经超过签收后的 7 天" in text
    assert "人工客服" in text


def test_telecom_goes_to_operator_then_appeal_centre():
    paths = paths_for(CaseFacts.from_dict({"category": "telecom"}))
    assert [p.name for p in paths][:2] == ["先向运营商投诉", "向电信用户申诉受理中心申诉"]
    assert "15 天" in paths[1].how and "5 个月" in paths[1].how
    assert len(paths) == 5
    assert paths_for(CaseFacts())[0].name == "协商和解"


def test_paths_are_not_presented_as_a_required_order():
    # 消费者权益保护法 第39条 lists five paths without ranking them; telecom's appeal does need the operator first.
    text = _answer(unfair_term=True)
    assert "法律没有规定先后" in text and "按这个顺序" not in text
    telecom = _answer(subject="service", category="telecom")
    assert "要先向运营商投诉，之后才能向申诉受理中心申诉" in telecom and "法律没有规定先后" not in telecom


def test_contacted_business_is_not_told_to_start_with_step_one():
    assert "先从第 1 步开始" in _answer(unfair_term=True)
    assert "先从第 1 步开始" not in _answer(unfair_term=True, business_contacted=True)


def test_findings_text_quotes_clause_and_fair_wording():
    text = render_findings(check_terms("本活动最终解释权归本店所有。"))
    assert "“本活动最终解释权归本店所有”" in text and "公平的写法" in text and "第26条" in text
    assert "没有发现明显不公平" in render_findings([])


def test_law_is_named_once_for_several_articles():
    text = _answer(wants_return=True, channel="online", subject="goods", days_since_receipt=1, category="other",
                   goods_condition="unopened", price=10)
    assert "《网络购买商品七日无理由退货暂行办法》第6条、第7条、第8条" in text
