"""The agent gives the conversation back to the bot. The case stays open (and owned) until it is closed."""
from __future__ import annotations

from bot.desk.errors import NotAllowed
from bot.desk.models import Handoff
from bot.desk.service import AgentRef, DeskService


class HandBackToBot(DeskService):
    def __call__(self, handoff_id: int, by: AgentRef, note: str = "") -> Handoff:
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_open(case)
        self.require_working_on(agent, case)
        if not case.with_person:
            raise NotAllowed(f"会话 {case.id} 已由机器人接待")
        case.with_person = False
        case.record("handed_back", agent.actor, self.clock(), note)
        return case
