"""Reading a customer's question before retrieval: where the question is, what it asks, what it denies, who asks.

Real questions are stories ("手表23天坏了，去消协投诉有用吗"): the situation comes first and the question act (where
to complain, can I get compensation, can I return, how much, who pays) sits in the last clause. Retrieval that
weighs every word alike answers the situation (the watch's warranty) instead of the question (where to
complain). This module finds:

- the **focus**: the question clause (the last clause with an interrogative), with the clause before it when
  the question alone is too short to mean anything ("能退吗");
- the **acts** the focus asks for, from a small closed list that the entries' own questions are read with too;
- **negated concepts** ("没有质量问题", "不是假货"), so an entry about that concept is not served, and the words
  are dropped from the text the lexical and dense retrievers see for the focus;
- the asker's **role** where it decides the answer: the sender of a parcel (not the buyer), a phone or
  broadband subscriber, a paying member of an app.

Everything here is a rule on normalised text (``bot.text.normalise``): cheap, deterministic, and readable by the
person who has to fix a miss. The reranker (``bot.knowledge.rerank``) learns how much each signal counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Tuple

# Clause boundaries: punctuation and the spaces customers type instead of it.
_CLAUSE_SPLIT = re.compile(r"[，。！？；：,.!?;:\s~～…]+")
# A question clause: particles and question words. "吗/呢/么" at the end, or a question word anywhere.
_INTERROGATIVE = re.compile(
    r"(吗|呢|么|吧)$|怎么|怎样|咋|如何|能不能|能否|可不可以|可以.{0,8}吗|是否|有没有|有用吗|行不行|对不对|算不算|"
    r"要不要|该不该|合不合|多少|多久|多长|几天|几倍|哪里|哪儿|哪个|哪些|哪家|去哪|找谁|谁|什么|为什么|为啥|啥|"
    r"还能|能.{0,6}吗|可以.{0,6}不|[?？]"
)
# A focus clause shorter than this many characters is read with the clause before it ("能退吗" alone is empty).
MIN_FOCUS_CHARS = 7

# Question acts: what the customer wants to know. Read from the focus of a question and from every entry's
# canonical question, so "act match" compares like with like.
ACTS: Dict[str, re.Pattern] = {
    "complain_where": re.compile(r"投诉|举报|12315|12345|消协|消费者协会|市场监管|工商|去哪.{0,4}(告|说理|反映|维权)|找谁|哪个部门|"
                                 r"维权|起诉|法院|仲裁|告他|告商家|曝光|申诉|调解"),
    "compensation": re.compile(r"赔|补偿|退一赔三|三倍|十倍|惩罚性|损失"),
    "return_refund": re.compile(r"退货|退掉|退回|退款|退钱|退费|能退|可以退|退吗|退不退|不让退|拒绝退|退余额|退卡|无理由"),
    "exchange_repair": re.compile(r"换货|换新|换一|更换|维修|修理|返修|保修|三包|修好|修不好|重做"),
    "who_pays": re.compile(r"谁(出|承担|负责|付|来赔|赔|担)|由谁|费用.{0,4}谁|运费|邮费|手续费|检测费"),
    "time_limit": re.compile(r"多久|多长时间|几天|期限|时效|过了.{0,6}天|超过.{0,6}(天|月|年)|什么时候|有效期|从哪天|开始算"),
    "legality": re.compile(r"合法|合理|有效|违法|算不算|霸王|合规|对吗|正常吗|可以这样|能这样|有没有道理|规定"),
    "cancel": re.compile(r"取消|关闭|关掉|注销|退订|解约|解除|不想续|停掉"),
    "procedure": re.compile(r"怎么申请|流程|步骤|材料|证据|怎么查|进度|单号|补充|撤回|撤销|需要.{0,4}(什么|哪些)"),
    "human": re.compile(r"人工|真人|客服电话|转接"),
}

# Concepts a customer may deny, with the words that assert them. A denied concept must not pull entries that
# are about it: "没有质量问题，就是不想要了" is a no-reason return, not a defect.
CONCEPTS: Dict[str, re.Pattern] = {
    "defect": re.compile(r"质量问题|质量|坏了|坏的|故障|瑕疵|毛病|破损|损坏|不合格|次品"),
    "counterfeit": re.compile(r"假货|假的|冒牌|山寨|仿冒|盗版|假冒|高仿"),
    "fraud": re.compile(r"欺诈|骗|虚假"),
    "expired": re.compile(r"过期|变质|霉变"),
    "lost_parcel": re.compile(r"丢了|丢件|丢失|弄丢"),
    "auto_renewal": re.compile(r"自动续费|自动扣"),
}
_NEGATION = re.compile(r"(没有|没|不是|并不是|并非|也不是|不存在|无任何|不算|不属于|非)([^，。！？；,.!?;\s]{1,8})")

# Roles that change the answer. Buyer-side entries say "the seller bears the transit risk"; a sender deals
# with the courier directly under its own contract.
ROLES: Dict[str, re.Pattern] = {
    "sender": re.compile(r"我寄|寄件|寄出|我发的快递|寄给|寄了|给.{0,6}寄|寄快递|寄的|发件人|寄东西|寄行李|寄包裹|保价"),
    "buyer": re.compile(r"买|下单|网购|购买|卖家|商家发|收货|店家|商品"),
    "telecom_subscriber": re.compile(r"运营商|移动|联通|电信|话费|宽带|流量|套餐|手机号|号码|携号转网|营业厅|停机"),
    "member": re.compile(r"会员|vip|VIP|订阅|自动续费|app|APP|App|视频网站|平台账号"),
    # Where it was bought decides whether the no-reason return applies at all.
    "online_buyer": re.compile(r"网上|网购|网店|淘宝|天猫|京东|拼多多|抖音|直播间|电商|下单|线上"),
    "store_buyer": re.compile(r"实体店|商场|门店|专柜|店里买|超市|线下"),
}
# A stated contrast between two things ("是退货还是换货"): a menu may then hold entries of different topics.
_CONTRAST = re.compile(r"还是|或者|或是|区别|不同|哪个好|选哪")


@dataclass(frozen=True)
class Reading:
    """What the reader found in one (normalised) question."""

    text: str
    clauses: Tuple[str, ...]
    focus: str
    situation: str
    acts: FrozenSet[str]
    negated: FrozenSet[str]
    roles: FrozenSet[str]
    contrast: bool = False
    # The text without the denied phrases: what lexical and dense matching see for the focus.
    focus_matching_text: str = field(default="")


def split_clauses(text: str) -> List[str]:
    return [c for c in _CLAUSE_SPLIT.split(text) if c]


def find_focus(clauses: List[str]) -> Tuple[int, int]:
    """The [start, end) clause span of the question: the last interrogative clause, widened while too short."""
    if not clauses:
        return 0, 0
    end = next((i + 1 for i in range(len(clauses) - 1, -1, -1) if _INTERROGATIVE.search(clauses[i])), len(clauses))
    start = end - 1
    while start > 0 and sum(len(c) for c in clauses[start:end]) < MIN_FOCUS_CHARS:
        start -= 1
    return start, end


def acts_of(text: str) -> FrozenSet[str]:
    return frozenset(name for name, pattern in ACTS.items() if pattern.search(text))


def concepts_of(text: str) -> FrozenSet[str]:
    """Concepts the text asserts (denied mentions do not count)."""
    return frozenset(name for name, pattern in CONCEPTS.items() if pattern.search(_without_negations(text)))


def negated_concepts(text: str) -> FrozenSet[str]:
    denied = set()
    for match in _NEGATION.finditer(text):
        phrase = match.group(2)
        denied.update(name for name, pattern in CONCEPTS.items() if pattern.match(phrase) or pattern.search(phrase[:4]))
    return frozenset(denied)


def roles_of(text: str) -> FrozenSet[str]:
    roles = {name for name, pattern in ROLES.items() if pattern.search(text)}
    # A sender who also "bought" what was sent is still the sender of the parcel.
    if "sender" in roles:
        roles.discard("buyer")
    return frozenset(roles)


def _without_negations(text: str) -> str:
    return _NEGATION.sub(lambda m: "" if negated_concepts(m.group(0)) else m.group(0), text)


def read(text: str) -> Reading:
    clauses = split_clauses(text)
    start, end = find_focus(clauses)
    focus = "，".join(clauses[start:end]) or text
    situation = "，".join(clauses[:start] + clauses[end:])
    return Reading(
        text=text,
        clauses=tuple(clauses),
        focus=focus,
        situation=situation,
        acts=acts_of(focus),
        negated=negated_concepts(text),
        roles=roles_of(text),
        contrast=bool(_CONTRAST.search(focus)),
        focus_matching_text=_without_negations(focus) or focus,
    )
