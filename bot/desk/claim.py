"""An agent claims a queued case. The first claim ever makes that agent the case's first-contact owner."""
from __future__ import annotations

from sqlalchemy import func, update

from bot.desk.errors import AlreadyClaimed, NotAllowed
from bot.desk.models import CaseStatus, Handoff
from bot.desk.service import AgentRef, DeskService


class ClaimCase(DeskService):
    def __call__(self, handoff_id: int, agent_ref: AgentRef) -> Handoff:
        agent = self.agent(agent_ref)
        case = self.case(handoff_id)
        if case.status_value != CaseStatus.QUEUED.value:
            if case.current_agent_id:
                raise AlreadyClaimed(f"会话 {case.id} 已由 {case.current_agent.display_name} 接待")
            raise NotAllowed(f"会话 {case.id} 不在队列中")
        self.require_can_take(agent, case)
        now = self.clock()
        first_claim = case.first_contact_owner_id is None
        # One conditional UPDATE decides between agents who click at the same moment: the row changes only while
        # it is still queued, so exactly one claim matches it. The owner is set only if nobody owns it yet.
        claimed = self.session.execute(
            update(Handoff)
            .where(Handoff.id == case.id, Handoff.status_value == CaseStatus.QUEUED.value)
            .values(
                status_value=CaseStatus.ACTIVE.value,
                current_agent_id=agent.id,
                first_contact_owner_id=func.coalesce(Handoff.first_contact_owner_id, agent.id),
                claimed_at=func.coalesce(Handoff.claimed_at, now),
                with_person=True,
                callback_requested=False,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            winner = self.case(handoff_id)
            name = winner.current_agent.display_name if winner.current_agent else "其他坐席"
            raise AlreadyClaimed(f"会话 {handoff_id} 已由 {name} 接待")
        case = self.case(handoff_id)
        case.record("claimed", agent.actor, now, "成为首问负责人" if first_claim else "",
                    from_status=CaseStatus.QUEUED, to_status=CaseStatus.ACTIVE, to_agent=agent)
        if case.owner.id != agent.id:
            self.notify(case.owner, case, "claimed", f"{agent.display_name} 接手了您负责的会话 {case.id}")
        return case
