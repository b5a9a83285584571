"""Ending a case: the agent proposes a resolution, the customer confirms (结果确认), and only then is it closed —
or, when the customer never answers, the owner closes it after the deadline on the record of their attempt.
"""
from __future__ import annotations

from bot.desk.errors import NotAllowed, ReasonRequired
from bot.desk.models import CaseStatus, Handoff
from bot.desk.service import AgentRef, DeskService


class ProposeResolution(DeskService):
    def __call__(self, handoff_id: int, by: AgentRef, summary: str) -> Handoff:
        if not (summary or "").strip():
            raise ReasonRequired("结案需要填写处理结果摘要")
        agent = self.agent(by)
        case = self.case(handoff_id)
        if case.status_value != CaseStatus.ACTIVE.value:
            raise NotAllowed(f"会话 {case.id} 不在处理中，不能提交处理结果")
        self.require_working_on(agent, case)
        now = self.clock()
        case.resolution = summary.strip()
        case.status_value = CaseStatus.AWAITING_CONFIRMATION.value
        case.confirmation_due = now + self.policy.confirmation_period
        case.record("resolution_proposed", agent.actor, now, case.resolution,
                    from_status=CaseStatus.ACTIVE, to_status=CaseStatus.AWAITING_CONFIRMATION)
        return case


class ConfirmResolution(DeskService):
    """The customer confirms the result in their channel: the case closes."""

    def __call__(self, handoff_id: int) -> Handoff:
        case = self.case(handoff_id)
        if case.status_value != CaseStatus.AWAITING_CONFIRMATION.value:
            raise NotAllowed(f"会话 {case.id} 没有待确认的处理结果")
        now = self.clock()
        _close(case, now)
        case.record("customer_confirmed", "customer", now,
                    from_status=CaseStatus.AWAITING_CONFIRMATION, to_status=CaseStatus.CLOSED)
        self.notify(case.owner, case, "closed", f"客户已确认会话 {case.id} 的处理结果，已结案")
        return case


class DisputeResolution(DeskService):
    """The customer does not accept the result: the case goes back to work, with whoever proposed it."""

    def __call__(self, handoff_id: int, reason: str = "") -> Handoff:
        case = self.case(handoff_id)
        if case.status_value != CaseStatus.AWAITING_CONFIRMATION.value:
            raise NotAllowed(f"会话 {case.id} 没有待确认的处理结果")
        now = self.clock()
        case.status_value = CaseStatus.ACTIVE.value
        case.confirmation_due = None
        case.priority = min(case.priority, self.policy.priority("dispute"))
        case.record("customer_disputed", "customer", now, reason,
                    from_status=CaseStatus.AWAITING_CONFIRMATION, to_status=CaseStatus.ACTIVE)
        self.notify(case.owner, case, "disputed", f"客户对会话 {case.id} 的处理结果有异议：{reason}")
        return case


class RecordConfirmationAttempt(DeskService):
    """The owner tried to reach the customer for confirmation (a call, a message); the attempt is evidence."""

    def __call__(self, handoff_id: int, by: AgentRef, note: str) -> Handoff:
        if not (note or "").strip():
            raise ReasonRequired("请写明如何联系了客户")
        agent = self.agent(by)
        case = self.case(handoff_id)
        if case.status_value != CaseStatus.AWAITING_CONFIRMATION.value:
            raise NotAllowed(f"会话 {case.id} 没有待确认的处理结果")
        _require_owner(agent, case)
        case.confirmation_attempt_at = self.clock()
        case.record("confirmation_attempted", agent.actor, case.confirmation_attempt_at, note.strip())
        return case


class CloseUnconfirmed(DeskService):
    """The customer never answered: the owner may close once the deadline passed and they had tried."""

    def __call__(self, handoff_id: int, by: AgentRef) -> Handoff:
        agent = self.agent(by)
        case = self.case(handoff_id)
        if case.status_value != CaseStatus.AWAITING_CONFIRMATION.value:
            raise NotAllowed(f"会话 {case.id} 没有待确认的处理结果")
        _require_owner(agent, case)
        now = self.clock()
        if now < case.confirmation_due:
            raise NotAllowed(f"客户确认期限（{case.confirmation_due:%Y-%m-%d %H:%M} UTC）未到，不能自行结案")
        if case.confirmation_attempt_at is None:
            raise NotAllowed("结案前须先记录一次联系客户确认的尝试")
        _close(case, now)
        case.record("closed_unconfirmed", agent.actor, now, "确认期限已过，客户未答复",
                    from_status=CaseStatus.AWAITING_CONFIRMATION, to_status=CaseStatus.CLOSED)
        return case


def _require_owner(agent, case: Handoff) -> None:
    if case.first_contact_owner_id != agent.id:
        raise NotAllowed(f"结果确认由首问负责人 {case.owner.display_name} 负责")


def _close(case: Handoff, now) -> None:
    case.status_value = CaseStatus.CLOSED.value
    case.closed_at = now
    case.with_person = False
    case.current_agent = None
