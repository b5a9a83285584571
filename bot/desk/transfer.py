"""Transfer a case to a named colleague or back to a skill group's queue. The owner never changes here."""
from __future__ import annotations

from typing import Optional

from bot.desk.errors import AgentUnavailable, NotAllowed, ReasonRequired
from bot.desk.models import CaseStatus, Handoff
from bot.desk.service import AgentRef, DeskService


class TransferCase(DeskService):
    def __call__(
        self,
        handoff_id: int,
        by: AgentRef,
        reason: str,
        to_agent: Optional[AgentRef] = None,
        to_skill: Optional[str] = None,
    ) -> Handoff:
        if not (reason or "").strip():
            raise ReasonRequired("转接必须填写原因")
        if (to_agent is None) == (to_skill is None):
            raise NotAllowed("请选择转给一位坐席，或转到一个技能组")
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_open(case)
        if case.current_agent_id != agent.id:
            raise NotAllowed(f"会话 {case.id} 不在 {agent.display_name} 手上，不能由其转接")
        now = self.clock()
        previous = case.status
        if to_agent is not None:
            target = self.agent(to_agent)
            if target.id == agent.id:
                raise NotAllowed("不能转接给自己")
            self.require_can_take(target, case)
            case.current_agent = target
            case.record("transferred", agent.actor, now, reason.strip(), from_status=previous, to_status=previous,
                        from_agent=agent, to_agent=target)
            self.notify(target, case, "transferred_to_you", f"{agent.display_name} 把会话 {case.id} 转给您：{reason}")
            where = target.display_name
        else:
            if to_skill != self.policy.default_skill and to_skill not in self.policy.skills:
                raise AgentUnavailable(f"没有「{to_skill}」技能组")
            case.skill = to_skill
            case.status_value = CaseStatus.QUEUED.value
            case.current_agent = None
            case.queued_at = now
            case.record("transferred", agent.actor, now, reason.strip(), from_status=previous,
                        to_status=CaseStatus.QUEUED, from_agent=agent)
            where = f"「{to_skill}」技能组"
        if case.owner is not None and case.owner.id != agent.id:
            self.notify(case.owner, case, "transferred", f"您负责的会话 {case.id} 被转给 {where}：{reason}")
        return case
