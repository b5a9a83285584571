"""Complaints on the desk: a complaint filed through the bot gets a first-contact owner the same way a hand-off
does (the first agent to take it), and an agent links an existing complaint to the case they work on."""
from __future__ import annotations

from sqlalchemy import select

from bot.complaints.models import Complaint
from bot.desk.errors import CaseNotFound, NotAllowed
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
