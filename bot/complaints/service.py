"""What can be done with complaints: submit, look up, add to, withdraw, confirm or dispute, and manage the
customer's personal data. Each function is one transaction; on success the change is committed when it returns
(except :func:`submit_in`, which runs in the caller's: the desk files a complaint within a case's transaction).

Customers are identified by their conversation identity ``(channel, sender_id)``, or, from another channel,
by ticket number plus the last four digits of the phone number they gave.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from bot.complaints.fields import Demand
from bot.complaints.lifecycle import OPEN_STATUSES, Policy, Status, load_policy
from bot.complaints.models import Complaint, CustomerContact, TicketCounter, utcnow
from bot.complaints.views import ComplaintView, china_date
from bot.store import session_scope
from bot.store.privacy import mask_id_number, mask_name, mask_phone, mask_text

log = logging.getLogger(__name__)

CONSENT_VERSION = "2026-11"


class ComplaintError(Exception):
    """A request about a complaint that cannot be carried out; the message is meant for the customer."""


class ComplaintNotFound(ComplaintError):
    pass


class IdentityNotVerified(ComplaintError):
    """The ticket exists but does not belong to this conversation and no matching phone digits were given."""


class SaveFailed(ComplaintError):
    """The database did not store the change; nothing was saved and the customer must be told so."""


def _database_failures_reported(operation):
    """A database failure becomes a SaveFailed the conversation tells the customer about, never a silent error."""

    @functools.wraps(operation)
    def guarded(*args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except SQLAlchemyError as error:
            log.error("%s failed: %s", operation.__name__, error)
            raise SaveFailed("系统暂时出了点问题，这次操作没有完成，请稍后再试。") from error

    return guarded


@dataclass(frozen=True)
class Customer:
    """Who is asking: the conversation identity, plus phone digits when asking about a ticket from elsewhere."""

    channel: str
    sender_id: str
    phone_last4: str | None = None


@dataclass
class ComplaintDraft:
    """A complaint as collected by the conversation, validated field by field, not yet saved."""

    business_name: str
    business_platform: str | None
    product: str
    purchase_date: date
    amount: Decimal
    order_number: str | None
    facts: str
    demand: Demand
    contacted_business: bool
    evidence: list[str] = field(default_factory=list)
    name: str = ""
    phone: str = ""
    id_number: str | None = None


@dataclass(frozen=True)
class Submitted:
    ticket: str
    status: Status
    deadline: datetime


def _ticket_for(session: Session, day: date) -> str:
    """The next ticket of ``day``. The counter row stays locked until our commit, so numbers never repeat."""
    if session.get(TicketCounter, day) is None:
        try:
            with session.begin_nested():
                session.add(TicketCounter(day=day, last=0))
        except IntegrityError:
            pass  # another submission created today's counter first; use theirs
    session.execute(update(TicketCounter).where(TicketCounter.day == day).values(last=TicketCounter.last + 1))
    number = session.execute(select(TicketCounter.last).where(TicketCounter.day == day)).scalar_one()
    return f"TS-{day:%Y%m%d}-{number:06d}"


def _contact(session: Session, channel: str, sender_id: str) -> CustomerContact | None:
    return session.execute(
        select(CustomerContact).where(CustomerContact.channel == channel, CustomerContact.sender_id == sender_id)
    ).scalar_one_or_none()


def submit(
    draft: ComplaintDraft,
    customer: Customer,
    *,
    consented_at: datetime,
    now: datetime | None = None,
    policy: Policy | None = None,
    url: str | None = None,
) -> Submitted:
    """Save the complaint and its first event; returns only once both are committed."""
    try:
        with session_scope(url) as session:
            submitted = submit_in(session, draft, customer, consented_at=consented_at, now=now, policy=policy)
    except SQLAlchemyError as error:
        log.error("complaint not saved: %s", error)
        raise SaveFailed("投诉没能保存成功") from error
    log.info("complaint %s submitted", submitted.ticket)
    return submitted


def submit_in(
    session: Session,
    draft: ComplaintDraft,
    customer: Customer,
    *,
    consented_at: datetime,
    now: datetime | None = None,
    policy: Policy | None = None,
    filed_by: str | None = None,
) -> Submitted:
    """Save the complaint and its first event in the caller's transaction, committed (or not) with the rest of it.

    ``filed_by`` is the actor who filed it for the customer (``operator:<name>``); by default the customer did.
    """
    now = now or utcnow()
    policy = policy or load_policy()
    contact = _contact(session, customer.channel, customer.sender_id)
    if contact is None:
        contact = CustomerContact(channel=customer.channel, sender_id=customer.sender_id, created_at=now)
        session.add(contact)
    contact.name, contact.phone = draft.name, draft.phone
    contact.id_number = draft.id_number or contact.id_number
    contact.consent_at, contact.consent_version = consented_at, CONSENT_VERSION
    complaint = Complaint(
        ticket=_ticket_for(session, china_date(now)),
        contact=contact,
        created_at=now,
        business_name=draft.business_name,
        business_platform=draft.business_platform,
        product=draft.product,
        purchase_date=draft.purchase_date,
        amount=draft.amount,
        order_number=draft.order_number or None,
        facts=mask_text(draft.facts),
        demands=list(draft.demand.kinds),
        compensation_amount=draft.demand.compensation_amount,
        compensation_multiple=draft.demand.compensation_multiple,
        demand_detail=draft.demand.detail or None,
        contacted_business=draft.contacted_business,
        evidence=list(draft.evidence),
    )
    complaint.enter(Status.ACCEPTED, now, policy)
    session.add(complaint)
    session.flush()  # the contact id names the actor in the history
    complaint.record("created", filed_by or contact.actor, now=now, to_status=Status.ACCEPTED)
    return Submitted(complaint.ticket, complaint.status, complaint.status_deadline)


def _load(session: Session, ticket: str) -> Complaint:
    complaint = session.execute(
        select(Complaint)
        .where(Complaint.ticket == ticket.strip().upper())
        .options(selectinload(Complaint.events), selectinload(Complaint.contact))
    ).scalar_one_or_none()
    if complaint is None:
        raise ComplaintNotFound(f"没有找到编号为 {ticket} 的投诉，请核对一下编号（格式如 TS-20261122-000123）。")
    return complaint


def _owned(session: Session, ticket: str, customer: Customer) -> Complaint:
    complaint = _load(session, ticket)
    contact = complaint.contact
    same_conversation = (contact.channel, contact.sender_id) == (customer.channel, customer.sender_id)
    phone_matches = bool(customer.phone_last4) and bool(contact.phone) and contact.phone[-4:] == customer.phone_last4
    if not (same_conversation or phone_matches):
        raise IdentityNotVerified("为了保护您的信息，请告诉我投诉时留的手机号后四位，我核对后再为您查询。")
    return complaint


def _with_session(ticket: str, customer: Customer, url: str | None, change) -> ComplaintView:
    with session_scope(url) as session:
        complaint = _owned(session, ticket, customer)
        change(complaint)
        session.flush()
        return ComplaintView.of(complaint)


@_database_failures_reported
def find(ticket: str, customer: Customer, *, url: str | None = None) -> ComplaintView:
    """The complaint ``ticket`` if it belongs to ``customer``."""
    return _with_session(ticket, customer, url, lambda complaint: None)


@_database_failures_reported
def lookup(ticket: str, *, url: str | None = None) -> ComplaintView:
    """Any complaint by ticket, masked: for operators, who are not the customer."""
    with session_scope(url) as session:
        return ComplaintView.of(_load(session, ticket))


@_database_failures_reported
def complaints_of(customer: Customer, *, url: str | None = None) -> list[ComplaintView]:
    with session_scope(url) as session:
        contact = _contact(session, customer.channel, customer.sender_id)
        if contact is None:
            return []
        return [ComplaintView.of(complaint) for complaint in contact.complaints]


def _require_open(complaint: Complaint) -> None:
    if complaint.status not in OPEN_STATUSES:
        raise ComplaintError(f"投诉 {complaint.ticket} 已经{complaint.status.value}，不能再修改。")


@_database_failures_reported
def add_information(ticket: str, customer: Customer, text: str, *, now=None, url=None) -> ComplaintView:
    """Append what the customer adds (new facts, evidence they now hold) to the history."""

    def change(complaint: Complaint) -> None:
        _require_open(complaint)
        complaint.record("info_added", complaint.contact.actor, mask_text(text.strip()), now=now)

    return _with_session(ticket, customer, url, change)


@_database_failures_reported
def withdraw(ticket: str, customer: Customer, reason: str = "", *, now=None, policy=None, url=None) -> ComplaintView:
    def change(complaint: Complaint) -> None:
        _require_open(complaint)
        complaint.transition(
            Status.WITHDRAWN, complaint.contact.actor, mask_text(reason), action="withdrawn", policy=policy, now=now
        )

    return _with_session(ticket, customer, url, change)


def _require_result(complaint: Complaint) -> None:
    if complaint.status is not Status.AWAITING_CONFIRMATION:
        raise ComplaintError(
            f"投诉 {complaint.ticket} 目前是「{complaint.status.value}」，还没有可以确认的处理结果。"
        )


@_database_failures_reported
def confirm_result(ticket: str, customer: Customer, *, now=None, policy=None, url=None) -> ComplaintView:
    def change(complaint: Complaint) -> None:
        _require_result(complaint)
        complaint.transition(
            Status.CLOSED, complaint.contact.actor, action="result_confirmed", policy=policy, now=now
        )

    return _with_session(ticket, customer, url, change)


@_database_failures_reported
def dispute_result(ticket: str, customer: Customer, reason: str, *, now=None, policy=None, url=None) -> ComplaintView:
    """The customer does not accept the result: the case goes back to investigation, with their reason."""

    def change(complaint: Complaint) -> None:
        _require_result(complaint)
        complaint.transition(
            Status.INVESTIGATING,
            complaint.contact.actor,
            mask_text(reason),
            action="result_disputed",
            policy=policy,
            now=now,
        )

    return _with_session(ticket, customer, url, change)


@_database_failures_reported
def advance(
    ticket: str, to: Status, operator: str, note: str = "", *, now=None, policy=None, url=None
) -> ComplaintView:
    """An operator moves a complaint on (e.g. 已受理 → 调查核实); illegal moves raise IllegalTransition."""
    with session_scope(url) as session:
        complaint = _load(session, ticket)
        complaint.transition(to, f"operator:{operator}", mask_text(note), policy=policy, now=now)
        session.flush()
        return ComplaintView.of(complaint)


@_database_failures_reported
def overdue(now: datetime | None = None, *, url: str | None = None) -> list[ComplaintView]:
    """Open complaints whose current stage has passed its deadline, most overdue first."""
    now = now or utcnow()
    with session_scope(url) as session:
        rows = session.execute(
            select(Complaint)
            .where(Complaint.status_value.in_([s.value for s in OPEN_STATUSES]), Complaint.status_deadline < now)
            .order_by(Complaint.status_deadline)
            .options(selectinload(Complaint.events), selectinload(Complaint.contact))
        ).scalars()
        return [ComplaintView.of(complaint) for complaint in rows]


# --- the customer's rights over their personal data (个人信息保护法 第45–47条) ---


@dataclass(frozen=True)
class PersonalData:
    """What we hold about a customer, masked as it is shown in the chat."""

    name: str
    phone: str
    id_number: str
    consent_at: datetime | None
    tickets: tuple[str, ...]


@_database_failures_reported
def personal_data(customer: Customer, *, url: str | None = None) -> PersonalData | None:
    with session_scope(url) as session:
        contact = _contact(session, customer.channel, customer.sender_id)
        if contact is None:
            return None
        return PersonalData(
            mask_name(contact.name),
            mask_phone(contact.phone),
            mask_id_number(contact.id_number),
            contact.consent_at,
            tuple(complaint.ticket for complaint in contact.complaints),
        )


@_database_failures_reported
def correct_contact(
    customer: Customer, *, name: str | None = None, phone: str | None = None, now=None, url=None
) -> bool:
    """Replace the name and/or phone; each complaint records that (not what) was corrected.

    Returns False if we hold no data for this customer.
    """
    changed = [label for label, value in (("姓名", name), ("手机号", phone)) if value]
    with session_scope(url) as session:
        contact = _contact(session, customer.channel, customer.sender_id)
        if contact is None or not changed:
            return False
        contact.name = name or contact.name
        contact.phone = phone or contact.phone
        for complaint in contact.complaints:
            complaint.record("contact_corrected", contact.actor, "、".join(changed), now=now)
        return True


def _anonymise(contact: CustomerContact, action: str, actor: str, now: datetime) -> None:
    contact.name = contact.phone = contact.id_number = None
    # The conversation identity is personal too; a placeholder keeps (channel, sender_id) unique.
    contact.sender_id = f"anonymised-{contact.id}"
    contact.anonymised_at = now
    for complaint in contact.complaints:
        complaint.record(action, actor, now=now)


@_database_failures_reported
def delete_personal_data(customer: Customer, *, now=None, url=None) -> list[str]:
    """Erase name, phone, ID number and conversation identity; complaints stay, anonymised. Returns their tickets."""
    now = now or utcnow()
    with session_scope(url) as session:
        contact = _contact(session, customer.channel, customer.sender_id)
        if contact is None:
            return []
        tickets = [complaint.ticket for complaint in contact.complaints]
        _anonymise(contact, "personal_data_deleted", contact.actor, now)
        return tickets


@_database_failures_reported
def anonymise_expired(now: datetime | None = None, *, policy: Policy | None = None, url: str | None = None) -> int:
    """Anonymise customers whose complaints all ended more than the retention period ago; returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(days=(policy or load_policy()).retention_days)
    count = 0
    with session_scope(url) as session:
        contacts = session.execute(
            select(CustomerContact).where(CustomerContact.anonymised_at.is_(None))
        ).scalars()
        for contact in contacts:
            ended = [complaint.closed_at for complaint in contact.complaints]
            if ended and all(moment is not None and moment < cutoff for moment in ended):
                _anonymise(contact, "personal_data_expired", "system", now)
                count += 1
    return count
