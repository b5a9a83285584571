"""Private notes (内部备注): what colleagues on a case should know, kept in its history, never sent to the customer."""
from __future__ import annotations

from bot.desk.errors import TextRequired
from bot.desk.models import Handoff
from bot.desk.service import AgentRef, DeskService


class AddNote(DeskService):
    def __call__(self, handoff_id: int, by: AgentRef, text: str) -> Handoff:
        if not (text or "").strip():
            raise TextRequired("备注内容不能为空")
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_open(case)
        self.require_working_on(agent, case)
        case.record_message("note_added", agent.actor, self.clock(), text.strip())
        return case
