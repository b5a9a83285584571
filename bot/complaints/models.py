"""Complaint records as stored: the complaint, its append-only history, and the customer's contact details.

Times are stored as naive UTC; they are shown in China time (see ``bot.complaints.views``).
Personal fields of :class:`CustomerContact` are encrypted at rest and can be erased without touching the
complaint or its history, which never contain them.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.complaints.lifecycle import Policy, Status, check_transition, load_policy
from bot.store import Base
from bot.store.append_only import AppendOnly, AppendOnlyViolation  # noqa: F401  (re-exported)
from bot.store.crypto import EncryptedText
from bot.store.types import Money


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class CustomerContact(Base):
    """Who complained: a conversation identity ``(channel, sender_id)`` plus contact details they consented to give."""

    __tablename__ = "customer_contacts"
    __table_args__ = (UniqueConstraint("channel", "sender_id"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(50), nullable=False)
    sender_id = Column(String(200), nullable=False)
    name = Column(EncryptedText)
    phone = Column(EncryptedText)
    id_number = Column(EncryptedText)
    consent_at = Column(DateTime)
    consent_version = Column(String(20))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    anonymised_at = Column(DateTime)

    complaints = relationship("Complaint", back_populates="contact", order_by="Complaint.id")

    @property
    def actor(self) -> str:
        # Events name the customer by contact id, never by channel identity, so erasing the contact's
        # identity later leaves nothing personal in the append-only history.
        return f"customer#{self.id}"


class Complaint(Base):
    __tablename__ = "complaints"

    id = Column(Integer, primary_key=True)
    ticket = Column(String(20), nullable=False, unique=True)
    contact_id = Column(ForeignKey("customer_contacts.id"), nullable=False, index=True)
    status_value = Column("status", String(10), nullable=False, index=True)
    status_entered_at = Column(DateTime, nullable=False)
    status_deadline = Column(DateTime, index=True)
    closed_at = Column(DateTime)
    created_at = Column(DateTime, nullable=False)

    business_name = Column(String(200), nullable=False)
    business_platform = Column(String(100))
    product = Column(String(200), nullable=False)
    purchase_date = Column(Date, nullable=False)
    amount = Column("amount_fen", Money, nullable=False)
    order_number = Column(String(100))
    facts = Column(Text, nullable=False)
    demands = Column(JSON, nullable=False)  # e.g. ["退货", "赔偿"]
    compensation_amount = Column("compensation_fen", Money)
    compensation_multiple = Column(Integer)  # "退一赔三" → 3
    demand_detail = Column(Text)
    contacted_business = Column(Boolean, nullable=False)
    evidence = Column(JSON, nullable=False)  # e.g. ["发票/小票", "聊天截图"]

    contact = relationship(CustomerContact, back_populates="complaints")
    events = relationship("ComplaintEvent", back_populates="complaint", order_by="ComplaintEvent.id")

    @property
    def status(self) -> Status:
        return Status(self.status_value)

    def enter(self, status: Status, at: datetime, policy: Policy) -> None:
        """Put the complaint in ``status`` with that status's deadline (no checks: see :meth:`transition`)."""
        self.status_value = status.value
        self.status_entered_at = at
        self.status_deadline = policy.deadline(status, at)
        self.closed_at = at if self.status_deadline is None else None

    def transition(
        self,
        to: Status,
        actor: str,
        note: str = "",
        *,
        action: str = "status_changed",
        policy: Policy | None = None,
        now: datetime | None = None,
    ) -> "ComplaintEvent":
        """Move to ``to`` if the lifecycle allows it (else :class:`IllegalTransition`) and record who did it."""
        check_transition(self.status, to)
        now = now or utcnow()
        previous = self.status
        self.enter(to, now, policy or load_policy())
        return self.record(action, actor, note, now=now, from_status=previous, to_status=to)

    def record(
        self,
        action: str,
        actor: str,
        note: str = "",
        *,
        now: datetime | None = None,
        from_status: Status | None = None,
        to_status: Status | None = None,
    ) -> "ComplaintEvent":
        """Append an event to the history; events are never changed or removed afterwards."""
        entry = ComplaintEvent(
            at=now or utcnow(),
            actor=actor,
            action=action,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value if to_status else None,
            note=note or None,
        )
        self.events.append(entry)
        return entry


class ComplaintEvent(AppendOnly, Base):
    """One line of a complaint's history: who did what, when. Append-only, so it can serve as evidence."""

    __tablename__ = "complaint_events"
    __history_name__ = "complaint event"

    id = Column(Integer, primary_key=True)
    complaint_id = Column(ForeignKey("complaints.id"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    actor = Column(String(100), nullable=False)  # customer#<contact id>, operator:<name>, system
    action = Column(String(40), nullable=False)
    from_status = Column(String(10))
    to_status = Column(String(10))
    note = Column(Text)

    complaint = relationship(Complaint, back_populates="events")


class TicketCounter(Base):
    """The last ticket sequence number handed out on each day (Beijing date)."""

    __tablename__ = "ticket_counters"

    day = Column(Date, primary_key=True)
    last = Column(Integer, nullable=False)
