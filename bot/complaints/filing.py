"""A complaint an agent files for the customer: prefilled from the conversation, read by the bot form's own readers.

The agent sees each field as text they can correct. ``prefill`` turns what the bot already knows into that text;
``read`` turns the agent's text back into the form's slots through :data:`conversation.READERS`, so a value the
bot would refuse is refused here too, with a problem per field the page shows beside it.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Optional, Tuple

from bot.complaints.conversation import (
    LABELS,
    NO_ORDER_NUMBER,
    READERS,
    _from_remedy_facts,
    _volunteered,
    display,
)
from bot.store.privacy import mask_text

# Never prefilled: the console shows personal data only masked (and unmasked only through an audited reveal),
# and a masked number cannot be filed. The agent asks the customer for them in the chat.
PERSONAL = frozenset({"complaint_name", "complaint_phone"})
# Left empty, these mean the customer has none; everything else must be filled.
OPTIONAL = {"complaint_order_number": NO_ORDER_NUMBER, "complaint_evidence": ()}

_PROBLEMS = {
    "utter_invalid_complaint_business": "没能读懂「{text}」，请写商家的具体名称，如“淘宝上的XX旗舰店”“XX超市朝阳店”",
    "utter_invalid_complaint_product": "没能读懂「{text}」，请写买的是什么，如“空气净化器”“健身年卡”",
    "utter_invalid_complaint_purchase_date": "没能读懂「{text}」，请写具体日期，如“2026年10月1日”“上周三”",
    "utter_complaint_purchase_date_in_future": "「{text}」还没到，请写实际购买或接受服务的日期",
    "utter_invalid_complaint_amount": "没能读懂「{text}」，请写数字金额，如“299”；没花钱写“免费”",
    "utter_invalid_complaint_order_number": "没能读懂「{text}」，订单号一般是一串数字或字母；没有就留空",
    "utter_invalid_complaint_facts": "「{text}」太短，请写清经过（至少 8 个字）",
    "utter_invalid_complaint_demand": "没能读懂「{text}」，请写退货、退款、换货、维修、赔偿（写明金额）、道歉或其他要求",
    "utter_complaint_demand_needs_amount": "「{text}」没写赔偿多少，请写明金额或倍数，如“赔偿500元”“三倍赔偿”",
    "utter_invalid_complaint_contacted": "没能读懂「{text}」，请写“联系过”或“没有联系过”",
    "utter_invalid_complaint_evidence": "没能读懂「{text}」，请写有哪些证据，如“发票、聊天记录”；没有就留空",
    "utter_invalid_complaint_name": "没能读懂「{text}」，请写客户的姓名（2–20 个字，不含数字）",
    "utter_invalid_complaint_phone": "没能读懂「{text}」，请写 11 位手机号或座机，如 010-12345678",
}


def _customer_words(tracker: Dict[str, Any]) -> str:
    """Everything the customer typed in the conversation (button clicks are payloads, not words)."""
    said = (event.get("text") or "" for event in tracker.get("events") or [] if event.get("event") == "user")
    return "。".join(text for text in said if text and not text.startswith("/"))


def _as_text(slot: str, values: Dict[str, Any]) -> str:
    """A slot's value as the agent reads and edits it; the form's reader reads it back to the same value."""
    if slot == "complaint_business" and values.get("complaint_platform") not in (None, ""):
        platform = values["complaint_platform"]
        if platform not in values[slot]:
            return f"{platform}上的{values[slot]}"
    return display(slot, values[slot])


def prefill(tracker: Optional[Dict[str, Any]], case_detail: Optional[str], today: date) -> Dict[str, str]:
    """The complaint fields the conversation already answers, as text: the bot form's answers first, then what the
    remedies interview established, then what the customer's own messages say; the case's detail as the facts when
    nothing else tells them. ``tracker`` is None when the bot could not be asked."""
    slots = (tracker or {}).get("slots") or {}
    known = {slot: slots[slot] for slot in (*LABELS, "complaint_platform") if slots.get(slot) is not None}
    known.update({k: v for k, v in _from_remedy_facts(slots.get("remedy_facts")).items() if k not in known})
    known.update(_volunteered(_customer_words(tracker or {}), today, known))
    fields = {slot: _as_text(slot, known) for slot in LABELS if slot in known and slot not in PERSONAL}
    if "complaint_facts" not in fields and case_detail:
        fields["complaint_facts"] = mask_text(case_detail)
    return fields


def form(values: Dict[str, str]) -> List[Dict[str, Any]]:
    """The fields to fill, in the order the bot asks them, each with its label, whether it is required, its text."""
    return [{"name": slot, "label": LABELS[slot], "required": slot not in OPTIONAL, "value": values.get(slot, "")}
            for slot in LABELS]


def read(fields: Dict[str, str], today: date) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """The form's slots from the agent's text, and a problem (in Chinese, for the agent) per field that is missing
    or that the bot's form would not accept. Only when there are no problems are the slots complete."""
    slots: Dict[str, Any] = {}
    problems: Dict[str, str] = {}
    for slot, label in LABELS.items():
        text = (fields.get(slot) or "").strip()
        if not text:
            if slot in OPTIONAL:
                slots[slot] = OPTIONAL[slot]
            else:
                problems[slot] = f"{label}：请填写"
            continue
        updates, problem = READERS[slot](text, today)
        if problem:
            problems[slot] = f"{label}：" + _PROBLEMS[problem].format(text=text)
        else:
            slots.update(updates)
    return slots, problems
