"""Audited reveal of masked personal data: the original of one message, for a stated reason, on the record.

Phone and ID numbers stay masked everywhere the desk shows them. When an agent needs the number itself (to call
the customer back, to give it to the merchant), they reveal one history entry; who, when, which entry and why
join the case's append-only history (个人信息保护法: access to personal information is limited and traceable).
"""
from __future__ import annotations

from bot.desk.errors import EventNotFound, NotAllowed, ReasonRequired
from bot.desk.models import HandoffEvent, Role
from bot.desk.service import AgentRef, DeskService


class RevealPersonalData(DeskService):
    """The agent working on the case, its owner, or a supervisor; returns the original text."""

    def __call__(self, handoff_id: int, event_id: int, by: AgentRef, reason: str) -> str:
        agent = self.agent(by)
        case = self.case(handoff_id)
        if agent.role != Role.SUPERVISOR.value:
            self.require_working_on(agent, case)
        event = self.session.get(HandoffEvent, event_id)
        if event is None or event.handoff_id != case.id:
            raise EventNotFound(f"会话 {case.id} 没有编号为 {event_id} 的记录")
        if event.sealed_note is None:
            raise NotAllowed(f"记录 {event_id} 没有被遮挡的个人信息")
        if not (reason or "").strip():
            raise ReasonRequired("查看完整信息必须填写原因")
        case.record_message(
            "personal_data_revealed", agent.actor, self.clock(),
            f"查看了记录 {event.id}（{event.at:%Y-%m-%d %H:%M:%S} {event.actor}）的完整信息，原因：{reason.strip()}",
        )
        return event.sealed_note
