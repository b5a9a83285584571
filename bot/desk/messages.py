"""Messages on a handed-off conversation: the customer's while they wait, and the agent's replies."""
from __future__ import annotations

from bot.desk.errors import NotAllowed
from bot.desk.models import CaseStatus, Handoff
from bot.desk.open_case import OpenHandoff
from bot.desk.service import AgentRef, DeskService
from bot.store.privacy import mask_text

# How much of a waiting customer's message the owner's notification shows.
PREVIEW_CHARS = 60


class RecordCustomerMessage(DeskService):
    """A customer wrote on a conversation that has an open case.

    The message joins the case's history (numbers masked) so the agent reads it; while the case waits in the
    queue its owner is told. Returns whether a person has the conversation — then the bot must stay out of it.
    """

    def __call__(self, handoff_id: int, text: str) -> bool:
        case = self.case(handoff_id)
        self.require_open(case)
        masked = mask_text(text)
        case.record("customer_message", "customer", self.clock(), masked)
        if case.status_value == CaseStatus.QUEUED.value and case.owner is not None:
            self.notify(case.owner, case, "customer_waiting",
                        f"会话 {case.id} 的客户在等待中留言：{masked[:PREVIEW_CHARS]}")
        return case.with_person


class RouteCustomerMessage(RecordCustomerMessage):
    """The channels' first step for every customer message: does a person have this conversation?

    Hand-off state lives here, in our store, not in Rasa's ``ConversationPaused`` (which a session start or a
    ``/restart`` silently resets), so only an agent's explicit hand-back returns the conversation to the bot.
    """

    def __call__(self, conversation_id: str, text: str) -> bool:
        case = OpenHandoff(self.session, self.policy, self.clock).open_case_of(conversation_id)
        if case is None:
            return False
        return super().__call__(case.id, text)


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
