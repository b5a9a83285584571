"""The human desk: hand-off cases, the queue, and first-contact responsibility (首问负责制).

The bot opens a case with :class:`OpenHandoff`; agents act on it through one small service object per action
(:class:`ClaimCase`, :class:`TransferCase`, :class:`ProposeResolution`, :class:`HandBackToBot` …), each called
inside one :func:`bot.store.session_scope`. Every action appends to the case's history, which the database keeps
append-only.
"""
from bot.desk.accounts import AccountError, AddAgent, LeaveTeam, SetPresence, check_password
from bot.desk.claim import ClaimCase
from bot.desk.errors import (
    AgentNotFound,
    AgentUnavailable,
    AlreadyClaimed,
    CaseNotFound,
    DeskError,
    NotAllowed,
    ReasonRequired,
)
from bot.desk.handback import HandBackToBot
from bot.desk.messages import RecordAgentReply, RecordCustomerMessage, RouteCustomerMessage
from bot.desk.models import CaseStatus, DeskAgent, DeskNotification, Handoff, HandoffEvent, OwnershipOffer, Role
from bot.desk.open_case import CALLBACK, QUEUED, WITH_OWNER, HandoffTicket, OpenHandoff
from bot.desk.ownership import AnswerOwnershipOffer, OfferOwnership
from bot.desk.policy import BusinessHours, DeskPolicy, DeskPolicyError, load_policy
from bot.desk.queue import DeskQueue, QueuePlace
from bot.desk.resolve import (
    CloseUnconfirmed,
    ConfirmResolution,
    DisputeResolution,
    ProposeResolution,
    RecordConfirmationAttempt,
)
from bot.desk.transfer import TransferCase

__all__ = [
    "AccountError", "AddAgent", "AgentNotFound", "AgentUnavailable", "AlreadyClaimed", "AnswerOwnershipOffer",
    "BusinessHours", "CALLBACK", "CaseNotFound", "CaseStatus", "ClaimCase", "CloseUnconfirmed",
    "ConfirmResolution", "DeskAgent", "DeskError", "DeskNotification", "DeskPolicy", "DeskPolicyError",
    "DeskQueue", "DisputeResolution", "HandBackToBot", "Handoff", "HandoffEvent", "HandoffTicket", "LeaveTeam",
    "NotAllowed", "OfferOwnership", "OpenHandoff", "OwnershipOffer", "ProposeResolution", "QUEUED", "QueuePlace",
    "ReasonRequired", "RecordAgentReply", "RecordConfirmationAttempt", "RecordCustomerMessage", "Role", "RouteCustomerMessage",
    "SetPresence", "TransferCase", "WITH_OWNER", "check_password", "load_policy",
]
