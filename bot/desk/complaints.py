"""Complaints on the desk: a complaint filed through the bot gets a first-contact owner the same way a hand-off
does (the first agent to take it), an agent links an existing complaint to the case they work on, or files a new
one for the customer from the case."""
from __future__ import annotations

from typing import Dict

from sqlalchemy import select

from bot.complaints import filing
from bot.complaints.conversation import draft_from_slots
from bot.complaints.models import Complaint
from bot.complaints.service import Customer, submit_in
from bot.complaints.views import china_date
from bot.desk.errors import CaseNotFound, ConsentRequired, InvalidFields, NotAllowed
from bot.desk.models import Handoff
from bot.desk.open_case import HandoffTicket, OpenHandoff
from bot.desk.service import AgentRef, DeskService

COMPLAINT_REASON = "complaint"


def customer_of(conversation_id: str) -> tuple:
    """The complaint store's (channel, sender id) for a conversation: its channel prefix, or ``rest``."""
    channel, separator, _ = conversation_id.partition(":")
    return (channel if separator else "rest"), conversation_id


class DeskComplaintLookup(DeskService):
    def complaint(self, ticket: str) -> Complaint:
        found = self.session.execute(select(Complaint).where(Complaint.ticket == ticket)).scalar_one_or_none()
        if found is None:
            raise CaseNotFound(f"没有编号为 {ticket} 的投诉")
        return found


class FollowUpComplaint(DeskComplaintLookup):
    """The bot accepted a complaint: it enters the desk's queue, and whoever first takes it answers for it."""

    def __call__(self, conversation_id: str, ticket: str) -> HandoffTicket:
        complaint = self.complaint(ticket)
        detail = f"投诉 {ticket}：{complaint.business_name} · {complaint.product}"
        return OpenHandoff(self.session, self.policy, self.clock)(
            conversation_id, COMPLAINT_REASON, detail, complaint_id=complaint.id)


class LinkComplaint(DeskComplaintLookup):
    """The agent links one of this customer's complaints to the case (another customer's is refused)."""

    def __call__(self, handoff_id: int, by: AgentRef, ticket: str) -> Handoff:
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_open(case)
        self.require_working_on(agent, case)
        complaint = self.complaint((ticket or "").strip().upper())
        if (complaint.contact.channel, complaint.contact.sender_id) != customer_of(case.conversation_id):
            raise NotAllowed(f"投诉 {complaint.ticket} 不是这位客户提交的")
        case.complaint_id = complaint.id
        case.record("complaint_linked", agent.actor, self.clock(), complaint.ticket)
        return case


class FileComplaintForCustomer(DeskComplaintLookup):
    """The agent working on the case (or its owner) files a complaint for the customer, who agreed in the chat to
    their personal data being kept. It is saved and linked in the case's transaction, so it lives on this case and
    the case's first-contact owner answers for it; the fields go through the bot form's readers."""

    def __call__(self, handoff_id: int, by: AgentRef, fields: Dict[str, str], customer_consented: bool) -> Handoff:
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_open(case)
        self.require_working_on(agent, case)
        if case.complaint is not None:
            raise NotAllowed(f"会话 {case.id} 已关联投诉 {case.complaint.ticket}，不再重复登记")
        if not customer_consented:
            raise ConsentRequired("客户在对话中同意保存其个人信息用于处理投诉后，才能为其登记投诉")
        now = self.clock()
        slots, problems = filing.read(fields, china_date(now))
        if problems:
            raise InvalidFields(f"投诉信息有 {len(problems)} 项需要修改", problems)
        submitted = submit_in(self.session, draft_from_slots(slots), Customer(*customer_of(case.conversation_id)),
                              consented_at=now, now=now, filed_by=f"operator:{agent.username}")
        case.complaint = self.complaint(submitted.ticket)
        case.record("complaint_filed", agent.actor, now, submitted.ticket)
        return case
