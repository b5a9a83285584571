"""Deadlines with a fake clock: business hours, holidays, waiting on the customer, transfers, resolution."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from bot.desk import (
    ClaimCase,
    ConfirmResolution,
    OpenHandoff,
    ProposeResolution,
    RecordAgentReply,
    RecordCustomerMessage,
    TransferCase,
    load_policy,
)
from bot.desk.deadlines import BREACHED, MET, OK, WARNED, CheckDeadlines, deadline_states, overdue
from bot.desk.models import Handoff
from bot.store import session_scope


def beijing(text_: str) -> datetime:
    return datetime.fromisoformat(text_) - timedelta(hours=8)


@pytest.fixture
def states(database_url, clock):
    """``states(case_id)`` → {deadline name: status} at the clock's current time."""

    def at_now(case_id: int) -> dict:
        with session_scope(database_url) as session:
            case = session.get(Handoff, case_id)
            return {s.name: s.status for s in deadline_states(case, clock.now, load_policy())}

    return at_now


def open_at(desk, clock, moment: str, reason: str = "request", conversation: str = "web:c1") -> int:
    clock.now = beijing(moment)
    return desk(OpenHandoff, conversation, reason, topic="return_7day").case.id


def test_the_claim_clock_warns_then_breaches(desk, agents, clock, states):
    case_id = open_at(desk, clock, "2026-12-01T10:00")
    clock.now = beijing("2026-12-01T10:07")
    assert states(case_id)["claim"] == OK
    clock.now = beijing("2026-12-01T10:08")
    assert states(case_id)["claim"] == WARNED
    clock.now = beijing("2026-12-01T10:11")
    assert states(case_id)["claim"] == BREACHED


def test_an_injury_has_tighter_deadlines(desk, agents, clock, states):
    case_id = open_at(desk, clock, "2026-12-01T10:00", reason="injury")
    clock.now = beijing("2026-12-01T10:02:30")
    assert states(case_id)["claim"] == BREACHED


def test_lunch_does_not_count(desk, agents, clock, states):
    case_id = open_at(desk, clock, "2026-12-01T11:55")
    clock.now = beijing("2026-12-01T13:33")  # 5 minutes before lunch, 3 after
    assert states(case_id)["claim"] == WARNED
    clock.now = beijing("2026-12-01T13:36")
    assert states(case_id)["claim"] == BREACHED


def test_holidays_do_not_count(desk, agents, clock, states):
    case_id = open_at(desk, clock, "2027-02-05T17:55")  # Friday evening before the Spring Festival week
    clock.now = beijing("2027-02-13T09:04")  # 5 minutes before the holiday, 4 after it
    assert states(case_id)["claim"] == WARNED


def test_first_and_next_response(desk, agents, clock, states):
    case_id = open_at(desk, clock, "2026-12-01T10:00")
    clock.now = beijing("2026-12-01T10:01")
    desk(ClaimCase, case_id, "wang")
    clock.now = beijing("2026-12-01T10:03:30")
    assert states(case_id)["first_response"] == BREACHED
    desk(RecordAgentReply, case_id, "wang", "您好")
    clock.now = beijing("2026-12-01T10:10")
    desk(RecordCustomerMessage, case_id, "商家还是不退")
    clock.now = beijing("2026-12-01T10:22")
    assert states(case_id)["next_response"] == WARNED
    desk(RecordAgentReply, case_id, "wang", "我再联系一次商家")
    assert states(case_id)["next_response"] == MET
    assert states(case_id)["claim"] == MET


def test_the_resolution_clock_pauses_while_waiting_on_the_customer_and_freezes_at_the_proposal(
    desk, agents, clock, states
):
    case_id = open_at(desk, clock, "2026-12-01T10:00")
    clock.now = beijing("2026-12-01T10:01")
    desk(ClaimCase, case_id, "wang")
    clock.now = beijing("2026-12-01T10:02")
    desk(RecordAgentReply, case_id, "wang", "请上传订单截图")
    clock.now = beijing("2026-12-01T16:00")  # the customer took hours to answer: not our time
    assert states(case_id)["resolution"] == OK
    desk(RecordCustomerMessage, case_id, "截图发你了")
    clock.now = beijing("2026-12-01T16:47")  # 2 + 47 = 49 of 60 minutes
    assert states(case_id)["resolution"] == WARNED
    desk(ProposeResolution, case_id, "wang", "商家同意退款")
    clock.now = beijing("2026-12-02T16:00")
    after = states(case_id)
    assert after["resolution"] == MET  # frozen at the proposal
    assert after["confirmation"] == OK
    desk(ConfirmResolution, case_id)
    assert states(case_id)["confirmation"] == MET


def test_a_transfer_to_another_group_restarts_the_claim_clock(desk, agents, clock, states, database_url):
    case_id = open_at(desk, clock, "2026-12-01T10:00")
    clock.now = beijing("2026-12-01T10:05")
    desk(ClaimCase, case_id, "wang")
    clock.now = beijing("2026-12-01T10:30")
    desk(TransferCase, case_id, "wang", "电信问题", to_skill="telecom")
    clock.now = beijing("2026-12-01T10:39")
    assert states(case_id)["claim"] == WARNED


def test_each_step_is_recorded_and_notified_once_to_owner_and_supervisors(desk, agents, clock, database_url):
    case_id = open_at(desk, clock, "2026-12-01T10:00")
    clock.now = beijing("2026-12-01T10:01")
    desk(ClaimCase, case_id, "wang")
    clock.now = beijing("2026-12-01T10:02:45")
    assert [(s.name, s.status) for _, s in desk(CheckDeadlines)] == [("first_response", WARNED)]
    assert desk(CheckDeadlines) == []  # already told
    clock.now = beijing("2026-12-01T10:03:30")
    assert [(s.name, s.status) for _, s in desk(CheckDeadlines)] == [("first_response", BREACHED)]
    with session_scope(database_url) as session:
        told = session.execute(text(
            "SELECT a.username, n.kind FROM desk_notifications n JOIN desk_agents a ON a.id = n.agent_id "
            "WHERE n.kind LIKE 'deadline_%' ORDER BY a.username, n.id"
        )).all()
        assert [tuple(row) for row in told] == [
            ("boss", "deadline_warned"), ("boss", "deadline_breached"),
            ("wang", "deadline_warned"), ("wang", "deadline_breached"),
        ]
        assert [(c.id, s.name) for c, s in overdue(session, load_policy(), clock.now)] == [(case_id, "first_response")]
