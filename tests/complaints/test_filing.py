"""What an agent files for a customer: the fields prefilled from the conversation, and read back as the bot's form
reads answers."""
from datetime import date

from bot.complaints import filing
from bot.complaints.conversation import draft_from_slots

TODAY = date(2026, 12, 1)

# The customer answered part of the bot's complaint form, after the remedies interview, then asked for a person.
FORM_TRACKER = {
    "slots": {
        "complaint_consent": True,
        "complaint_business": "小米官方旗舰店",
        "complaint_platform": "淘宝",
        "complaint_product": "空气净化器",
        "complaint_purchase_date": "2026-11-18",
        "complaint_demand": {"kinds": ["退款", "赔偿"], "compensation_amount": None, "compensation_multiple": 3,
                             "detail": "退一赔三"},
        "complaint_evidence": [],
        "complaint_name": "张三",
        "complaint_phone": "13812345678",
        "remedy_facts": {"price": 1299, "business_contacted": True},
    },
    "events": [{"event": "user", "text": "我要投诉"}, {"event": "user", "text": "/request_human"}],
}


def test_the_bot_forms_answers_and_the_remedy_facts_are_prefilled_as_text():
    assert filing.prefill(FORM_TRACKER, "客户要求转人工", TODAY) == {
        "complaint_business": "淘宝上的小米官方旗舰店",
        "complaint_product": "空气净化器",
        "complaint_purchase_date": "2026年11月18日",
        "complaint_amount": "1299.00 元",
        "complaint_demand": "退款、赔偿（价款的 3 倍）",
        "complaint_contacted": "联系过",
        "complaint_evidence": "暂无",
        "complaint_facts": "客户要求转人工",  # nobody told the facts yet: the case's detail stands in
    }  # name and phone are never prefilled: the console shows them only masked


def test_prefilled_text_reads_back_to_what_the_bot_form_had():
    fields = {**filing.prefill(FORM_TRACKER, "", TODAY), "complaint_facts": "收到后不能开机，客服一直不处理",
              "complaint_name": "张三", "complaint_phone": "138 1234 5678"}
    slots, problems = filing.read(fields, TODAY)
    assert problems == {}
    draft = draft_from_slots(slots)
    assert (draft.business_name, draft.business_platform, draft.purchase_date, str(draft.amount)) == (
        "小米官方旗舰店", "淘宝", date(2026, 11, 18), "1299.00")
    assert (draft.demand.kinds, draft.demand.compensation_multiple) == (("退款", "赔偿"), 3)
    assert (draft.contacted_business, draft.evidence, draft.order_number, draft.phone) == (
        True, [], None, "13812345678")


def test_what_the_customer_wrote_to_the_bot_is_prefilled_when_the_form_never_ran():
    tracker = {"slots": {}, "events": [
        {"event": "user", "text": "我11月20日在京东小熊电器旗舰店买了一个电水壶，花了199元，用了两天壶底就漏水了"},
        {"event": "bot", "text": "很抱歉给您带来不便。"},
        {"event": "user", "text": "联系过客服，他们不给退，我电话13812345678，我要求退货"},
        {"event": "user", "text": "/request_human"},
    ]}
    fields = filing.prefill(tracker, "客户要求转人工", TODAY)
    assert (fields["complaint_business"], fields["complaint_product"], fields["complaint_amount"]) == (
        "京东上的小熊电器旗舰店", "电水壶", "199.00 元")
    assert (fields["complaint_purchase_date"], fields["complaint_contacted"], fields["complaint_demand"]) == (
        "2026年11月20日", "联系过", "退货")
    assert fields["complaint_facts"].startswith("我11月20日在京东小熊电器旗舰店买了一个电水壶")
    assert "138****5678" in fields["complaint_facts"] and "13812345678" not in str(fields)
    assert "complaint_phone" not in fields and "/request_human" not in fields["complaint_facts"]


def test_without_the_bot_only_the_cases_detail_is_prefilled_as_the_facts():
    assert filing.prefill(None, "客户说电水壶漏水，回电13812345678", TODAY) == {
        "complaint_facts": "客户说电水壶漏水，回电138****5678"}


def test_each_field_the_bot_form_would_refuse_gets_its_own_problem():
    slots, problems = filing.read({
        "complaint_business": "商家",
        "complaint_product": "电水壶",
        "complaint_purchase_date": "2027年1月5日",
        "complaint_amount": "很多钱",
        "complaint_facts": "漏水",
        "complaint_demand": "要赔偿",
        "complaint_contacted": "联系过",
        "complaint_name": "张三",
        "complaint_phone": "",
    }, TODAY)
    assert problems == {
        "complaint_business": "被投诉方：没能读懂「商家」，请写商家的具体名称，如“淘宝上的XX旗舰店”“XX超市朝阳店”",
        "complaint_purchase_date": "购买时间：「2027年1月5日」还没到，请写实际购买或接受服务的日期",
        "complaint_amount": "金额：没能读懂「很多钱」，请写数字金额，如“299”；没花钱写“免费”",
        "complaint_facts": "事情经过：「漏水」太短，请写清经过（至少 8 个字）",
        "complaint_demand": "您的诉求：「要赔偿」没写赔偿多少，请写明金额或倍数，如“赔偿500元”“三倍赔偿”",
        "complaint_phone": "联系电话：请填写",
    }  # an empty order number or evidence means the customer has none
    assert (slots["complaint_product"], slots["complaint_order_number"], slots["complaint_evidence"]) == (
        "电水壶", "无", ())


def test_the_form_lists_every_field_in_the_bots_order_with_its_label():
    shown = filing.form({"complaint_product": "电水壶"})
    assert [field["label"] for field in shown] == [
        "被投诉方", "商品/服务", "购买时间", "金额", "订单号", "事情经过", "您的诉求", "是否联系过商家", "证据", "姓名",
        "联系电话"]
    assert [field["name"] for field in shown if not field["required"]] == ["complaint_order_number", "complaint_evidence"]
    assert shown[1]["value"] == "电水壶" and shown[0]["value"] == ""
