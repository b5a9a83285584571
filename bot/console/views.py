"""How cases, events and agents look in the console's JSON: personal numbers masked, times in ISO UTC."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from bot.desk.models import DeskAgent, Handoff, HandoffEvent
from bot.store.privacy import mask_text


def _time(at: Optional[datetime]) -> Optional[str]:
    return at.isoformat() + "Z" if at else None


def agent_view(agent: Optional[DeskAgent]) -> Optional[dict]:
    if agent is None:
        return None
    return {"username": agent.username, "display_name": agent.display_name, "role": agent.role,
            "skills": agent.skills, "online": agent.online, "capacity": agent.capacity}


def event_view(event: HandoffEvent) -> dict:
    return {"id": event.id, "at": _time(event.at), "actor": event.actor, "action": event.action,
            "from_status": event.from_status, "to_status": event.to_status,
            "note": mask_text(event.note) if event.note else None}


def case_view(case: Handoff, now: datetime) -> dict:
    return {
        "id": case.id,
        "conversation_id": case.conversation_id,
        "status": case.status_value,
        "reason": case.reason,
        "detail": mask_text(case.detail) if case.detail else None,
        "priority": case.priority,
        "skill": case.skill,
        "topic": case.topic,
        "with_person": case.with_person,
        "callback_requested": case.callback_requested,
        "callback_due": _time(case.callback_due),
        "first_contact_owner": agent_view(case.owner),
        "current_agent": agent_view(case.current_agent),
        "waiting_minutes": round((now - case.queued_at).total_seconds() / 60, 1),
        "created_at": _time(case.created_at),
        "claimed_at": _time(case.claimed_at),
        "resolution": case.resolution,
        "confirmation_due": _time(case.confirmation_due),
        "closed_at": _time(case.closed_at),
        "complaint_id": case.complaint_id,
        "complaint_ticket": case.complaint.ticket if case.complaint else None,
    }
