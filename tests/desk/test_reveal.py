"""Audited reveal: the original of a masked message is kept only encrypted, and shown only for a recorded reason."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.desk import (
    EventNotFound,
    HandoffEvent,
    NotAllowed,
    ReasonRequired,
    RecordAgentReply,
    RecordCustomerMessage,
    RevealPersonalData,
    TransferCase,
)
from bot.store import session_scope
from bot.store.append_only import AppendOnlyViolation
from tests.desk.test_cases import case_of, open_claimed

MESSAGE = "我的电话13812345678，身份证110101199003071234，订单号 88123"


def customer_writes(desk, database_url, case_id, message=MESSAGE) -> int:
    desk(RecordCustomerMessage, case_id, message)
    return case_of(database_url, case_id).events[-1].id


def raw_event(database_url, event_id):
    with session_scope(database_url) as session:
        return session.execute(text("SELECT note, sealed_note FROM handoff_events WHERE id = :id"),
                               {"id": event_id}).one()


def reveals(database_url, case_id):
    return [(e.actor, e.note) for e in case_of(database_url, case_id).events if e.action == "personal_data_revealed"]


def test_the_original_is_shown_for_a_reason_and_the_reveal_is_on_the_record(desk, agents, database_url, clock):
    case_id = open_claimed(desk, "wang")
    event_id = customer_writes(desk, database_url, case_id)
    assert case_of(database_url, case_id).events[-1].note == "我的电话138****5678，身份证110101********1234，订单号 88123"
    assert desk(RevealPersonalData, case_id, event_id, "wang", "  商家要回电核实  ") == MESSAGE
    last = case_of(database_url, case_id).events[-1]
    assert (last.action, last.actor, last.at) == ("personal_data_revealed", "agent:wang", clock.now)
    assert last.note == f"查看了记录 {event_id}（2026-12-01 02:00:00 customer）的完整信息，原因：商家要回电核实"


def test_the_database_holds_the_original_only_encrypted(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    customer_id = customer_writes(desk, database_url, case_id)
    desk(RecordAgentReply, case_id, "wang", "我会打您的13812345678回电", override_reason="客户要求核对回电号码")
    reply_id = case_of(database_url, case_id).events[-1].id
    for event_id in (customer_id, reply_id):
        note, sealed = raw_event(database_url, event_id)
        assert sealed and "13812345678" not in note and "13812345678" not in sealed
    assert desk(RevealPersonalData, case_id, reply_id, "wang", "核对回电号码") == "我会打您的13812345678回电"
    # Nothing was masked, so nothing personal is kept twice.
    plain_id = customer_writes(desk, database_url, case_id, "七天无理由怎么退")
    assert raw_event(database_url, plain_id) == ("七天无理由怎么退", None)


def test_the_agents_on_the_case_and_supervisors_may_reveal_nobody_else(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    event_id = customer_writes(desk, database_url, case_id)
    with pytest.raises(NotAllowed, match="不在 李强 手上"):
        desk(RevealPersonalData, case_id, event_id, "li", "好奇")
    assert reveals(database_url, case_id) == []
    assert desk(RevealPersonalData, case_id, event_id, "boss", "质检抽查") == MESSAGE  # a supervisor, not on the case
    desk(TransferCase, case_id, "wang", "李强熟悉这家商家", to_agent="li")
    assert desk(RevealPersonalData, case_id, event_id, "li", "要联系客户") == MESSAGE  # now working on it
    assert desk(RevealPersonalData, case_id, event_id, "wang", "首问跟进") == MESSAGE  # still its owner
    assert [actor for actor, _ in reveals(database_url, case_id)] == ["agent:boss", "agent:li", "agent:wang"]


def test_a_reveal_needs_a_reason(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    event_id = customer_writes(desk, database_url, case_id)
    with pytest.raises(ReasonRequired, match="必须填写原因"):
        desk(RevealPersonalData, case_id, event_id, "wang", "   ")
    assert reveals(database_url, case_id) == []


def test_only_masked_entries_of_the_same_case_can_be_revealed(desk, agents, database_url):
    case_id = open_claimed(desk, "wang", "web:a")
    other_id = open_claimed(desk, "li", "web:b")
    foreign = customer_writes(desk, database_url, other_id)
    with pytest.raises(EventNotFound):
        desk(RevealPersonalData, case_id, foreign, "wang", "看看")
    plain = customer_writes(desk, database_url, case_id, "七天无理由怎么退")
    with pytest.raises(NotAllowed, match="没有被遮挡"):
        desk(RevealPersonalData, case_id, plain, "wang", "看看")


def test_the_kept_original_cannot_be_rewritten_or_erased(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    event_id = customer_writes(desk, database_url, case_id)
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope(database_url) as session:
            session.execute(text("UPDATE handoff_events SET sealed_note = NULL WHERE id = :id"), {"id": event_id})
    with pytest.raises(AppendOnlyViolation):
        with session_scope(database_url) as session:
            session.get(HandoffEvent, event_id).sealed_note = "改写"
    assert desk(RevealPersonalData, case_id, event_id, "wang", "核对") == MESSAGE
