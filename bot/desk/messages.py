"""Messages on a handed-off conversation: the customer's while they wait, and the agent's replies."""
from __future__ import annotations

from bot.desk.errors import NotAllowed
from bot.desk.models import CaseStatus, Handoff
from bot.desk.service import AgentRef, DeskService
from bot.store.privacy import mask_text

# How much of a waiting customer's message the owner's notification shows.
PREVIEW_CHARS = 60


class RecordCustomerMessage(DeskService):
    """A customer wrote on a conversation that people have: while the case waits, its owner hears of it."""

    def __call__(self, handoff_id: int, text: str) -> Handoff:
        case = self.case(handoff_id)
        self.require_open(case)
        if case.status_value == CaseStatus.QUEUED.value and case.owner is not None:
            preview = mask_text(text)[:PREVIEW_CHARS]
            self.notify(case.owner, case, "customer_waiting", f"会话 {case.id} 的客户在等待中留言：{preview}")
        return case


class RecordAgentReply(DeskService):
    """An agent answers the customer: the reply joins the case's history (numbers masked), the first one also
    marks the first response."""

    def __call__(self, handoff_id: int, by: AgentRef, text: str) -> Handoff:
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_open(case)
        self.require_working_on(agent, case)
        if not case.with_person:
            raise NotAllowed(f"会话 {case.id} 已交回机器人；如需继续人工服务请重新接入")
        now = self.clock()
        if case.first_response_at is None:
            case.first_response_at = now
        case.record("agent_replied", agent.actor, now, mask_text(text))
        return case
