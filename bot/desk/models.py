"""The human desk as stored: agents, hand-off cases, their append-only history, ownership offers, notifications.

A :class:`Handoff` is one case of a customer conversation handed to people. Two agents matter for it:

* ``first_contact_owner`` (首问负责人): the first agent who claimed it. They answer for the case until it is
  closed, wherever it sits; only an explicit, accepted :class:`OwnershipOffer` moves that duty to a colleague.
* ``current_agent``: who is working on it now. Transfers change this one, never the owner.

Times are naive UTC.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import deferred, relationship

# A case may point at a complaint: its table must be in the same metadata wherever the desk is used alone (the
# Rasa process's channels use the desk without anything else importing the complaints).
import bot.complaints.models  # noqa: F401
from bot.store import Base
from bot.store.append_only import AppendOnly
from bot.store.crypto import EncryptedText
from bot.store.privacy import mask_text


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Role(str, enum.Enum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"


class CaseStatus(str, enum.Enum):
    QUEUED = "queued"  # waiting for an agent (first claim, or after a transfer to a skill group)
    ACTIVE = "active"  # an agent is working on it
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # resolution proposed; waiting for the customer (结果确认)
    CLOSED = "closed"

    def __str__(self) -> str:
        return self.value


OPEN_STATUSES = (CaseStatus.QUEUED.value, CaseStatus.ACTIVE.value, CaseStatus.AWAITING_CONFIRMATION.value)


class DeskAgent(Base):
    """A person at the desk: an agent, or a supervisor (who may also take cases)."""

    __tablename__ = "desk_agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(64), nullable=False)
    role = Column(String(16), nullable=False, default=Role.AGENT.value)
    skills = Column(JSON, nullable=False, default=list)
    capacity = Column(Integer, nullable=False, default=3)
    # Yuan they may promise a customer on their own; None: the policy's default_amount_limit_yuan.
    amount_limit_yuan = Column(Integer)
    password_hash = Column(Text, nullable=False)
    online = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)  # False once they have left the team
    created_at = Column(DateTime, nullable=False, default=utcnow)

    @property
    def actor(self) -> str:
        return f"agent:{self.username}"

    def has_skill(self, skill: str, default_skill: str) -> bool:
        return skill == default_skill or skill in (self.skills or [])


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        # Once anyone has claimed the case, it always has an accountable owner.
        CheckConstraint("claimed_at IS NULL OR first_contact_owner_id IS NOT NULL", name="owned_once_claimed"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False, index=True)  # "web:<id>", "wechat:<openid>"
    status_value = Column("status", String(24), nullable=False, index=True)
    reason = Column(String(32), nullable=False)  # why the bot handed off: request, injury, distress, ...
    detail = Column(Text)  # the bot's words on why, shown to the agent
    priority = Column(Integer, nullable=False)
    skill = Column(String(32), nullable=False)
    topic = Column(String(64))
    complaint_id = Column(ForeignKey("complaints.id"), index=True)
    # While True a person has the conversation and the bot stays out of it (enforced by our own state, not
    # Rasa's ConversationPaused, which session starts and restarts reset).
    with_person = Column(Boolean, nullable=False, default=False)
    callback_requested = Column(Boolean, nullable=False, default=False)
    callback_due = Column(DateTime)
    first_contact_owner_id = Column(ForeignKey("desk_agents.id"), index=True)
    current_agent_id = Column(ForeignKey("desk_agents.id"), index=True)
    created_at = Column(DateTime, nullable=False)
    queued_at = Column(DateTime, nullable=False)  # when it (last) entered the queue
    claimed_at = Column(DateTime)
    first_response_at = Column(DateTime)
    resolution = Column(Text)
    confirmation_due = Column(DateTime)
    confirmation_attempt_at = Column(DateTime)
    closed_at = Column(DateTime)
    # When the closed case's customer was asked to rate it (once per case, ever).
    satisfaction_asked_at = Column(DateTime)

    owner = relationship(DeskAgent, foreign_keys=[first_contact_owner_id])
    current_agent = relationship(DeskAgent, foreign_keys=[current_agent_id])
    complaint = relationship("Complaint")
    events = relationship("HandoffEvent", back_populates="handoff", order_by="HandoffEvent.id")

    @property
    def status(self) -> CaseStatus:
        return CaseStatus(self.status_value)

    @property
    def is_open(self) -> bool:
        return self.status_value in OPEN_STATUSES

    def record(
        self,
        action: str,
        actor: str,
        at: datetime,
        note: str = "",
        *,
        from_status: CaseStatus | None = None,
        to_status: CaseStatus | None = None,
        from_agent: DeskAgent | None = None,
        to_agent: DeskAgent | None = None,
        sealed_note: str | None = None,
    ) -> "HandoffEvent":
        entry = HandoffEvent(
            at=at,
            actor=actor,
            action=action,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value if to_status else None,
            from_agent_id=from_agent.id if from_agent else None,
            to_agent_id=to_agent.id if to_agent else None,
            note=note or None,
            sealed_note=sealed_note,
        )
        self.events.append(entry)
        return entry

    def record_message(self, action: str, actor: str, at: datetime, text: str) -> "HandoffEvent":
        """Someone's own words (a message, a reply, a note), shown with phone and ID numbers masked. When masking
        changed them, the original is kept encrypted for an audited reveal (:class:`bot.desk.RevealPersonalData`)."""
        masked = mask_text(text)
        return self.record(action, actor, at, masked, sealed_note=text if masked != text else None)


class HandoffEvent(AppendOnly, Base):
    """One line of a case's history: who did what, when, from which state to which. Never changed."""

    __tablename__ = "handoff_events"
    __history_name__ = "hand-off event"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(ForeignKey("handoffs.id"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    actor = Column(String(100), nullable=False)  # agent:<username>, customer, bot, system
    action = Column(String(40), nullable=False)
    from_status = Column(String(24))
    to_status = Column(String(24))
    from_agent_id = Column(ForeignKey("desk_agents.id"))
    to_agent_id = Column(ForeignKey("desk_agents.id"))
    note = Column(Text)
    # The original of a masked note, as a Fernet token; deferred, so showing the history never decrypts it.
    sealed_note = deferred(Column(EncryptedText))

    handoff = relationship(Handoff, back_populates="events")


class SatisfactionRating(AppendOnly, Base):
    """The customer's rating of a closed case, 1–5, with what they said. One per case, never changed; it counts for
    the case's first-contact owner and for every agent who worked on it (read from the case history)."""

    __tablename__ = "desk_ratings"
    __history_name__ = "satisfaction rating"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"),)

    id = Column(Integer, primary_key=True)
    handoff_id = Column(ForeignKey("handoffs.id"), nullable=False, unique=True)
    score = Column(Integer, nullable=False)
    comment = Column(Text)  # masked like every customer text the desk keeps
    rated_at = Column(DateTime, nullable=False)

    handoff = relationship(Handoff)


class OwnershipOffer(Base):
    """An owner asks a named colleague to take over first-contact responsibility; it moves only on acceptance."""

    __tablename__ = "ownership_offers"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(ForeignKey("handoffs.id"), nullable=False, index=True)
    from_agent_id = Column(ForeignKey("desk_agents.id"), nullable=False)
    to_agent_id = Column(ForeignKey("desk_agents.id"), nullable=False, index=True)
    reason = Column(Text, nullable=False)
    offered_at = Column(DateTime, nullable=False)
    answered_at = Column(DateTime)
    accepted = Column(Boolean)

    handoff = relationship(Handoff)
    from_agent = relationship(DeskAgent, foreign_keys=[from_agent_id])
    to_agent = relationship(DeskAgent, foreign_keys=[to_agent_id])


class DeskNotification(Base):
    """Something an agent must know about a case: a transfer, a customer message while it waits, an offer."""

    __tablename__ = "desk_notifications"

    id = Column(Integer, primary_key=True)
    agent_id = Column(ForeignKey("desk_agents.id"), nullable=False, index=True)
    handoff_id = Column(ForeignKey("handoffs.id"), index=True)
    kind = Column(String(32), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)
    read_at = Column(DateTime)
