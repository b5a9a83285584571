"""What the desk refuses, each with a message an agent (or the API) can show as it is."""
from __future__ import annotations


class DeskError(Exception):
    """A desk action that cannot be done; ``code`` names the kind for the API."""

    code = "desk_error"


class CaseNotFound(DeskError):
    code = "case_not_found"


class AgentNotFound(DeskError):
    code = "agent_not_found"


class AlreadyClaimed(DeskError):
    """Someone else claimed the case first (two agents clicked at once: exactly one wins)."""

    code = "already_claimed"


class NotAllowed(DeskError):
    """The case is not in a state for this action, or it is not this agent's to act on."""

    code = "not_allowed"


class AgentUnavailable(DeskError):
    """The agent is offline, at capacity, lacks the case's skill, or has left the team."""

    code = "agent_unavailable"


class ReasonRequired(DeskError):
    code = "reason_required"


class TextRequired(DeskError):
    """Nothing was written where words are the point (a note)."""

    code = "text_required"


class EventNotFound(DeskError):
    """No such entry in this case's history."""

    code = "event_not_found"


class ConsentRequired(DeskError):
    """The customer's personal data would be kept without their agreement (个人信息保护法 第13条)."""

    code = "consent_required"


class InvalidFields(DeskError):
    """Some of what the agent typed cannot be filed; ``problems`` says what, field by field."""

    code = "invalid_fields"

    def __init__(self, message: str, problems: dict[str, str]) -> None:
        super().__init__(message)
        self.problems = problems
