"""Messages on a handed-off conversation: the customer's while they wait, and the agent's replies."""
from __future__ import annotations

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
    """An agent answered the customer; the first answer starts the first-response clock's record."""

    def __call__(self, handoff_id: int, by: AgentRef) -> Handoff:
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_open(case)
        self.require_working_on(agent, case)
        if case.first_response_at is None:
            case.first_response_at = self.clock()
            case.record("first_response", agent.actor, case.first_response_at)
        return case
