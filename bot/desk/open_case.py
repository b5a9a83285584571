"""The bot hands a conversation to people: a case enters the queue (or goes back to its owner)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select

from bot.desk.models import OPEN_STATUSES, CaseStatus, Handoff
from bot.desk.queue import DeskQueue, QueuePlace

QUEUED = "queued"  # waiting for the next free agent of its skill
WITH_OWNER = "with_owner"  # a returning customer's open case went straight back to its owner
CALLBACK = "callback"  # nobody is there now: a callback is recorded and the bot keeps answering


@dataclass(frozen=True)
class HandoffTicket:
    """What happened to a hand-off request, for the bot to tell the customer."""

    case: Handoff
    outcome: str
    place: Optional[QueuePlace] = None
    callback_due: Optional[datetime] = None
    opens_at: Optional[datetime] = None
    agent_name: Optional[str] = None  # who has the conversation, when it went straight back to a person


class OpenHandoff(DeskQueue):
    def __call__(
        self,
        conversation_id: str,
        reason: str = "request",
        detail: str = "",
        topic: Optional[str] = None,
        complaint_id: Optional[int] = None,
    ) -> HandoffTicket:
        now = self.clock()
        case = self.open_case_of(conversation_id)
        if case is None:
            case = Handoff(
                conversation_id=conversation_id,
                status_value=CaseStatus.QUEUED.value,
                reason=reason,
                detail=detail or None,
                priority=self.policy.priority(reason),
                skill=self.policy.skill_for(topic),
                topic=topic,
                complaint_id=complaint_id,
                created_at=now,
                queued_at=now,
            )
            self.session.add(case)
            case.record("opened", "bot", now, detail or reason, to_status=CaseStatus.QUEUED)
        else:
            # A returning customer: the same case, at the more urgent of the two priorities.
            case.priority = min(case.priority, self.policy.priority(reason))
            if complaint_id and not case.complaint_id:
                case.complaint_id = complaint_id
            case.record("customer_returned", "customer", now, detail or reason)
        self.session.flush()

        owner = case.owner
        if case.status_value != CaseStatus.QUEUED.value:  # someone is already working on it
            return HandoffTicket(case, WITH_OWNER, agent_name=case.current_agent.display_name)
        if owner is not None and self.can_take(owner, case):
            case.status_value = CaseStatus.ACTIVE.value
            case.current_agent = owner
            case.with_person = True
            case.record("routed_to_owner", "system", now, from_status=CaseStatus.QUEUED,
                        to_status=CaseStatus.ACTIVE, to_agent=owner)
            self.notify(owner, case, "case_returned", "您负责的客户回来了，会话已直接转给您")
            return HandoffTicket(case, WITH_OWNER, agent_name=owner.display_name)
        if owner is not None:
            self.notify(owner, case, "case_returned", "您负责的客户回来了，会话在队列中等待")

        if not self.policy.hours.is_open(now) or not self.agents_for(case):
            opens_at = self.policy.hours.next_opening(now)
            case.callback_requested = True
            # Closed time does not count: the desk has this many of its own hours to call back.
            case.callback_due = self.policy.hours.add_business_time(
                now, timedelta(hours=self.policy.callback_business_hours)
            )
            case.with_person = False
            case.record("callback_requested", "bot", now, f"due {case.callback_due:%Y-%m-%d %H:%M} UTC")
            return HandoffTicket(case, CALLBACK, callback_due=case.callback_due, opens_at=opens_at)
        return HandoffTicket(case, QUEUED, place=self.place_of(case))

    def open_case_of(self, conversation_id: str) -> Optional[Handoff]:
        return self.session.execute(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id, Handoff.status_value.in_(OPEN_STATUSES))
            .order_by(Handoff.id.desc())
        ).scalars().first()
