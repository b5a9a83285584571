"""The queue: who is waiting in what order, where a customer stands, and how long they will likely wait."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Dict, List, Optional

from sqlalchemy import select

from bot.desk.models import CaseStatus, DeskAgent, Handoff
from bot.desk.service import DeskService

# How many recent claims the wait estimate looks at: recent enough to follow a busy afternoon.
RECENT_CLAIMS = 20


@dataclass(frozen=True)
class QueuePlace:
    position: int  # 1 = next to be served
    estimated_wait_minutes: Optional[float]  # None when nobody who can take it is online
    agents_online: int


class DeskQueue(DeskService):
    def waiting(self) -> List[Handoff]:
        """Queued cases, most urgent first, then longest waiting."""
        return list(
            self.session.execute(
                select(Handoff)
                .where(Handoff.status_value == CaseStatus.QUEUED.value)
                .order_by(Handoff.priority, Handoff.queued_at, Handoff.id)
            ).scalars()
        )

    def offered_to(self, agent: DeskAgent) -> List[Handoff]:
        """What the queue offers this agent: cases of their skills, only while they are online and have room."""
        if not (agent.active and agent.online) or self.load(agent) >= agent.capacity:
            return []
        return [case for case in self.waiting() if agent.has_skill(case.skill, self.policy.default_skill)]

    def agents_for(self, case: Handoff) -> List[DeskAgent]:
        """Online agents with the case's skill (whether or not they have room right now)."""
        agents = self.session.execute(select(DeskAgent).where(DeskAgent.online.is_(True), DeskAgent.active.is_(True)))
        return [a for a in agents.scalars() if a.has_skill(case.skill, self.policy.default_skill)]

    def place_of(self, case: Handoff) -> QueuePlace:
        ahead = [c for c in self.waiting() if c.skill == case.skill or c.skill == self.policy.default_skill]
        position = next((i for i, c in enumerate(ahead, 1) if c.id == case.id), len(ahead) + 1)
        agents = self.agents_for(case)
        if not agents:
            return QueuePlace(position, None, 0)
        minutes = position * self.typical_wait_minutes() / len(agents)
        return QueuePlace(position, round(minutes, 1), len(agents))

    def places(self) -> Dict[str, QueuePlace]:
        """Where every waiting customer stands, by conversation id."""
        return {case.conversation_id: self.place_of(case) for case in self.waiting()}

    def typical_wait_minutes(self) -> float:
        """Median time from entering the queue to a claim over recent claims; the policy's figure until then."""
        recent = self.session.execute(
            select(Handoff.queued_at, Handoff.claimed_at)
            .where(Handoff.claimed_at.is_not(None), Handoff.claimed_at >= Handoff.queued_at)
            .order_by(Handoff.claimed_at.desc())
            .limit(RECENT_CLAIMS)
        ).all()
        if len(recent) < 3:
            return float(self.policy.default_wait_minutes)
        return max(0.5, statistics.median((claimed - queued).total_seconds() / 60 for queued, claimed in recent))
