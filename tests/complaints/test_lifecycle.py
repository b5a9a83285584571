"""The lifecycle: only the moves in the transition table are possible, and each stage has its deadline."""
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import product

import pytest

from bot.complaints.lifecycle import (
    OPEN_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    Policy,
    PolicyError,
    Status,
    load_policy,
)
from bot.complaints.models import Complaint, CustomerContact

START = datetime(2026, 11, 22, 2, 0)
ILLEGAL = [(a, b) for a, b in product(Status, Status) if b not in TRANSITIONS[a]]
LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]


def _complaint(status: Status) -> Complaint:
    complaint = Complaint(
        ticket="TS-20261122-000001", contact=CustomerContact(id=7, channel="rest", sender_id="u1"),
        business_name="某超市", product="牛奶", purchase_date=date(2026, 11, 20), amount=Decimal("28"),
        facts="过期牛奶", demands=["退款"], contacted_business=False, evidence=[], created_at=START,
    )
    complaint.enter(status, START, Policy())
    return complaint


def test_the_normal_path_runs_from_accepted_to_closed():
    complaint = _complaint(Status.ACCEPTED)
    for step, status in enumerate([Status.INVESTIGATING, Status.RESPONDING, Status.AWAITING_CONFIRMATION, Status.CLOSED]):
        complaint.transition(status, "operator:王芳", now=START + timedelta(hours=step + 1), policy=Policy())
    assert complaint.status is Status.CLOSED and complaint.closed_at == START + timedelta(hours=4)
    assert [(e.from_status, e.to_status) for e in complaint.events] == [
        ("已受理", "调查核实"), ("调查核实", "处理反馈"), ("处理反馈", "结果确认"), ("结果确认", "已结案")
    ]


@pytest.mark.parametrize("current, target", LEGAL, ids=lambda s: s.value)
def test_every_allowed_move_is_recorded(current, target):
    complaint = _complaint(current)
    complaint.transition(target, "operator:王芳", "已核实", now=START + timedelta(hours=1), policy=Policy())
    assert complaint.status is target
    (entry,) = complaint.events
    assert (entry.actor, entry.from_status, entry.to_status, entry.note) == ("operator:王芳", current.value, target.value, "已核实")


@pytest.mark.parametrize("current, target", ILLEGAL, ids=lambda s: s.value)
def test_every_other_move_is_refused_and_changes_nothing(current, target):
    complaint = _complaint(current)
    with pytest.raises(IllegalTransition, match=f"不能从「{current.value}」变为「{target.value}」"):
        complaint.transition(target, "operator:王芳", policy=Policy())
    assert complaint.status is current and complaint.events == []


def test_the_table_covers_every_pair():
    assert len(ILLEGAL) + len(LEGAL) == len(Status) ** 2 and len(LEGAL) == 12


def test_a_dispute_reopens_the_investigation():
    assert Status.INVESTIGATING in TRANSITIONS[Status.AWAITING_CONFIRMATION]


def test_final_statuses_allow_nothing():
    assert OPEN_STATUSES == set(Status) - {Status.CLOSED, Status.WITHDRAWN, Status.TRANSFERRED}


@pytest.mark.parametrize(
    "status, hours", [(Status.ACCEPTED, 24), (Status.INVESTIGATING, 72), (Status.RESPONDING, 48), (Status.AWAITING_CONFIRMATION, 168)]
)
def test_default_deadlines(status, hours):
    complaint = _complaint(Status.ACCEPTED)
    complaint.enter(status, START, load_policy())
    assert complaint.status_deadline == START + timedelta(hours=hours)


def test_final_statuses_have_no_deadline():
    complaint = _complaint(Status.ACCEPTED)
    complaint.transition(Status.WITHDRAWN, "customer#7", now=START, policy=Policy())
    assert complaint.status_deadline is None and complaint.closed_at == START


def test_policy_file_changes_deadlines_and_operators(tmp_path, monkeypatch):
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(
        "deadlines_hours: {已受理: 12, 调查核实: 24, 处理反馈: 24, 结果确认: 72}\n"
        "retention_days: 30\nauthorised_operators: [王芳]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("BOT_COMPLAINT_POLICY", str(policy_file))
    policy = load_policy()
    assert policy.deadline(Status.ACCEPTED, START) == START + timedelta(hours=12)
    assert policy.may_unmask("王芳") and not policy.may_unmask("李雷") and not policy.may_unmask(None)
    assert policy.retention_days == 30


@pytest.mark.parametrize(
    "content, message",
    [
        ("deadlines_hours: {已受理: 24, 调查核实: 72, 处理反馈: 48}", "lacks 结果确认"),
        ("deadlines_hours: {已受理: 24, 调查核实: 72, 处理反馈: 48, 结果确认: 168, 已结案: 1}", "final status"),
        ("deadlines_hours: {已受理: -1, 调查核实: 72, 处理反馈: 48, 结果确认: 168}", "positive number"),
        ("deadlines_hours: {受理: 1}", "unknown status"),
        ("deadlines_hours: [", "Cannot read"),
    ],
)
def test_bad_policy_files_are_explained(tmp_path, content, message):
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError, match=message):
        load_policy(policy_file)
