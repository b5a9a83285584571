"""Complaints in the shape of a regulator's complaint form (投诉人, 被投诉方, 购买/服务时间, 金额, 事实与理由, 诉求, 证据).

Personal fields are masked unless an operator listed in the policy's ``authorised_operators`` asks for them;
each unmasked export is recorded in the history of every complaint it contains.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.complaints.lifecycle import Policy, load_policy
from bot.complaints.models import Complaint, utcnow
from bot.complaints.views import ComplaintView, china_time
from bot.store import session_scope

FORMATS = ("csv", "json")
COLUMNS = (
    "投诉编号", "投诉人", "联系电话", "身份证号", "被投诉方", "购买/服务时间", "商品/服务", "金额", "订单/合同号",
    "事实与理由", "诉求", "是否已与经营者协商", "证据", "状态", "受理时间", "当前阶段时限",
)


class NotAuthorised(PermissionError):
    pass


def regulator_record(view: ComplaintView) -> dict[str, str]:
    return {
        "投诉编号": view.ticket,
        "投诉人": view.customer_name or ("（已匿名）" if view.anonymised else ""),
        "联系电话": view.phone,
        "身份证号": view.id_number,
        "被投诉方": view.business,
        "购买/服务时间": view.purchase_date.isoformat(),
        "商品/服务": view.product,
        "金额": f"{view.amount:.2f}",
        "订单/合同号": view.order_number or "",
        "事实与理由": view.facts,
        "诉求": view.demand,
        "是否已与经营者协商": "是" if view.contacted_business else "否",
        "证据": "、".join(view.evidence) or "无",
        "状态": view.status.value,
        "受理时间": china_time(view.created_at),
        "当前阶段时限": china_time(view.status_deadline),
    }


def export_records(
    *,
    unmask: bool = False,
    operator: str | None = None,
    policy: Policy | None = None,
    now: datetime | None = None,
    url: str | None = None,
) -> list[dict[str, str]]:
    """Every complaint as a regulator-form record, oldest first."""
    policy = policy or load_policy()
    if unmask and not policy.may_unmask(operator):
        raise NotAuthorised(
            f"Operator {operator!r} may not export personal data unmasked; "
            "authorised operators are listed under authorised_operators in the complaint policy."
        )
    with session_scope(url) as session:
        complaints = session.execute(
            select(Complaint)
            .order_by(Complaint.id)
            .options(selectinload(Complaint.contact), selectinload(Complaint.events))
        ).scalars().all()
        records = [regulator_record(ComplaintView.of(complaint, unmask=unmask)) for complaint in complaints]
        if unmask:
            for complaint in complaints:
                complaint.record("personal_data_exported", f"operator:{operator}", now=now or utcnow())
    return records


def render(records: list[dict[str, str]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return buffer.getvalue()
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
