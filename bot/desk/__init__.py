"""The human desk: hand-off cases, the queue, and first-contact responsibility (首问负责制).

The bot opens a case with :class:`OpenHandoff`; agents act on it through one small service object per action
(:class:`ClaimCase`, :class:`TransferCase`, :class:`ProposeResolution`, :class:`HandBackToBot` …), each called
inside one :func:`bot.store.session_scope`. Every action appends to the case's history, which the database keeps
append-only.
"""
from bot.desk.accounts import AccountError, AddAgent, LeaveTeam, SetPresence, check_password
from bot.desk.canned_replies import CannedRepliesError, CannedReply, load_canned_replies
from bot.desk.claim import ClaimCase
from bot.desk.complaints import FileComplaintForCustomer, FollowUpComplaint, LinkComplaint
from bot.desk.errors import (
    AgentNotFound,
    AgentUnavailable,
    AlreadyClaimed,
    CaseNotFound,
    ConsentRequired,
    DeskError,
    EventNotFound,
    InvalidFields,
    NotAllowed,
    ReasonRequired,
    TextRequired,
)
from bot.desk.handback import HandBackToBot
from bot.desk.messages import (
    CONFIRM_PAYLOAD,
    CONFIRM_TITLE,
    DISPUTE_PAYLOAD,
    DISPUTE_TITLE,
    CustomerTurn,
    RecordAgentReply,
    RecordCustomerMessage,
    RouteCustomerMessage,
)
from bot.desk.models import (
    CaseStatus,
    DeskAgent,
    DeskNotification,
    Handoff,
    HandoffEvent,
    OwnershipOffer,
    Role,
    SatisfactionRating,
)
from bot.desk.notes import AddNote
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
from bot.desk.reveal import RevealPersonalData
from bot.desk.transfer import TransferCase

__all__ = [
    "AccountError", "AddAgent", "AddNote", "AgentNotFound", "AgentUnavailable", "AlreadyClaimed",
    "AnswerOwnershipOffer", "BusinessHours", "CALLBACK", "CannedRepliesError", "CannedReply", "CaseNotFound",
    "CaseStatus", "check_password", "ClaimCase", "CloseUnconfirmed", "CONFIRM_PAYLOAD", "CONFIRM_TITLE",
    "ConfirmResolution", "CustomerTurn", "DeskAgent", "DeskError", "DeskNotification", "DeskPolicy",
    "DeskPolicyError", "DeskQueue", "DISPUTE_PAYLOAD", "DISPUTE_TITLE", "DisputeResolution", "EventNotFound",
    "ConsentRequired", "FileComplaintForCustomer", "FollowUpComplaint", "HandBackToBot", "Handoff", "HandoffEvent",
    "HandoffTicket", "InvalidFields", "LeaveTeam", "LinkComplaint",
    "load_canned_replies", "load_policy", "NotAllowed", "OfferOwnership", "OpenHandoff", "OwnershipOffer",
    "ProposeResolution", "QUEUED", "QueuePlace", "ReasonRequired", "RecordAgentReply", "RecordConfirmationAttempt",
    "RecordCustomerMessage", "RevealPersonalData", "Role", "SatisfactionRating", "RouteCustomerMessage", "SetPresence", "TextRequired",
    "TransferCase", "WITH_OWNER",
]
