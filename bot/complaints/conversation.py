"""The complaint conversation, independent of Rasa: what each answer fills, what is wrong with it, what to say.

``actions/complaints.py`` adapts these functions to the Rasa SDK. A form turn returns a :class:`Turn`:
slot updates, response names (defined in ``domain/complaints.yml``) or composed texts to send, and whether to
let the dialogue policies handle the message instead (a rights question asked in the middle of the form) or
to stop the form (the customer cancelled or refused consent).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Optional

from bot.complaints import service
from bot.complaints.amounts import parse_amount
from bot.complaints.dates import parse_date
from bot.complaints.fields import (
    Demand,
    extract_fields,
    parse_business,
    parse_contacted,
    parse_demand,
    parse_evidence,
    parse_facts,
    parse_name,
    parse_order_number,
    parse_phone,
    parse_product,
)
from bot.complaints.lifecycle import Policy, Status, load_policy
from bot.complaints.models import utcnow
from bot.complaints.views import china_date, china_time
from bot.store.privacy import mask_name, mask_phone
from bot.text import normalise

# The form's questions, in the order asked. Consent comes before anything personal.
FORM_SLOTS = (
    "complaint_consent",
    "complaint_business",
    "complaint_product",
    "complaint_purchase_date",
    "complaint_amount",
    "complaint_order_number",
    "complaint_facts",
    "complaint_demand",
    "complaint_contacted",
    "complaint_evidence",
    "complaint_name",
    "complaint_phone",
    "complaint_confirmed",
)
# Filled alongside form slots, never asked for.
COMPANION_SLOTS = ("complaint_platform", "complaint_consent_at")
ALL_SLOTS = FORM_SLOTS + COMPANION_SLOTS
NO_ORDER_NUMBER = "无"

LABELS = {
    "complaint_business": "被投诉方",
    "complaint_product": "商品/服务",
    "complaint_purchase_date": "购买时间",
    "complaint_amount": "金额",
    "complaint_order_number": "订单号",
    "complaint_facts": "事情经过",
    "complaint_demand": "您的诉求",
    "complaint_contacted": "是否联系过商家",
    "complaint_evidence": "证据",
    "complaint_name": "姓名",
    "complaint_phone": "联系电话",
}
# Words that name a field when the customer corrects it ("金额改成399", "电话写错了").
_FIELD_WORDS = (
    ("complaint_phone", r"电话|手机|号码"),
    ("complaint_order_number", r"订单|单号|合同号"),
    ("complaint_purchase_date", r"时间|日期|哪天|几号"),
    ("complaint_amount", r"金额|价格|价钱|多少钱|付了|花了"),
    ("complaint_contacted", r"联系过|联系商家|协商"),
    ("complaint_business", r"商家|店铺|店名|被投诉"),
    ("complaint_product", r"商品|产品|东西|服务"),
    ("complaint_facts", r"经过|情况|事情"),
    ("complaint_demand", r"诉求|要求"),
    ("complaint_evidence", r"证据"),
    ("complaint_name", r"名字|姓名|称呼"),
)
_CORRECTION = re.compile(r"改成|改为|改一下|修改|更正|说错|写错|填错|不对|错了|重新填|换成")
_NEW_VALUE = re.compile(r"(?:改成|改为|换成|应该是|其实是|是)[:：]?\s*(.+)$")
_CANCEL = re.compile(r"^(?:取消|算了|不投诉了|不想投诉了|不投了|退出|放弃|不弄了)|取消投诉|不投诉了|不想投诉了")
_AGREE = re.compile(r"^(?:同意|好的?|可以|行|嗯|是的?|没问题|ok|OK|确认|接受|对)")
_REFUSE = re.compile(r"不同意|不要|不行|拒绝|不可以|不愿意|不接受")
_CONFIRM = re.compile(r"^(?:确认|提交|没问题|对的?|是的?|好的?|可以|正确|无误|ok|OK)|确认提交|没有问题")
_QUESTION = re.compile(r"[？?]|吗$|吗[，。！,]|怎么|如何|能不能|可不可以|是不是|多久|哪里|什么时候|为什么")
# Questions we can answer mid-form without losing the customer's place.
INTERRUPTING_INTENTS = frozenset({"ask_rights"})


@dataclass
class Turn:
    slots: dict[str, Any] = field(default_factory=dict)
    responses: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    reject: bool = False  # not an answer: let the policies handle the message, then resume the form
    stop: bool = False  # end the form now; the slots are cleared


def _clear() -> dict[str, Any]:
    return dict.fromkeys(ALL_SLOTS)


# --- reading one answer ---------------------------------------------------------------------------------


def _read_business(text: str, today: date) -> tuple[dict, str | None]:
    business = parse_business(text)
    if business is None:
        return {}, "utter_invalid_complaint_business"
    return {"complaint_business": business[0], "complaint_platform": business[1]}, None


def _read_date(text: str, today: date) -> tuple[dict, str | None]:
    purchased = parse_date(text, today)
    if purchased is None:
        return {}, "utter_invalid_complaint_purchase_date"
    if purchased > today:
        return {}, "utter_complaint_purchase_date_in_future"
    return {"complaint_purchase_date": purchased.isoformat()}, None


def _read_demand(text: str, today: date) -> tuple[dict, str | None]:
    demand = parse_demand(text)
    if demand is None:
        return {}, "utter_invalid_complaint_demand"
    if demand.lacks_compensation_amount:
        return {}, "utter_complaint_demand_needs_amount"
    return {"complaint_demand": demand_to_slot(demand)}, None


def _simple(slot: str, parse: Callable[[str], Any], to_slot: Callable[[Any], Any] = lambda v: v):
    def read(text: str, today: date) -> tuple[dict, str | None]:
        value = parse(text)
        if value is None:
            return {}, f"utter_invalid_{slot}"
        return {slot: to_slot(value)}, None

    return read


READERS: dict[str, Callable[[str, date], tuple[dict, str | None]]] = {
    "complaint_business": _read_business,
    "complaint_product": _simple("complaint_product", parse_product),
    "complaint_purchase_date": _read_date,
    "complaint_amount": _simple("complaint_amount", parse_amount, str),
    "complaint_order_number": _simple("complaint_order_number", parse_order_number, lambda v: v or NO_ORDER_NUMBER),
    "complaint_facts": _simple("complaint_facts", parse_facts),
    "complaint_demand": _read_demand,
    "complaint_contacted": _simple("complaint_contacted", parse_contacted),
    "complaint_evidence": _simple("complaint_evidence", parse_evidence),
    "complaint_name": _simple("complaint_name", parse_name),
    "complaint_phone": _simple("complaint_phone", parse_phone),
}


def demand_to_slot(demand: Demand) -> dict:
    return {
        "kinds": list(demand.kinds),
        "compensation_amount": None if demand.compensation_amount is None else str(demand.compensation_amount),
        "compensation_multiple": demand.compensation_multiple,
        "detail": demand.detail,
    }


def demand_from_slot(value: dict) -> Demand:
    amount = value.get("compensation_amount")
    return Demand(
        tuple(value["kinds"]),
        None if amount is None else Decimal(amount),
        value.get("compensation_multiple"),
        value.get("detail") or "",
    )


def _volunteered(text: str, today: date, slots: dict) -> dict:
    """Fields the customer mentioned besides the one asked for, for slots still empty."""
    found = extract_fields(text, today)
    readings = {
        "complaint_business": found.get("business_name"),
        "complaint_platform": found.get("business_platform"),
        "complaint_product": found.get("product"),
        "complaint_purchase_date": found["purchase_date"].isoformat()
        if "purchase_date" in found and found["purchase_date"] <= today else None,
        "complaint_amount": str(found["amount_paid"]) if "amount_paid" in found else None,
        "complaint_order_number": found.get("order_number"),
        "complaint_facts": found.get("facts"),
        "complaint_demand": demand_to_slot(found["demand"])
        if "demand" in found and not found["demand"].lacks_compensation_amount else None,
        "complaint_contacted": found.get("contacted_business"),
        "complaint_evidence": found.get("evidence"),
        "complaint_phone": found.get("phone"),
    }
    if readings["complaint_business"] is None:
        readings["complaint_platform"] = None  # a platform alone does not name the business
    return {slot: value for slot, value in readings.items() if value is not None and slots.get(slot) is None}


def _from_remedy_facts(remedy_facts: dict | None) -> dict:
    """What the remedies conversation already established; only facts that mean the same thing here."""
    if not remedy_facts:
        return {}
    prefill = {}
    if isinstance(remedy_facts.get("price"), (int, float)) and remedy_facts["price"] >= 0:
        prefill["complaint_amount"] = str(Decimal(str(remedy_facts["price"])).quantize(Decimal("0.01")))
    if isinstance(remedy_facts.get("business_contacted"), bool):
        prefill["complaint_contacted"] = remedy_facts["business_contacted"]
    return prefill


# --- the form turn --------------------------------------------------------------------------------------


def start(text: str, slots: dict, remedy_facts: dict | None, today: date) -> Turn:
    """The form is starting: keep what the opening message (and the remedies flow) already told us."""
    prefill = _from_remedy_facts(remedy_facts)
    prefill.update(_volunteered(normalise(text or ""), today, {**slots, **prefill}))
    return Turn(slots={k: v for k, v in prefill.items() if slots.get(k) is None})


def _correction(text: str, slots: dict, today: date) -> Turn | None:
    if not _CORRECTION.search(text):
        return None
    target = next((slot for slot, words in _FIELD_WORDS if re.search(words, text)), None)
    if target is None:
        return None
    match = _NEW_VALUE.search(text)
    if match:
        updates, problem = READERS[target](match.group(1), today)
        if problem is None:
            updates["complaint_confirmed"] = None
            return Turn(slots=updates, texts=[f"好的，{LABELS[target]}已改为：{display(target, updates[target])}。"])
    # No usable new value in the message: ask the question for that field again.
    return Turn(slots={target: None, "complaint_confirmed": None}, texts=[f"好的，我们重新填写{LABELS[target]}。"])


def _consent(text: str, now: datetime) -> Turn:
    if _REFUSE.search(text):
        return Turn(slots=_clear(), responses=["utter_complaint_consent_refused"], stop=True)
    if _AGREE.search(text):
        return Turn(slots={"complaint_consent": True, "complaint_consent_at": now.isoformat()})
    return Turn(slots={"complaint_consent": None}, responses=["utter_invalid_complaint_consent"])


def _confirmation(text: str) -> Turn:
    if _CONFIRM.search(text) and not _CORRECTION.search(text):
        return Turn(slots={"complaint_confirmed": True})
    return Turn(slots={"complaint_confirmed": None}, responses=["utter_invalid_complaint_confirmed"])


def answer(
    requested_slot: str | None,
    slots: dict,
    text: str,
    intent: str | None,
    confidence: float,
    *,
    today: date,
    now: datetime,
) -> Turn:
    """One customer message while the form asks ``requested_slot``."""
    text = normalise(text or "")
    if _CANCEL.search(text):
        return Turn(slots=_clear(), responses=["utter_complaint_cancelled"], stop=True)
    if requested_slot == "complaint_consent":
        if intent in INTERRUPTING_INTENTS and confidence >= 0.5 and _QUESTION.search(text):
            return Turn(reject=True)
        return _consent(text, now)
    # Corrections are short ("金额改成399"); a long account of what happened may say 不对 without meaning one.
    may_correct = requested_slot == "complaint_confirmed" or (requested_slot != "complaint_facts" and len(text) <= 30)
    if slots.get("complaint_consent") and may_correct and (corrected := _correction(text, slots, today)):
        return corrected
    if requested_slot == "complaint_confirmed":
        return _confirmation(text)
    reader = READERS.get(requested_slot or "")
    if reader is None:
        return Turn()
    updates, problem = reader(text, today)
    if intent in INTERRUPTING_INTENTS and confidence >= 0.5 and _QUESTION.search(text) and (
        problem or requested_slot in ("complaint_facts", "complaint_product", "complaint_demand", "complaint_business")
    ):
        return Turn(reject=True)  # a question, not an answer: the knowledge base answers it, then we ask again
    if problem:
        return Turn(slots={requested_slot: None}, responses=[problem])
    updates.update(_volunteered(text, today, {**slots, **updates}))
    return Turn(slots=updates)


# --- what the customer reads ----------------------------------------------------------------------------


def display(slot: str, value: Any) -> str:
    if value is None:
        return "（未填写）"
    if slot == "complaint_purchase_date":
        return f"{date.fromisoformat(value):%Y年%m月%d日}"
    if slot == "complaint_amount":
        return f"{Decimal(value):.2f} 元"
    if slot == "complaint_demand":
        return demand_from_slot(value).describe()
    if slot == "complaint_contacted":
        return "联系过" if value else "没有联系过"
    if slot == "complaint_evidence":
        return "、".join(value) or "暂无"
    if slot == "complaint_name":
        return mask_name(value)
    if slot == "complaint_phone":
        return mask_phone(value)
    return str(value)


def consent_notice(policy: Policy | None = None) -> str:
    """What we collect, why and for how long (个人信息保护法 第13、17条), asked before anything personal."""
    years, days = divmod((policy or load_policy()).retention_days, 365)
    period = f"{years} 年" if days == 0 else f"{(policy or load_policy()).retention_days} 天"
    return (
        "登记投诉前，先跟您说明一下个人信息的使用：\n"
        "· 收集什么：您的姓名、联系电话，以及投诉涉及的商家、商品、金额、订单号和经过；\n"
        "· 用来做什么：只用于受理和处理这次投诉，包括核实情况、联系商家协调和向您反馈进展；\n"
        f"· 保存多久：投诉办结或撤回后保存 {period}，到期删除姓名和电话等个人信息，只保留匿名的投诉记录；\n"
        "· 您的权利：随时可以说“查看我的个人信息”“更正我的手机号”或“删除我的个人信息”。\n"
        "电话号码会加密保存，展示时只显示部分号码。您同意我们按上述方式处理您的个人信息吗？"
    )


def summary(slots: dict) -> str:
    business = slots.get("complaint_business") or ""
    if slots.get("complaint_platform"):
        business = f"{business}（{slots['complaint_platform']}）"
    lines = ["请核对一下投诉信息："]
    for number, slot in enumerate(LABELS, start=1):
        value = business if slot == "complaint_business" else display(slot, slots.get(slot))
        lines.append(f"{number}. {LABELS[slot]}：{value}")
    lines.append("没问题请回复“确认提交”；要修改请告诉我哪一项，例如“金额改成399”；不想投诉了可以回复“取消”。")
    return "\n".join(lines)


def draft_from_slots(slots: dict) -> service.ComplaintDraft:
    order_number = slots["complaint_order_number"]
    return service.ComplaintDraft(
        business_name=slots["complaint_business"],
        business_platform=slots.get("complaint_platform"),
        product=slots["complaint_product"],
        purchase_date=date.fromisoformat(slots["complaint_purchase_date"]),
        amount=Decimal(slots["complaint_amount"]),
        order_number=None if order_number == NO_ORDER_NUMBER else order_number,
        facts=slots["complaint_facts"],
        demand=demand_from_slot(slots["complaint_demand"]),
        contacted_business=bool(slots["complaint_contacted"]),
        evidence=list(slots["complaint_evidence"]),
        name=slots["complaint_name"],
        phone=slots["complaint_phone"],
    )


@dataclass
class Reply:
    text: str
    buttons: list[dict] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    # Why a person must take over now (a key of the desk's priorities), if one must.
    hand_off: Optional[str] = None


def confirmed(slots: dict) -> bool:
    """Whether the form ended with every answer given and the summary confirmed (not cancelled)."""
    return slots.get("complaint_confirmed") is True and all(slots.get(s) is not None for s in FORM_SLOTS)


def not_saved() -> Reply:
    """The complaint could not be saved: say so, and keep the answers for a retry."""
    return Reply(
        "非常抱歉，系统暂时没能保存您的投诉，这次没有提交成功。您填写的内容我都还保留着，"
        "稍后回复“我要投诉”即可直接核对并重新提交；着急的话也可以拨打 12315。",
        slots={"complaint_confirmed": None},
    )


def submit(slots: dict, customer: service.Customer, *, now: datetime | None = None, url: str | None = None) -> Reply:
    """Save the confirmed complaint; the customer is told it is accepted only after the commit."""
    if not confirmed(slots):
        return Reply("")  # cancelled or refused: nothing to submit
    consented_at = datetime.fromisoformat(slots["complaint_consent_at"])
    try:
        submitted = service.submit(draft_from_slots(slots), customer, consented_at=consented_at, now=now, url=url)
    except service.SaveFailed:
        return not_saved()
    return Reply(
        f"您的投诉已受理，投诉编号：{submitted.ticket}。\n"
        f"我们会在 {china_time(submitted.deadline)} 前开始调查核实，处理进展会通过您留的电话或在这里告诉您。\n"
        f"查询进度请说“查一下我的投诉 {submitted.ticket}”，也可以随时补充材料或撤回投诉。",
        slots={**_clear(), "complaint_ticket": submitted.ticket},
    )


# --- self-service after submission ----------------------------------------------------------------------

_TICKET = re.compile(r"TS-?(\d{8})-?(\d{6})", re.IGNORECASE)
_LAST4 = re.compile(r"(?:后四位|后4位|尾号|末四位)\D{0,4}(\d{4})(?!\d)")
_CONFIRMED_REQUEST = re.compile(r"^确认")


def ticket_in(text: str) -> str | None:
    match = _TICKET.search(normalise(text or ""))
    return f"TS-{match.group(1)}-{match.group(2)}" if match else None


def phone_last4_in(text: str) -> str | None:
    text = _TICKET.sub("", normalise(text or ""))
    if match := _LAST4.search(text):
        return match.group(1)
    digits = re.findall(r"(?<!\d)\d{4}(?!\d)", text)
    return digits[0] if len(digits) == 1 else None


def _customer(channel: str, sender_id: str, text: str) -> service.Customer:
    return service.Customer(channel, sender_id, phone_last4_in(text))


def _which(text: str, customer: service.Customer, wanted: frozenset[Status], verb: str, url) -> str | Reply:
    """The ticket the customer means: named in the message, or their only complaint in a suitable status."""
    ticket = ticket_in(text)
    if ticket:
        return ticket
    candidates = [view for view in service.complaints_of(customer, url=url) if view.status in wanted]
    if len(candidates) == 1:
        return candidates[0].ticket
    if not candidates:
        return Reply(f"没有找到可以{verb}的投诉。如果投诉是在别的渠道提交的，请发给我投诉编号和手机号后四位，"
                     "例如“TS-20261122-000123 尾号5678”。")
    return Reply(
        f"您有 {len(candidates)} 个投诉，请告诉我要{verb}哪一个：\n" + "\n".join(v.summary_line() for v in candidates)
    )


def check_status(text: str, channel: str, sender_id: str, *, now=None, policy=None, url=None) -> Reply:
    customer = _customer(channel, sender_id, text)
    policy, now = policy or load_policy(), now or utcnow()
    ticket = ticket_in(text)
    if ticket is None:
        views = service.complaints_of(customer, url=url)
        if not views:
            return Reply("没有找到您在这里提交的投诉。如果是在别的渠道提交的，请发给我投诉编号和手机号后四位，"
                         "例如“查一下我的投诉 TS-20261122-000123 尾号5678”。")
        if len(views) > 1:
            return Reply(
                "您有这些投诉，点一下查看详情：\n" + "\n".join(v.summary_line() for v in views),
                buttons=[{"title": v.ticket, "payload": f"查一下我的投诉 {v.ticket}"} for v in views],
            )
        return Reply(views[0].describe(policy, now))
    try:
        return Reply(service.find(ticket, customer, url=url).describe(policy, now))
    except service.ComplaintError as error:
        return Reply(str(error))


def add_information(text: str, channel: str, sender_id: str, *, now=None, url=None) -> Reply:
    customer = _customer(channel, sender_id, text)
    # Drop the request itself ("我要补充投诉材料：") and keep what they add.
    addition = re.sub(r"^.*?(?:补充|追加)(?:一下|一些|到|给|我的|的|投诉|材料|信息|证据|内容|情况|里)*[:：，,]?", "", normalise(text))
    addition = _TICKET.sub("", addition).strip(" ：:，,。")
    ticket = _which(text, customer, frozenset({Status.ACCEPTED, Status.INVESTIGATING, Status.RESPONDING,
                                                Status.AWAITING_CONFIRMATION}), "补充材料", url)
    if isinstance(ticket, Reply):
        return ticket
    if len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", addition)) < 4:
        return Reply(f"请把要补充的内容和投诉编号一起发给我，例如“补充 {ticket}：商家昨天又拒绝了退款，我有新的聊天截图”。")
    try:
        service.add_information(ticket, customer, addition, now=now, url=url)
    except service.ComplaintError as error:
        return Reply(str(error))
    return Reply(f"已把您补充的内容记录到投诉 {ticket}，处理人员会一并核实。")


def withdraw(text: str, channel: str, sender_id: str, *, now=None, url=None) -> Reply:
    customer = _customer(channel, sender_id, text)
    ticket = _which(text, customer, frozenset({Status.ACCEPTED, Status.INVESTIGATING, Status.RESPONDING,
                                                Status.AWAITING_CONFIRMATION}), "撤回", url)
    if isinstance(ticket, Reply):
        return ticket
    if not _CONFIRMED_REQUEST.search(normalise(text)):
        return Reply(
            f"撤回后投诉 {ticket} 将停止处理，且不能恢复。确定要撤回吗？",
            buttons=[{"title": "确认撤回", "payload": f"确认撤回投诉 {ticket}"}, {"title": "先不撤回", "payload": "先不撤回"}],
        )
    try:
        service.withdraw(ticket, customer, "投诉人主动撤回", now=now, url=url)
    except service.ComplaintError as error:
        return Reply(str(error))
    return Reply(f"投诉 {ticket} 已撤回。以后有需要可以随时重新投诉。")


def confirm_result(text: str, channel: str, sender_id: str, *, now=None, url=None) -> Reply:
    customer = _customer(channel, sender_id, text)
    ticket = _which(text, customer, frozenset({Status.AWAITING_CONFIRMATION}), "确认处理结果", url)
    if isinstance(ticket, Reply):
        return ticket
    try:
        service.confirm_result(ticket, customer, now=now, url=url)
    except service.ComplaintError as error:
        return Reply(str(error))
    return Reply(f"收到，您已确认处理结果，投诉 {ticket} 已结案。感谢您的耐心！")


def dispute_result(text: str, channel: str, sender_id: str, *, now=None, url=None) -> Reply:
    customer = _customer(channel, sender_id, text)
    ticket = _which(text, customer, frozenset({Status.AWAITING_CONFIRMATION}), "提出异议", url)
    if isinstance(ticket, Reply):
        return ticket
    try:
        view = service.dispute_result(ticket, customer, _TICKET.sub("", normalise(text)).strip(), now=now, url=url)
    except service.ComplaintError as error:
        return Reply(str(error))
    return Reply(
        f"已记录您的异议，投诉 {ticket} 重新进入调查核实，"
        f"我们会在 {china_time(view.status_deadline)} 前完成调查并再次反馈。",
        hand_off="dispute",
    )


def show_my_data(channel: str, sender_id: str, *, url=None) -> Reply:
    data = service.personal_data(service.Customer(channel, sender_id), url=url)
    if data is None:
        return Reply("我们没有保存您的个人信息。")
    return Reply(
        "我们保存的您的个人信息如下（部分隐藏）：\n"
        f"· 姓名：{data.name or '无'}\n· 联系电话：{data.phone or '无'}\n"
        + (f"· 身份证号：{data.id_number}\n" if data.id_number else "")
        + f"· 同意时间：{china_time(data.consent_at) or '无'}\n· 相关投诉：{'、'.join(data.tickets) or '无'}\n"
        "需要更正可以说“把手机号改成 139xxxxxxxx”，需要删除可以说“删除我的个人信息”。"
    )


def correct_my_data(text: str, channel: str, sender_id: str, *, now=None, url=None) -> Reply:
    text = normalise(text)
    phone = parse_phone(text)
    name_match = re.search(r"(?:名字|姓名)(?:改成|改为|换成|是|应该是)[:：]?\s*(\S+)", text)
    name = parse_name(name_match.group(1)) if name_match else None
    if phone is None and name is None:
        return Reply("请告诉我要更正成什么，例如“把手机号改成 13912345678”或“姓名改成 李四”。")
    if not service.correct_contact(service.Customer(channel, sender_id), name=name, phone=phone, now=now, url=url):
        return Reply("我们没有保存您的个人信息，不需要更正。")
    changed = "、".join(part for part, value in (("姓名", name), ("联系电话", phone)) if value)
    return Reply(f"已更正您的{changed}。" + (f"新的电话：{mask_phone(phone)}。" if phone else ""))


def delete_my_data(text: str, channel: str, sender_id: str, *, now=None, url=None) -> Reply:
    if not _CONFIRMED_REQUEST.search(normalise(text)):
        return Reply(
            "删除后，我们会清除您的姓名、电话等个人信息，投诉记录只以匿名方式保留；"
            "之后将无法再通过电话联系您反馈进展，也无法在这里查询这些投诉。确定要删除吗？",
            buttons=[{"title": "确认删除", "payload": "确认删除我的个人信息"}, {"title": "先不删除", "payload": "先不删除"}],
        )
    tickets = service.delete_personal_data(service.Customer(channel, sender_id), now=now, url=url)
    if not tickets:
        return Reply("我们没有保存您的个人信息。")
    return Reply(f"已删除您的个人信息。相关投诉（{'、'.join(tickets)}）只保留了匿名记录。")


def today_in_china(now: datetime | None = None) -> date:
    return china_date(now or utcnow())
