"""The complaint conversation without Rasa: each answer, corrections, cancelling, submitting, self-service."""
from datetime import date, datetime

import pytest

from bot.complaints import conversation as talk
from bot.complaints import service
from bot.complaints.lifecycle import Policy, Status

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 2, 0)

FILLED = {
    "complaint_consent": True,
    "complaint_consent_at": NOW.isoformat(),
    "complaint_business": "小米官方旗舰店",
    "complaint_platform": "淘宝",
    "complaint_product": "空气净化器",
    "complaint_purchase_date": "2026-11-18",
    "complaint_amount": "1299.00",
    "complaint_order_number": "2026111812345678",
    "complaint_facts": "收到后发现不能开机，客服一直不处理",
    "complaint_demand": {"kinds": ["退货", "退款"], "compensation_amount": None, "compensation_multiple": None, "detail": "退货退款"},
    "complaint_contacted": True,
    "complaint_evidence": ["聊天记录"],
    "complaint_name": "张三",
    "complaint_phone": "13812345678",
    "complaint_confirmed": None,
}


def empty() -> dict:
    return dict.fromkeys(talk.ALL_SLOTS)


def answer(requested, text, slots=None, intent="inform", confidence=0.9):
    return talk.answer(requested, slots or {**empty(), "complaint_consent": True}, text, intent, confidence, today=TODAY, now=NOW)


@pytest.mark.parametrize(
    "slot, text, response",
    [
        ("complaint_business", "商家", "utter_invalid_complaint_business"),
        ("complaint_product", "！！", "utter_invalid_complaint_product"),
        ("complaint_purchase_date", "前几天", "utter_invalid_complaint_purchase_date"),
        ("complaint_purchase_date", "2027年1月1日", "utter_complaint_purchase_date_in_future"),
        ("complaint_amount", "三百多", "utter_invalid_complaint_amount"),
        ("complaint_order_number", "abc", "utter_invalid_complaint_order_number"),
        ("complaint_facts", "坏了", "utter_invalid_complaint_facts"),
        ("complaint_demand", "。。", "utter_invalid_complaint_demand"),
        ("complaint_demand", "要求赔偿", "utter_complaint_demand_needs_amount"),
        ("complaint_contacted", "不清楚", "utter_invalid_complaint_contacted"),
        ("complaint_evidence", "不知道", "utter_invalid_complaint_evidence"),
        ("complaint_name", "12345", "utter_invalid_complaint_name"),
        ("complaint_phone", "138123", "utter_invalid_complaint_phone"),
        ("complaint_confirmed", "嗯……再想想", "utter_invalid_complaint_confirmed"),
    ],
)
def test_a_wrong_answer_is_explained_and_asked_again(slot, text, response):
    turn = answer(slot, text)
    assert turn.responses == [response]
    assert turn.slots == {slot: None} and not turn.stop and not turn.reject


@pytest.mark.parametrize(
    "slot, text, filled",
    [
        ("complaint_business", "京东自营", {"complaint_business": "京东自营", "complaint_platform": "京东"}),
        ("complaint_product", "买的是空气净化器", {"complaint_product": "空气净化器"}),
        ("complaint_purchase_date", "上周三", {"complaint_purchase_date": "2026-11-18"}),
        ("complaint_amount", "三百五", {"complaint_amount": "350.00"}),
        ("complaint_order_number", "没有", {"complaint_order_number": "无"}),
        ("complaint_demand", "赔偿500元", {"complaint_demand": {"kinds": ["赔偿"], "compensation_amount": "500.00",
                                                          "compensation_multiple": None, "detail": "赔偿500元"}}),
        ("complaint_contacted", "没联系过", {"complaint_contacted": False}),
        ("complaint_evidence", "没有", {"complaint_evidence": []}),
        ("complaint_name", "我叫张三", {"complaint_name": "张三"}),
        ("complaint_phone", "138 1234 5678", {"complaint_phone": "13812345678"}),
        ("complaint_confirmed", "确认提交", {"complaint_confirmed": True}),
    ],
)
def test_a_good_answer_fills_its_slot(slot, text, filled):
    assert answer(slot, text).slots == filled


def test_consent_comes_first_and_a_refusal_ends_the_form_keeping_nothing():
    agreed = talk.answer("complaint_consent", empty(), "同意", None, 0.0, today=TODAY, now=NOW)
    assert agreed.slots == {"complaint_consent": True, "complaint_consent_at": NOW.isoformat()}
    refused = talk.answer("complaint_consent", empty(), "不同意", None, 0.0, today=TODAY, now=NOW)
    assert refused.stop and refused.responses == ["utter_complaint_consent_refused"]
    assert set(refused.slots) == set(talk.ALL_SLOTS) and not any(refused.slots.values())
    assert talk.FORM_SLOTS[0] == "complaint_consent"


def test_the_consent_notice_says_what_why_and_how_long():
    notice = talk.consent_notice(Policy(retention_days=730))
    assert "姓名、联系电话" in notice and "只用于受理和处理这次投诉" in notice and "保存 2 年" in notice
    assert "删除我的个人信息" in notice


@pytest.mark.parametrize("requested", ["complaint_consent", "complaint_amount", "complaint_phone", "complaint_confirmed"])
@pytest.mark.parametrize("text", ["算了，不投诉了", "取消", "取消投诉"])
def test_the_customer_can_cancel_at_any_point(requested, text):
    turn = answer(requested, text, {**FILLED})
    assert turn.stop and turn.responses == ["utter_complaint_cancelled"] and not any(turn.slots.values())


def test_a_rights_question_in_the_middle_is_handed_to_the_knowledge_base():
    assert answer("complaint_facts", "七天无理由退货怎么算？", intent="ask_rights").reject
    assert answer("complaint_amount", "运费也要算进去吗", intent="ask_rights").reject
    # An answer that happens to be classified as a question is still an answer.
    assert answer("complaint_amount", "299元", intent="ask_rights").slots == {"complaint_amount": "299.00"}


def test_one_long_opening_message_fills_most_of_the_form():
    turn = talk.start(
        "我要投诉，我上周三在淘宝的小米官方旗舰店买了一台空气净化器，花了1299元，订单号2026111812345678，"
        "收到后发现不能开机，联系过客服一直不处理，我有聊天截图和照片，要求退货退款，电话13812345678",
        empty(), None, TODAY,
    )
    assert {k: v for k, v in turn.slots.items() if k != "complaint_facts" and k != "complaint_demand"} == {
        "complaint_business": "小米官方旗舰店", "complaint_platform": "淘宝", "complaint_product": "空气净化器",
        "complaint_purchase_date": "2026-11-18", "complaint_amount": "1299.00",
        "complaint_order_number": "2026111812345678", "complaint_contacted": True,
        "complaint_evidence": ["聊天记录", "照片/视频"], "complaint_phone": "13812345678",
    }
    assert turn.slots["complaint_demand"]["kinds"] == ["退货", "退款"]
    assert "138****5678" in turn.slots["complaint_facts"]


def test_an_answer_can_carry_other_fields_but_never_overwrites_them():
    slots = {**empty(), "complaint_consent": True, "complaint_order_number": "A1234567"}
    turn = answer("complaint_amount", "1299元，订单号2026111812345678，上周三买的", slots)
    assert turn.slots == {"complaint_amount": "1299.00", "complaint_purchase_date": "2026-11-18"}


def test_facts_from_the_remedies_conversation_are_reused():
    turn = talk.start("我要投诉", empty(), {"price": 2599.0, "business_contacted": False, "category": "electronics"}, TODAY)
    assert turn.slots == {"complaint_amount": "2599.00", "complaint_contacted": False}


def test_the_summary_shows_everything_with_personal_data_masked():
    text = talk.summary(FILLED)
    assert "1. 被投诉方：小米官方旗舰店（淘宝）" in text and "3. 购买时间：2026年11月18日" in text
    assert "4. 金额：1299.00 元" in text and "7. 您的诉求：退货、退款" in text
    assert "10. 姓名：张*" in text and "11. 联系电话：138****5678" in text and "13812345678" not in text


def test_a_correction_with_the_new_value_changes_it_and_shows_the_summary_again():
    turn = answer("complaint_confirmed", "金额改成1399", {**FILLED})
    assert turn.slots == {"complaint_amount": "1399.00", "complaint_confirmed": None}
    assert turn.texts == ["好的，金额已改为：1399.00 元。"]


def test_a_correction_without_a_value_asks_that_question_again():
    turn = answer("complaint_confirmed", "电话写错了", {**FILLED})
    assert turn.slots == {"complaint_phone": None, "complaint_confirmed": None}


def test_a_correction_can_come_in_the_middle_of_the_form():
    slots = {**FILLED, "complaint_name": None, "complaint_phone": None}
    turn = answer("complaint_name", "刚才日期说错了，应该是上周五", slots)
    assert turn.slots == {"complaint_purchase_date": "2026-11-20", "complaint_confirmed": None}


def test_a_long_account_saying_something_was_wrong_is_not_a_correction():
    slots = {**FILLED, "complaint_facts": None}
    text = "商家发错了货，颜色不对，联系客服说是仓库的问题，让我自己承担运费退回去，我觉得不合理"
    assert answer("complaint_facts", text, slots).slots["complaint_facts"] == text


def test_submitting_saves_then_reports_the_ticket_and_clears_the_form(database_url):
    customer = service.Customer("rest", "alice")
    reply = talk.submit({**FILLED, "complaint_confirmed": True}, customer, now=NOW, url=database_url)
    assert "投诉编号：TS-20261123-000001" in reply.text and "2026-11-24 10:00 前开始调查核实" in reply.text
    assert reply.slots["complaint_ticket"] == "TS-20261123-000001"
    assert all(reply.slots[name] is None for name in talk.ALL_SLOTS)
    view = service.find("TS-20261123-000001", customer, url=database_url)
    assert view.order_number == "2026111812345678" and view.evidence == ("聊天记录",)


def test_nothing_is_submitted_after_a_cancellation(database_url):
    reply = talk.submit(empty(), service.Customer("rest", "alice"), url=database_url)
    assert reply.text == "" and reply.slots == {}


def test_a_failed_save_is_told_and_the_answers_are_kept(tmp_path):
    reply = talk.submit({**FILLED, "complaint_confirmed": True}, service.Customer("rest", "alice"),
                        url=f"sqlite:///{tmp_path / 'not-migrated.db'}")
    assert "没有提交成功" in reply.text and "已受理" not in reply.text
    assert reply.slots == {"complaint_confirmed": None}  # everything else stays filled for the retry


# --- self-service ---------------------------------------------------------------------------------------


@pytest.fixture
def ticket(database_url):
    return talk.submit({**FILLED, "complaint_confirmed": True}, service.Customer("rest", "alice"), now=NOW,
                       url=database_url).slots["complaint_ticket"]


def test_ticket_and_phone_digits_are_read_from_the_message():
    assert talk.ticket_in("查一下我的投诉 ts20261122000123") == "TS-20261122-000123"
    assert talk.phone_last4_in("查一下 TS-20261122-000123 尾号 5678") == "5678"
    assert talk.phone_last4_in("TS-20261122-000123") is None


def test_checking_status_shows_deadlines_and_history(database_url, ticket):
    text = talk.check_status(f"查一下我的投诉 {ticket}", "rest", "alice", now=NOW, policy=Policy(), url=database_url).text
    assert f"投诉编号：{ticket}" in text and "当前状态：已受理" in text and "开始调查核实：2026-11-24 10:00 前" in text
    assert talk.check_status("查一下我的投诉", "rest", "alice", now=NOW, url=database_url).text.startswith(f"投诉编号：{ticket}")


def test_from_another_channel_the_phone_digits_are_needed(database_url, ticket):
    asked = talk.check_status(f"查一下 {ticket}", "wechat", "w1", url=database_url).text
    assert "手机号后四位" in asked and "空气净化器" not in asked
    shown = talk.check_status(f"查一下 {ticket} 尾号5678", "wechat", "w1", url=database_url).text
    assert "当前状态：已受理" in shown


def test_several_complaints_are_listed_to_choose_from(database_url, ticket):
    talk.submit({**FILLED, "complaint_confirmed": True}, service.Customer("rest", "alice"), now=NOW, url=database_url)
    reply = talk.check_status("我的投诉", "rest", "alice", url=database_url)
    assert [b["payload"] for b in reply.buttons] == [f"查一下我的投诉 {ticket}", "查一下我的投诉 TS-20261123-000002"]


def test_adding_information(database_url, ticket):
    done = talk.add_information(f"补充 {ticket}：商家昨天又拒绝退款了", "rest", "alice", url=database_url)
    assert done.text == f"已把您补充的内容记录到投诉 {ticket}，处理人员会一并核实。"
    assert service.lookup(ticket, url=database_url).events[-1].note == "商家昨天又拒绝退款了"
    assert "请把要补充的内容" in talk.add_information("我要补充投诉材料", "rest", "alice", url=database_url).text


def test_withdrawing_asks_for_confirmation_first(database_url, ticket):
    asked = talk.withdraw("我想撤回投诉", "rest", "alice", url=database_url)
    assert "确定要撤回吗" in asked.text and asked.buttons[0]["payload"] == f"确认撤回投诉 {ticket}"
    assert service.lookup(ticket, url=database_url).status is Status.ACCEPTED
    assert "已撤回" in talk.withdraw(asked.buttons[0]["payload"], "rest", "alice", url=database_url).text
    assert service.lookup(ticket, url=database_url).status is Status.WITHDRAWN


def test_confirming_or_disputing_needs_a_result(database_url, ticket):
    assert "没有找到可以确认处理结果的投诉" in talk.confirm_result("我接受处理结果", "rest", "alice", url=database_url).text
    for status in (Status.INVESTIGATING, Status.RESPONDING, Status.AWAITING_CONFIRMATION):
        service.advance(ticket, status, "王芳", url=database_url)
    disputed = talk.dispute_result("商家只退了一半，我不接受", "rest", "alice", now=NOW, url=database_url)
    assert "重新进入调查核实" in disputed.text and "2026-11-26 10:00 前" in disputed.text
    assert service.lookup(ticket, url=database_url).events[-1].note == "商家只退了一半，我不接受"
    for status in (Status.RESPONDING, Status.AWAITING_CONFIRMATION):
        service.advance(ticket, status, "王芳", url=database_url)
    assert "已结案" in talk.confirm_result("我接受处理结果", "rest", "alice", url=database_url).text


def test_seeing_correcting_and_deleting_my_data(database_url, ticket):
    shown = talk.show_my_data("rest", "alice", url=database_url).text
    assert "姓名：张*" in shown and "联系电话：138****5678" in shown and ticket in shown
    assert talk.correct_my_data("把手机号改成 13912345678", "rest", "alice", url=database_url).text == "已更正您的联系电话。新的电话：139****5678。"
    asked = talk.delete_my_data("删除我的个人信息", "rest", "alice", url=database_url)
    assert "确定要删除吗" in asked.text and service.personal_data(service.Customer("rest", "alice"), url=database_url)
    assert ticket in talk.delete_my_data("确认删除我的个人信息", "rest", "alice", url=database_url).text
    assert talk.show_my_data("rest", "alice", url=database_url).text == "我们没有保存您的个人信息。"
    assert service.lookup(ticket, url=database_url).anonymised
