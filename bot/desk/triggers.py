"""When the bot must hand a conversation to a person even if nobody asked: what it must not decide itself.

Checked on every customer message, most serious first: injury or personal safety; a customer who is angry,
distressed or threatens to go to the media; amounts above the policy's limit; repeated failures to answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from bot.complaints.amounts import money_amounts
from bot.desk.policy import DeskPolicy
from bot.text import normalise

_INJURY = re.compile(
    r"烫伤|烧伤|受伤|伤到|划伤|割伤|骨折|住院|急诊|抢救|中毒|食物中毒|过敏休克|流血|起火|着火|爆炸|炸了|触电|漏电"
    r"|人身安全|人身伤害|生命危险|孩子误食|吞了"
)
_THREAT = re.compile(
    r"(?:曝光|找媒体|找记者|上新闻|上热搜|发微博|发抖音|发网上|315晚会|起诉你们|告你们|法庭上见|律师函)"
)
_ANGER = re.compile(r"垃圾|骗子|坑人|无耻|气死|太过分|忍无可忍|欺人太甚|滚|他妈|妈的|tmd|尼玛|去死|崩溃|受够了")
_EXCLAIMING = re.compile(r"[!！]{2,}|[?？]{3,}")
# Exclamation alone is not anger ("太好了！！"); with a complaint word it is.
_ANGER_HINT = re.compile(r"不退|不给|不管|没人管|推脱|踢皮球|拖着|敷衍|还不|到底|凭什么|为什么")
_DESPAIR = re.compile(r"不想活|活不下去|想死|跳楼|自杀")


@dataclass(frozen=True)
class HandoffTrigger:
    reason: str  # a key of the policy's priorities
    detail: str  # what the agent should read first


def handoff_trigger(text: str, policy: DeskPolicy, consecutive_fallbacks: int = 0) -> Optional[HandoffTrigger]:
    message = normalise(text or "")
    if _DESPAIR.search(message):
        return HandoffTrigger("injury", "客户表达了轻生或极端情绪，请立即接入")
    injury = _INJURY.search(message)
    if injury:
        return HandoffTrigger("injury", f"涉及人身安全：「{injury.group(0)}」")
    threat = _THREAT.search(message)
    if threat:
        return HandoffTrigger("distress", f"客户表示要「{threat.group(0)}」")
    if _ANGER.search(message) or (_EXCLAIMING.search(message) and _ANGER_HINT.search(message)):
        return HandoffTrigger("distress", "客户情绪激动")
    amounts = money_amounts(message)
    if amounts and max(amounts) > policy.amount_threshold_yuan:
        return HandoffTrigger("high_amount", f"涉及金额 {max(amounts):.0f} 元，超过机器人可处理的 "
                                             f"{policy.amount_threshold_yuan} 元")
    if consecutive_fallbacks >= 2:
        return HandoffTrigger("repeated_fallback", f"机器人连续 {consecutive_fallbacks} 次没能回答")
    return None
