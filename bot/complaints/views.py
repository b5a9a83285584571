"""What a complaint looks like to the people who read it: the customer in the chat, operators in the CLI.

Views are plain data copied out of the database session, with personal fields already masked, so nothing
that holds one can leak a phone number or trigger a query after the session has closed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from bot.complaints.fields import Demand
from bot.complaints.lifecycle import OPEN_STATUSES, Policy, Status
from bot.complaints.models import Complaint, ComplaintEvent
from bot.store.privacy import mask_id_number, mask_name, mask_phone

CHINA_TIME = timezone(timedelta(hours=8), "北京时间")  # China has no daylight saving, a fixed offset is exact

# The stages a complaint still has ahead of it on the normal path, in order.
_NORMAL_PATH = (Status.ACCEPTED, Status.INVESTIGATING, Status.RESPONDING, Status.AWAITING_CONFIRMATION)
_STAGE_GOALS = {
    Status.ACCEPTED: "开始调查核实",
    Status.INVESTIGATING: "完成初步调查",
    Status.RESPONDING: "给出处理结果",
    Status.AWAITING_CONFIRMATION: "您确认或提出异议",
}
_ACTIONS = {
    "created": "提交投诉",
    "status_changed": "状态更新",
    "info_added": "补充材料",
    "withdrawn": "撤回投诉",
    "result_confirmed": "确认处理结果",
    "result_disputed": "对处理结果提出异议，重新调查",
    "contact_corrected": "更正联系方式",
    "personal_data_deleted": "删除个人信息（记录已匿名保留）",
    "personal_data_exported": "导出含个人信息的记录",
    "personal_data_expired": "保存期满，个人信息已删除",
}


def china_time(moment: datetime | None) -> str:
    """A stored naive-UTC time as Beijing time, e.g. 2026-11-23 09:30."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=timezone.utc).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def china_date(moment: datetime) -> date:
    return moment.replace(tzinfo=timezone.utc).astimezone(CHINA_TIME).date()


def describe_actor(actor: str) -> str:
    if actor.startswith("customer#"):
        return "投诉人"
    if actor.startswith("operator:"):
        return f"工作人员 {actor.split(':', 1)[1]}"
    return "系统"


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None

    @classmethod
    def of(cls, entry: ComplaintEvent) -> "EventView":
        return cls(entry.at, entry.actor, entry.action, entry.from_status, entry.to_status, entry.note)

    def describe(self) -> str:
        what = _ACTIONS.get(self.action, self.action)
        if self.to_status:
            what += f"（{self.from_status or '新建'} → {self.to_status}）"
        line = f"{china_time(self.at)} {describe_actor(self.actor)}：{what}"
        return line + (f"，{self.note}" if self.note else "")


@dataclass(frozen=True)
class ComplaintView:
    ticket: str
    status: Status
    created_at: datetime
    status_deadline: datetime | None
    business_name: str
    business_platform: str | None
    product: str
    purchase_date: date
    amount: Decimal
    order_number: str | None
    facts: str
    demand: str
    contacted_business: bool
    evidence: tuple[str, ...]
    # Personal fields, masked unless the view was made with unmask=True for an authorised operator.
    customer_name: str
    phone: str
    id_number: str
    anonymised: bool
    events: tuple[EventView, ...]

    @classmethod
    def of(cls, complaint: Complaint, *, unmask: bool = False) -> "ComplaintView":
        contact = complaint.contact
        demand = Demand(
            tuple(complaint.demands),
            complaint.compensation_amount,
            complaint.compensation_multiple,
            complaint.demand_detail or "",
        )

        def personal(value: str | None, mask) -> str:
            return (value or "") if unmask else mask(value)

        return cls(
            ticket=complaint.ticket,
            status=complaint.status,
            created_at=complaint.created_at,
            status_deadline=complaint.status_deadline,
            business_name=complaint.business_name,
            business_platform=complaint.business_platform,
            product=complaint.product,
            purchase_date=complaint.purchase_date,
            amount=complaint.amount,
            order_number=complaint.order_number,
            facts=complaint.facts,
            demand=demand.describe(),
            contacted_business=complaint.contacted_business,
            evidence=tuple(complaint.evidence),
            customer_name=personal(contact.name, mask_name),
            phone=personal(contact.phone, mask_phone),
            id_number=personal(contact.id_number, mask_id_number),
            anonymised=contact.anonymised_at is not None,
            events=tuple(EventView.of(entry) for entry in complaint.events),
        )

    @property
    def business(self) -> str:
        return f"{self.business_name}（{self.business_platform}）" if self.business_platform else self.business_name

    def is_overdue(self, now: datetime) -> bool:
        return self.status in OPEN_STATUSES and self.status_deadline is not None and self.status_deadline < now

    def schedule(self, policy: Policy) -> list[tuple[str, datetime]]:
        """The deadline of the current stage and, if each stage used its full time, of those after it."""
        if self.status_deadline is None or self.status not in _NORMAL_PATH:
            return []
        steps = [(_STAGE_GOALS[self.status], self.status_deadline)]
        moment = self.status_deadline
        for status in _NORMAL_PATH[_NORMAL_PATH.index(self.status) + 1:]:
            moment = policy.deadline(status, moment)
            steps.append((_STAGE_GOALS[status], moment))
        return steps

    def describe(self, policy: Policy, now: datetime) -> str:
        """The status report the customer reads in the chat."""
        lines = [
            f"投诉编号：{self.ticket}",
            f"当前状态：{self.status.value}" + ("（已超过处理时限，我们会督促尽快处理）" if self.is_overdue(now) else ""),
            f"被投诉方：{self.business}",
            f"商品/服务：{self.product}，{self.purchase_date:%Y年%m月%d日}，{self.amount} 元",
            f"您的诉求：{self.demand}",
        ]
        schedule = self.schedule(policy)
        if schedule:
            lines.append("处理时限：")
            lines += [f"  · {goal}：{china_time(moment)} 前" for goal, moment in schedule]
        lines.append("处理记录：")
        lines += [f"  · {entry.describe()}" for entry in self.events]
        return "\n".join(lines)

    def summary_line(self) -> str:
        return f"{self.ticket}｜{self.status.value}｜{self.business}｜{self.product}"
