"""An agent files a complaint for the customer from the case: saved and linked in one transaction, on both databases."""
import pytest
from sqlalchemy import select

from bot.complaints import service
from bot.complaints.models import Complaint
from bot.desk import (
    ClaimCase,
    ConsentRequired,
    FileComplaintForCustomer,
    Handoff,
    InvalidFields,
    NotAllowed,
    OpenHandoff,
    TransferCase,
    load_policy,
)
from bot.store import session_scope

CONVERSATION = "web:c1"
FIELDS = {
    "complaint_business": "淘宝上的小米官方旗舰店",
    "complaint_product": "空气净化器",
    "complaint_purchase_date": "2026年11月18日",
    "complaint_amount": "1299",
    "complaint_order_number": "2026111812345678",
    "complaint_facts": "收到后不能开机，联系客服三天都没人处理",
    "complaint_demand": "退货退款",
    "complaint_contacted": "联系过",
    "complaint_evidence": "聊天记录",
    "complaint_name": "张三",
    "complaint_phone": "13812345678",
}


@pytest.fixture
def claimed(desk, agents):
    """A case of web:c1 that 王芳 has claimed."""
    case_id = desk(OpenHandoff, CONVERSATION, "request", "客户要求转人工", topic="return_7day").case.id
    desk(ClaimCase, case_id, "wang")
    return case_id


def saved(database_url, case_id):
    """(tickets of every complaint stored, the case's history as (action, actor, note))."""
    with session_scope(database_url) as session:
        tickets = session.execute(select(Complaint.ticket)).scalars().all()
        events = [(e.action, e.actor, e.note) for e in session.get(Handoff, case_id).events]
    return tickets, events


def test_the_agent_files_the_complaint_and_it_is_linked_to_the_case(desk, claimed, database_url):
    desk(FileComplaintForCustomer, claimed, "wang", FIELDS, True)
    tickets, events = saved(database_url, claimed)
    assert tickets == ["TS-20261201-000001"]
    assert events[-1] == ("complaint_filed", "agent:wang", "TS-20261201-000001")
    with session_scope(database_url) as session:
        complaint = session.get(Handoff, claimed).complaint
        assert (complaint.business_name, complaint.business_platform, str(complaint.amount)) == (
            "小米官方旗舰店", "淘宝", "1299.00")
        assert [(e.action, e.actor, e.to_status) for e in complaint.events] == [("created", "operator:wang", "已受理")]
    # It is the customer's complaint: they find it with the bot in their own conversation.
    (view,) = service.complaints_of(service.Customer("web", CONVERSATION), url=database_url)
    assert (view.ticket, view.phone, view.demand) == ("TS-20261201-000001", "138****5678", "退货、退款")


def test_the_complaint_is_saved_only_with_the_desks_transaction(claimed, database_url, clock):
    with pytest.raises(RuntimeError):
        with session_scope(database_url) as session:
            FileComplaintForCustomer(session, load_policy(), clock)(claimed, "wang", FIELDS, True)
            raise RuntimeError("the rest of the desk's transaction fails")
    assert saved(database_url, claimed)[0] == []
    with session_scope(database_url) as session:
        FileComplaintForCustomer(session, load_policy(), clock)(claimed, "wang", FIELDS, True)
    assert saved(database_url, claimed)[0] == ["TS-20261201-000001"]  # the failed attempt used up no number


def test_without_the_customers_consent_nothing_is_filed(desk, claimed, database_url):
    with pytest.raises(ConsentRequired, match="客户在对话中同意保存其个人信息用于处理投诉后，才能为其登记投诉"):
        desk(FileComplaintForCustomer, claimed, "wang", FIELDS, False)
    tickets, events = saved(database_url, claimed)
    assert tickets == [] and "complaint_filed" not in [action for action, _, _ in events]


def test_only_the_agent_on_the_case_or_its_owner_files_and_only_once(desk, claimed, database_url):
    with pytest.raises(NotAllowed, match="不在 李强 手上"):
        desk(FileComplaintForCustomer, claimed, "li", FIELDS, True)
    desk(TransferCase, claimed, "wang", "李强熟悉这家商家", "li", None)
    desk(FileComplaintForCustomer, claimed, "wang", FIELDS, True)  # 王芳 still answers for the case
    with pytest.raises(NotAllowed, match="已关联投诉 TS-20261201-000001，不再重复登记"):
        desk(FileComplaintForCustomer, claimed, "li", FIELDS, True)
    assert saved(database_url, claimed)[0] == ["TS-20261201-000001"]


def test_fields_the_bot_form_would_refuse_are_told_one_by_one_and_nothing_is_saved(desk, claimed, database_url):
    with pytest.raises(InvalidFields, match="投诉信息有 2 项需要修改") as refused:
        desk(FileComplaintForCustomer, claimed, "wang",
             {**FIELDS, "complaint_amount": "很多钱", "complaint_phone": "12345"}, True)
    assert refused.value.problems == {
        "complaint_amount": "金额：没能读懂「很多钱」，请写数字金额，如“299”；没花钱写“免费”",
        "complaint_phone": "联系电话：没能读懂「12345」，请写 11 位手机号或座机，如 010-12345678",
    }
    tickets, events = saved(database_url, claimed)
    assert tickets == [] and events[-1][0] == "claimed"
