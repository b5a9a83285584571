"""Filing a complaint for the customer from a case, over the console's real HTTP API."""
import pytest

from bot.channels import outbound
from bot.desk import OpenHandoff, load_policy
from bot.store import session_scope

CONVERSATION = "test:cust-5"
# What the bot's tracker holds: the customer told their story, then asked for a person.
TRACKER = {"slots": {"remedy_facts": {"price": 199, "business_contacted": True}}, "events": [
    {"event": "user", "text": "我11月20日在京东小熊电器旗舰店买了一个电水壶，用了两天壶底就漏水了，我要求退货"},
    {"event": "user", "text": "/request_human"},
]}


@pytest.fixture
def delivered(monkeypatch):
    """What reached customers on the ``test`` channel, as (user, text)."""
    sent = []

    class RecordingSender:
        async def send(self, user_id, message):
            sent.append((user_id, message["text"]))

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())  # the console runs in this process
    return sent


def claimed_case(login, database_url, clock, conversation=CONVERSATION, detail="客户要求转人工"):
    with session_scope(database_url) as session:
        case_id = OpenHandoff(session, load_policy(), clock)(conversation, "request", detail, topic="return_7day").case.id
    wang = login("wang")
    assert wang.post(f"/api/cases/{case_id}/claim").status_code == 200
    return wang, case_id


def test_the_agent_files_the_prefilled_complaint_and_the_customer_is_told_its_ticket(
    login, database_url, clock, bot_trackers, delivered
):
    bot_trackers[CONVERSATION] = TRACKER
    wang, case_id = claimed_case(login, database_url, clock)
    draft = wang.get(f"/api/cases/{case_id}/complaint-draft").json()
    assert draft["transcript_error"] is None
    prefilled = {field["label"]: field["value"] for field in draft["fields"]}
    assert (prefilled["被投诉方"], prefilled["商品/服务"], prefilled["金额"], prefilled["您的诉求"]) == (
        "京东上的小熊电器旗舰店", "电水壶", "199.00 元", "退货")
    assert (prefilled["姓名"], prefilled["联系电话"]) == ("", "")  # asked in the chat, never prefilled

    fields = {field["name"]: field["value"] for field in draft["fields"]}
    fields.update(complaint_name="张三", complaint_phone="13812345678")
    filed = wang.post(f"/api/cases/{case_id}/complaints", {"fields": fields, "customer_consented": True})
    assert filed.status_code == 201 and filed.json()["complaint_ticket"] == "TS-20261201-000001"
    assert delivered[-1] == ("cust-5", "已为您登记投诉，投诉编号：TS-20261201-000001。"
                                       "我们会在 2026-12-02 10:00 前开始调查核实，进展会在这里告诉您。")
    context = wang.get(f"/api/cases/{case_id}/context").json()
    assert [(c["ticket"], c["status"], c["business"]) for c in context["complaints"]] == [
        ("TS-20261201-000001", "已受理", "小熊电器旗舰店")]
    last = wang.get(f"/api/cases/{case_id}").json()["events"][-1]
    assert (last["action"], last["actor"], last["note"]) == ("complaint_filed", "agent:wang", "TS-20261201-000001")


def test_without_the_bot_the_draft_has_the_cases_detail_as_the_facts(login, database_url, clock):
    wang, case_id = claimed_case(login, database_url, clock, conversation="web:nobot", detail="电水壶漏水，商家不退")
    draft = wang.get(f"/api/cases/{case_id}/complaint-draft").json()
    assert draft["transcript_error"] == "暂时无法从机器人读取对话记录"
    assert {field["name"]: field["value"] for field in draft["fields"] if field["value"]} == {
        "complaint_facts": "电水壶漏水，商家不退"}


def test_refusals_say_what_to_fix_and_nothing_is_filed_or_sent(login, database_url, clock, delivered):
    wang, case_id = claimed_case(login, database_url, clock)
    fields = {"complaint_business": "小熊电器旗舰店", "complaint_product": "电水壶", "complaint_amount": "很多钱",
              "complaint_facts": "用了两天壶底就漏水了，商家不给退", "complaint_demand": "退货",
              "complaint_contacted": "联系过", "complaint_name": "张三", "complaint_phone": "13812345678"}

    invalid = wang.post(f"/api/cases/{case_id}/complaints", {"fields": fields, "customer_consented": True})
    assert invalid.status_code == 422
    assert invalid.json() == {"error": "invalid_fields", "detail": "投诉信息有 2 项需要修改", "problems": {
        "complaint_purchase_date": "购买时间：请填写",
        "complaint_amount": "金额：没能读懂「很多钱」，请写数字金额，如“299”；没花钱写“免费”"}}

    fields.update(complaint_purchase_date="11月20日", complaint_amount="199元")
    no_consent = wang.post(f"/api/cases/{case_id}/complaints", {"fields": fields})
    assert no_consent.status_code == 422 and no_consent.json()["error"] == "consent_required"
    no_token = wang.post(f"/api/cases/{case_id}/complaints", {"fields": fields, "customer_consented": True},
                         csrf=False)
    assert no_token.status_code == 403

    assert wang.get(f"/api/cases/{case_id}").json()["complaint_ticket"] is None
    assert delivered == [("cust-5", "您好，我是人工客服王芳，接下来由我为您处理。")]  # only the claim's greeting
