"""Complaints in a real database: submitting, self-service, deadlines, and the customer's data rights."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from bot.complaints import service
from bot.complaints.fields import Demand
from bot.complaints.lifecycle import Policy, Status
from bot.complaints.models import Complaint, ComplaintEvent, CustomerContact
from bot.store import engine, session_scope

NOW = datetime(2026, 11, 22, 16, 30)  # 00:30 on 23 November in Beijing
ALICE = service.Customer("rest", "alice")
STRANGER = service.Customer("wechat", "someone-else")


def draft(**changes) -> service.ComplaintDraft:
    fields = dict(
        business_name="小米官方旗舰店", business_platform="淘宝", product="空气净化器", purchase_date=date(2026, 11, 18),
        amount=Decimal("1299.00"), order_number="2026111812345678", facts="收到后不能开机，客服一直不处理",
        demand=Demand(("退货", "退款")), contacted_business=True, evidence=["聊天记录"], name="张三",
        phone="13812345678",
    )
    fields.update(changes)
    return service.ComplaintDraft(**fields)


def submit(url, customer=ALICE, now=NOW, **changes) -> service.Submitted:
    return service.submit(draft(**changes), customer, consented_at=now, now=now, policy=Policy(), url=url)


def test_a_submitted_complaint_is_accepted_with_a_ticket_and_deadline(database_url):
    submitted = submit(database_url)
    assert submitted.ticket == "TS-20261123-000001"  # numbered by the Beijing date
    assert submitted.status is Status.ACCEPTED and submitted.deadline == NOW + timedelta(hours=24)
    view = service.find(submitted.ticket, ALICE, url=database_url)
    assert (view.business, view.amount, view.demand, view.phone) == ("小米官方旗舰店（淘宝）", Decimal("1299.00"), "退货、退款", "138****5678")
    assert [(e.action, e.to_status) for e in view.events] == [("created", "已受理")]


def test_tickets_count_up_per_day_and_restart_the_next_day(database_url):
    tickets = [submit(database_url, service.Customer("rest", f"u{i}")).ticket for i in range(3)]
    tomorrow = submit(database_url, now=NOW + timedelta(days=1)).ticket
    assert tickets == ["TS-20261123-000001", "TS-20261123-000002", "TS-20261123-000003"]
    assert tomorrow == "TS-20261124-000001"


def test_a_failed_save_is_reported_and_leaves_nothing(tmp_path):
    unmigrated = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(service.SaveFailed, match="没能保存成功"):
        submit(unmigrated)


def test_the_same_customer_keeps_one_contact_with_their_latest_details(database_url):
    submit(database_url)
    submit(database_url, phone="13900001111")
    with session_scope(database_url) as session:
        (contact,) = session.execute(select(CustomerContact)).scalars().all()
        assert contact.phone == "13900001111" and len(contact.complaints) == 2


def test_only_the_owner_or_someone_with_the_phone_digits_may_look(database_url):
    ticket = submit(database_url).ticket
    assert service.find(ticket.lower(), ALICE, url=database_url).ticket == ticket
    with pytest.raises(service.IdentityNotVerified, match="后四位"):
        service.find(ticket, STRANGER, url=database_url)
    with pytest.raises(service.IdentityNotVerified):
        service.find(ticket, service.Customer("wechat", "x", phone_last4="0000"), url=database_url)
    assert service.find(ticket, service.Customer("wechat", "x", phone_last4="5678"), url=database_url).ticket == ticket
    with pytest.raises(service.ComplaintNotFound, match="TS-20990101-000001"):
        service.find("TS-20990101-000001", ALICE, url=database_url)


def test_complaints_of_a_customer(database_url):
    first, second = submit(database_url).ticket, submit(database_url).ticket
    submit(database_url, STRANGER)
    assert [v.ticket for v in service.complaints_of(ALICE, url=database_url)] == [first, second]
    assert service.complaints_of(service.Customer("rest", "nobody"), url=database_url) == []


def test_added_information_is_appended_masked(database_url):
    ticket = submit(database_url).ticket
    view = service.add_information(ticket, ALICE, "补充：客服电话 13800001111 说不给退", now=NOW, url=database_url)
    assert view.events[-1].action == "info_added"
    assert view.events[-1].note == "补充：客服电话 138****1111 说不给退"


def test_withdrawing_ends_the_case_and_then_nothing_can_be_added(database_url):
    ticket = submit(database_url).ticket
    view = service.withdraw(ticket, ALICE, "商家已经退款了", now=NOW, policy=Policy(), url=database_url)
    assert view.status is Status.WITHDRAWN and view.status_deadline is None
    with pytest.raises(service.ComplaintError, match="已撤回"):
        service.add_information(ticket, ALICE, "还有一张照片", url=database_url)
    with pytest.raises(service.ComplaintError):
        service.withdraw(ticket, ALICE, url=database_url)


def _to_result(url, ticket):
    for status in (Status.INVESTIGATING, Status.RESPONDING, Status.AWAITING_CONFIRMATION):
        service.advance(ticket, status, "王芳", now=NOW, policy=Policy(), url=url)


def test_confirming_the_result_closes_the_case(database_url):
    ticket = submit(database_url).ticket
    with pytest.raises(service.ComplaintError, match="还没有可以确认的处理结果"):
        service.confirm_result(ticket, ALICE, url=database_url)
    _to_result(database_url, ticket)
    view = service.confirm_result(ticket, ALICE, now=NOW, policy=Policy(), url=database_url)
    assert view.status is Status.CLOSED and view.events[-1].action == "result_confirmed"


def test_a_dispute_reopens_the_case_and_is_recorded(database_url):
    ticket = submit(database_url).ticket
    _to_result(database_url, ticket)
    later = NOW + timedelta(days=1)
    view = service.dispute_result(ticket, ALICE, "只退了一半的钱", now=later, policy=Policy(), url=database_url)
    assert view.status is Status.INVESTIGATING and view.status_deadline == later + timedelta(hours=72)
    last = view.events[-1]
    assert (last.action, last.from_status, last.to_status, last.note) == ("result_disputed", "结果确认", "调查核实", "只退了一半的钱")
    assert last.actor.startswith("customer#")


def test_operators_cannot_skip_stages(database_url):
    ticket = submit(database_url).ticket
    with pytest.raises(Exception, match="不能从「已受理」变为「已结案」"):
        service.advance(ticket, Status.CLOSED, "王芳", url=database_url)
    assert service.lookup(ticket, url=database_url).status is Status.ACCEPTED


def test_overdue_lists_open_complaints_past_their_deadline(database_url):
    late = submit(database_url, now=NOW - timedelta(days=3)).ticket
    on_time = submit(database_url).ticket
    withdrawn = submit(database_url, now=NOW - timedelta(days=5)).ticket
    service.withdraw(withdrawn, ALICE, url=database_url)
    assert [v.ticket for v in service.overdue(NOW + timedelta(hours=1), url=database_url)] == [late]
    assert {v.ticket for v in service.overdue(NOW + timedelta(days=2), url=database_url)} == {late, on_time}


def test_status_report_shows_deadlines_and_history(database_url):
    ticket = submit(database_url).ticket
    view = service.find(ticket, ALICE, url=database_url)
    report = view.describe(Policy(), NOW)
    assert "当前状态：已受理" in report
    assert "开始调查核实：2026-11-24 00:30 前" in report  # 24 hours, shown in Beijing time
    assert "给出处理结果：2026-11-29 00:30 前" in report  # +72 h +48 h
    assert "2026-11-23 00:30 投诉人：提交投诉" in report
    assert "已超过处理时限" in view.describe(Policy(), NOW + timedelta(days=2))


def test_customers_see_their_data_masked(database_url):
    ticket = submit(database_url, id_number="11010519491231002X").ticket
    data = service.personal_data(ALICE, url=database_url)
    assert (data.name, data.phone, data.id_number, data.tickets) == ("张*", "138****5678", "110105********002X", (ticket,))
    assert service.personal_data(STRANGER, url=database_url) is None


def test_correcting_contact_details_is_recorded_without_the_values(database_url):
    ticket = submit(database_url).ticket
    assert service.correct_contact(ALICE, phone="13900001111", url=database_url)
    assert service.personal_data(ALICE, url=database_url).phone == "139****1111"
    event = service.find(ticket, ALICE, url=database_url).events[-1]
    assert (event.action, event.note) == ("contact_corrected", "手机号")
    assert not service.correct_contact(STRANGER, phone="13900001111", url=database_url)


def test_deletion_erases_personal_fields_and_keeps_an_anonymous_record(database_url):
    ticket = submit(database_url, id_number="11010519491231002X").ticket
    assert service.delete_personal_data(ALICE, now=NOW, url=database_url) == [ticket]
    with engine(database_url).connect() as connection:
        row = connection.execute(text("select name, phone, id_number, sender_id from customer_contacts")).one()
    assert row == (None, None, None, "anonymised-1")
    assert service.personal_data(ALICE, url=database_url) is None
    view = service.lookup(ticket, url=database_url)
    assert view.anonymised and view.phone == "" and view.product == "空气净化器"
    assert [e.action for e in view.events] == ["created", "personal_data_deleted"]
    with pytest.raises(service.IdentityNotVerified):  # the old identity no longer leads to the record
        service.find(ticket, ALICE, url=database_url)


def test_personal_data_expires_after_the_retention_period(database_url):
    ended = submit(database_url, service.Customer("rest", "old")).ticket
    service.withdraw(ended, service.Customer("rest", "old"), now=NOW, policy=Policy(), url=database_url)
    submit(database_url)  # still open: kept
    policy = Policy(retention_days=30)
    assert service.anonymise_expired(NOW + timedelta(days=29), policy=policy, url=database_url) == 0
    assert service.anonymise_expired(NOW + timedelta(days=31), policy=policy, url=database_url) == 1
    assert service.lookup(ended, url=database_url).events[-1].action == "personal_data_expired"
    assert service.personal_data(ALICE, url=database_url).phone == "138****5678"


def test_no_event_ever_holds_the_phone_number(database_url):
    ticket = submit(database_url, facts="电话13812345678打不通").ticket
    service.add_information(ticket, ALICE, "新号码 13812345678", url=database_url)
    service.correct_contact(ALICE, phone="13900001111", url=database_url)
    with session_scope(database_url) as session:
        notes = " ".join(filter(None, session.execute(select(ComplaintEvent.note)).scalars()))
        facts = session.execute(select(Complaint.facts)).scalar()
    assert "13812345678" not in notes + facts and "13900001111" not in notes


def test_simultaneous_submissions_get_distinct_consecutive_tickets(database_url):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        tickets = list(pool.map(lambda i: submit(database_url, service.Customer("rest", f"c{i}")).ticket, range(12)))
    assert sorted(tickets) == [f"TS-20261123-{n:06d}" for n in range(1, 13)]
