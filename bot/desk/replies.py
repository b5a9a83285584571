"""What the bot tells a customer it hands to people: why, what happens next, and where they stand."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.desk.open_case import CALLBACK, WITH_OWNER, HandoffTicket
from bot.desk.policy import DeskPolicy

# Why the bot hands off, in the customer's terms.
REASONS = {
    "request": "您希望由人工客服处理",
    "injury": "涉及人身安全或伤害，需要人工客服尽快处理",
    "dispute": "您对处理结果有异议，需要人工客服复核",
    "distress": "您的问题需要人工客服认真跟进",
    "high_amount": "涉及金额较大，需要人工客服核实后处理",
    "account": "这需要查询您的订单或账户，只有人工客服能查",
    "repeated_fallback": "我没能回答好您的问题，请人工客服来帮您",
    "complaint": "您的投诉需要人工客服跟进",
}


def _local(policy: DeskPolicy, at: datetime) -> str:
    local = at.replace(tzinfo=timezone.utc).astimezone(policy.hours.zone)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def handoff_message(ticket: HandoffTicket, policy: DeskPolicy) -> str:
    why = REASONS.get(ticket.case.reason, REASONS["request"])
    if ticket.outcome == WITH_OWNER:
        return f"{why}。已为您接回{ticket.agent_name}，请直接留言，客服会在这里回复您。"
    if ticket.outcome == CALLBACK:
        opens = _local(policy, ticket.opens_at)
        due = _local(policy, ticket.callback_due)
        return (
            f"{why}。现在人工客服不在线（下次上班：{opens}），已为您登记回访，最晚 {due} 前会有客服联系您。"
            "在此之前您可以继续问我问题，我会尽量解答。"
        )
    place = ticket.place
    wait = f"，预计等待约 {max(1, round(place.estimated_wait_minutes))} 分钟" if place.estimated_wait_minutes else ""
    return (
        f"{why}，正在为您转接人工客服。您前面还有 {place.position - 1} 位{wait}。"
        "客服接入后会在这里回复您；等待期间您的留言都会转给客服。"
    )


def queue_update_message(position: int, estimated_wait_minutes: float | None) -> str:
    """Sent when the customer's place in the queue changes."""
    if position <= 1:
        return "马上就轮到您了，请稍候。"
    wait = f"，预计还需约 {max(1, round(estimated_wait_minutes))} 分钟" if estimated_wait_minutes else ""
    return f"排队更新：您前面还有 {position - 1} 位{wait}。"
