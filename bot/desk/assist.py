"""Agent assist: what a reply must not say, checked before it reaches the customer.

:func:`check_reply` warns about a phone or ID number written out in full (masked ones such as 138****5678 are
fine), an amount promised above what the agent may promise on their own (their account's limit, else the
policy's ``default_amount_limit_yuan``), and a phrase the policy forbids (``forbidden_phrases``). The console
checks a draft before 发送 and shows them; the server enforces them: :class:`bot.desk.RecordAgentReply` refuses
a reply with warnings unless the agent gives a reason, and records the override in the case's history.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Sequence, Tuple

from bot.complaints.amounts import money_amounts
from bot.desk.errors import DeskError
from bot.desk.models import DeskAgent
from bot.desk.policy import DeskPolicy
from bot.desk.service import AgentRef, DeskService
from bot.store.privacy import full_numbers
from bot.text import normalise

# A phrase inside quotation marks is quoted, not said: “概不退换”这类告示无效 explains it to the customer (the
# knowledge base's answers do exactly that).
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"]*\"")
_SPACES = re.compile(r"\s+")
# An amount is promised when its sentence speaks for the desk or to the customer, or commits to a payment
# (为您退款 2500 元, 我们赔您3000块, 同意补偿1.5万元, 退款3000元3日内到账). The knowledge base's worked examples
# (花300元买的：十倍是3000元) explain the law to 你 and promise nothing.
_SENTENCES = re.compile(r"[^。！？!?；;\n]+")
_PROMISING = re.compile(r"您|我|这边|本平台|同意|安排|到账")


@dataclass(frozen=True)
class ReplyWarning:
    code: str  # full_phone_number, full_id_number, amount_over_limit, forbidden_phrase
    message: str  # for the agent; any number in it masked

    def as_dict(self) -> Dict[str, str]:
        return {"code": self.code, "message": self.message}


class ReplyNeedsReview(DeskError):
    """The reply has warnings and no reason was given to send it anyway."""

    code = "reply_warnings"

    def __init__(self, warnings: Sequence[ReplyWarning]):
        super().__init__("发送前请修改回复，或填写理由后仍然发送：" + "；".join(w.message for w in warnings))
        self.warnings = list(warnings)


def amount_limit(agent: DeskAgent, policy: DeskPolicy) -> int:
    """Yuan the agent may promise a customer without a supervisor."""
    return agent.amount_limit_yuan or policy.default_amount_limit_yuan


def _said(text: str) -> str:
    """The words of ``text`` as compared with forbidden phrases: quotations left out, simplified, no spaces."""
    return _SPACES.sub("", normalise(_QUOTED.sub("", text)))


def check_reply(text: str, agent: DeskAgent, policy: DeskPolicy) -> List[ReplyWarning]:
    warnings = []
    for kind, masked in full_numbers(text):
        if kind == "id_number":
            warnings.append(ReplyWarning(
                "full_id_number", f"回复中写了完整的身份证号（{masked}）：证件号在对话里只能写成打码形式，如 {masked}。"))
        else:
            warnings.append(ReplyWarning(
                "full_phone_number", f"回复中写了完整的电话号码（{masked}）：客户的号码在对话里只能写成打码形式，如 {masked}。"))
    limit = amount_limit(agent, policy)
    promised = {amount for sentence in _SENTENCES.findall(text) if _PROMISING.search(sentence)
                for amount in money_amounts(sentence)}
    for amount in sorted(promised):
        if amount > limit:
            warnings.append(ReplyWarning(
                "amount_over_limit",
                f"回复中的金额 {_yuan(amount)} 元超过您可自行承诺的上限 {limit} 元：请先征得主管同意再答复客户。"))
    said = _said(text)
    for phrase in policy.forbidden_phrases:
        if _said(phrase) in said:
            warnings.append(ReplyWarning(
                "forbidden_phrase",
                f"回复中有禁用语「{phrase}」：免除责任、拒绝退换或推诿的说法依法无效或违反首问负责，请换一种说法。"))
    return warnings


def _yuan(amount: Decimal) -> str:
    return format(amount.normalize(), "f")  # 15000, 299.5


class CheckReply(DeskService):
    """The warnings a draft would get, for the agent working on the case or its owner (asked before 发送)."""

    def __call__(self, handoff_id: int, by: AgentRef, text: str) -> List[ReplyWarning]:
        agent = self.agent(by)
        self.require_working_on(agent, self.case(handoff_id))
        return check_reply(text, agent, self.policy)


class CustomerQuestion(DeskService):
    """What to look answers up for on a case of the agent's: its conversation, and the customer's last message in
    its history (masked, as kept; empty before they wrote on the case)."""

    def __call__(self, handoff_id: int, by: AgentRef) -> Tuple[str, str]:
        agent = self.agent(by)
        case = self.case(handoff_id)
        self.require_working_on(agent, case)
        last = next((e.note or "" for e in reversed(case.events) if e.action == "customer_message"), "")
        return case.conversation_id, last
