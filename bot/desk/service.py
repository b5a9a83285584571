"""What every desk service object shares: one transaction, the policy, a clock, and a few look-ups.

Each action of the desk is its own small service (``ClaimCase``, ``TransferCase``, ``ProposeResolution`` …) that
is built with a session and called with the action's arguments; it checks what it must, changes the case, and
appends to the case's history in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Union

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.desk.errors import AgentNotFound, AgentUnavailable, CaseNotFound, NotAllowed
from bot.desk.models import CaseStatus, DeskAgent, DeskNotification, Handoff, utcnow
from bot.desk.policy import DeskPolicy, load_policy

AgentRef = Union[DeskAgent, str, int]


@dataclass
class DeskService:
    session: Session
    policy: DeskPolicy = field(default_factory=load_policy)
    clock: Callable[[], datetime] = utcnow

    def case(self, handoff_id: int) -> Handoff:
        found = self.session.get(Handoff, handoff_id, populate_existing=True)
        if found is None:
            raise CaseNotFound(f"没有编号为 {handoff_id} 的转人工会话")
        return found

    def agent(self, ref: AgentRef) -> DeskAgent:
        if isinstance(ref, DeskAgent):
            return ref
        if isinstance(ref, int):
            found = self.session.get(DeskAgent, ref)
        else:
            found = self.session.execute(select(DeskAgent).where(DeskAgent.username == ref)).scalar_one_or_none()
        if found is None:
            raise AgentNotFound(f"没有这位坐席：{ref}")
        return found

    def load(self, agent: DeskAgent) -> int:
        """How many open cases the agent is working on now."""
        return self.session.execute(
            select(func.count(Handoff.id)).where(
                Handoff.current_agent_id == agent.id,
                Handoff.status_value.in_((CaseStatus.ACTIVE.value, CaseStatus.AWAITING_CONFIRMATION.value)),
            )
        ).scalar_one()

    def can_take(self, agent: DeskAgent, case: Handoff) -> bool:
        return (
            agent.active
            and agent.online
            and agent.has_skill(case.skill, self.policy.default_skill)
            and self.load(agent) < agent.capacity
        )

    def require_can_take(self, agent: DeskAgent, case: Handoff) -> None:
        if not agent.active:
            raise AgentUnavailable(f"{agent.display_name} 已不在团队中")
        if not agent.online:
            raise AgentUnavailable(f"{agent.display_name} 当前不在线")
        if not agent.has_skill(case.skill, self.policy.default_skill):
            raise AgentUnavailable(f"{agent.display_name} 不在「{case.skill}」技能组")
        if self.load(agent) >= agent.capacity:
            raise AgentUnavailable(f"{agent.display_name} 手上的会话已满（{agent.capacity} 个）")

    def require_open(self, case: Handoff) -> None:
        if not case.is_open:
            raise NotAllowed(f"会话 {case.id} 已结案")

    def require_working_on(self, agent: DeskAgent, case: Handoff) -> None:
        """Only the agent working on the case, or its owner, acts on its conversation."""
        if agent.id not in (case.current_agent_id, case.first_contact_owner_id):
            raise NotAllowed(f"会话 {case.id} 不在 {agent.display_name} 手上")

    def notify(self, agent: DeskAgent | None, case: Handoff, kind: str, text: str) -> None:
        if agent is not None:
            self.session.add(
                DeskNotification(agent_id=agent.id, handoff_id=case.id, kind=kind, text=text, created_at=self.clock())
            )
