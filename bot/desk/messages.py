"""Messages on a handed-off conversation: the customer's while they wait, and the agent's replies."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from bot.desk.assist import ReplyNeedsReview, check_reply
from bot.desk.errors import NotAllowed
from bot.desk.models import CaseStatus, Handoff
from bot.desk.open_case import OpenHandoff
from bot.desk.resolve import ConfirmResolution, DisputeResolution
from bot.desk.satisfaction import AskSatisfaction, RecordSatisfaction, read_rating
from bot.desk.service import AgentRef, DeskService

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
        masked = case.record_message("customer_message", "customer", self.clock(), text).note or ""
        if case.status_value == CaseStatus.QUEUED.value and case.owner is not None:
            self.notify(case.owner, case, "customer_waiting",
                        f"会话 {case.id} 的客户在等待中留言：{masked[:PREVIEW_CHARS]}")
        return case.with_person


# The customer's answer to a proposed resolution (结果确认): the buttons the desk sends, or their titles typed.
CONFIRM_PAYLOAD = "/confirm_resolution"
DISPUTE_PAYLOAD = "/dispute_resolution"
CONFIRM_TITLE = "已解决，确认结案"
DISPUTE_TITLE = "还没解决"
_CONFIRM_WORDS = {CONFIRM_PAYLOAD, CONFIRM_TITLE, "已解决", "确认", "确认结案", "解决了"}
_DISPUTE_WORDS = {DISPUTE_PAYLOAD, DISPUTE_TITLE, "没解决", "没有解决", "不满意", "有异议"}
CONFIRMED_REPLY = "感谢您的确认，本次服务已结案。之后有问题随时找我，我是智能助手，7×24小时在线。"
DISPUTED_REPLY = "收到，您的问题还没解决，已请客服继续处理，请在这里补充您的意见。"


@dataclass(frozen=True)
class CustomerTurn:
    """What the channel does with a customer's message, decided before Rasa sees it."""

    with_person: bool  # a person has the conversation: the bot stays out
    replies: Tuple[dict, ...] = ()  # what the customer is told now (an answer the desk took), if anything
    case_id: Optional[int] = None

    @property
    def taken(self) -> bool:
        """Whether the desk took the message (the bot must not handle it)."""
        return self.with_person or bool(self.replies)


class RouteCustomerMessage(RecordCustomerMessage):
    """The channels' first step for every customer message: does a person have this conversation?

    Hand-off state lives here, in our store, not in Rasa's ``ConversationPaused`` (which a session start or a
    ``/restart`` silently resets), so only an agent's explicit hand-back returns the conversation to the bot.
    The customer's answers to the desk's own questions are taken here too, whoever has the conversation: the
    confirmation of a proposed result, and the satisfaction rating after the case closed.
    """

    @staticmethod
    def may_take(session, conversation_id: str, text: str) -> bool:
        """Whether the desk could take this message at all, read without a write lock: most messages belong to
        conversations no person has, and are not a rating, so the channels skip the write transaction."""
        return read_rating(text) is not None or OpenHandoff(session).open_case_of(conversation_id) is not None

    def __call__(self, conversation_id: str, text: str) -> CustomerTurn:
        case = OpenHandoff(self.session, self.policy, self.clock).open_case_of(conversation_id)
        if case is None:
            thanks = RecordSatisfaction(self.session, self.policy, self.clock)(conversation_id, text)
            return CustomerTurn(with_person=False, replies=({"text": thanks},) if thanks else ())
        answer = (text or "").strip()
        if case.status_value == CaseStatus.AWAITING_CONFIRMATION.value and answer in _CONFIRM_WORDS | _DISPUTE_WORDS:
            super().__call__(case.id, answer)
            if answer in _CONFIRM_WORDS:
                ConfirmResolution(self.session, self.policy, self.clock)(case.id)
                question = AskSatisfaction(self.session, self.policy, self.clock)(case.id)
                return CustomerTurn(False, ({"text": CONFIRMED_REPLY},) + ((question,) if question else ()), case.id)
            DisputeResolution(self.session, self.policy, self.clock)(case.id, "客户表示问题还没解决")
            return CustomerTurn(case.with_person, ({"text": DISPUTED_REPLY},), case.id)
        return CustomerTurn(with_person=super().__call__(case.id, text), case_id=case.id)


class RecordAgentReply(DeskService):
    """An agent answers the customer: the reply joins the case's history (numbers masked), the first one also
    marks the first response.

    A reply with assist warnings (:func:`bot.desk.assist.check_reply`) is refused unless the agent gives a reason
    to send it anyway; the override, with the warnings' codes and the reason, goes into the history just before it.
    """

    def __call__(self, handoff_id: int, by: AgentRef, text: str, override_reason: str = "") -> Handoff:
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_open(case)
        self.require_working_on(agent, case)
        if not case.with_person:
            raise NotAllowed(f"会话 {case.id} 已交回机器人；如需继续人工服务请重新接入")
        warnings = check_reply(text, agent, self.policy)
        reason = (override_reason or "").strip()
        if warnings and not reason:
            raise ReplyNeedsReview(warnings)
        now = self.clock()
        if case.first_response_at is None:
            case.first_response_at = now
        if warnings:
            codes = "、".join(dict.fromkeys(w.code for w in warnings))
            case.record_message("assist_overridden", agent.actor, now, f"未按发送前提醒修改（{codes}），理由：{reason}")
        case.record_message("agent_replied", agent.actor, now, text)
        return case
