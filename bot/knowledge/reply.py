"""How knowledge-base decisions read to the customer."""
from __future__ import annotations

import json
from typing import Dict, List, Tuple

from bot.knowledge.decision import Decision
from bot.knowledge.model import Entry

DISCLAIMER = "（以上为一般性信息，不构成法律意见；个案请以市场监管部门、消协或律师的意见为准。）"
PLATFORM_RULE = "本平台服务规则"

Button = Dict[str, str]


def answer_text(entry: Entry) -> str:
    basis = entry.citation() or PLATFORM_RULE
    return f"{entry.answer}\n\n法律依据：{basis}\n{DISCLAIMER}"


def choose_entry_payload(entry_id: str) -> str:
    return "/choose_entry" + json.dumps({"entry_id": entry_id})


def clarify_prompt(decision: Decision) -> Tuple[str, List[Button]]:
    buttons = [{"title": h.entry.question, "payload": choose_entry_payload(h.entry.id)} for h in decision.candidates]
    buttons.append({"title": "都不是，转人工客服", "payload": "/request_human"})
    return "您想问的是下面哪个问题？请点选一个，我马上为您解答：", buttons


def fallback_prompt() -> Tuple[str, List[Button]]:
    text = (
        "抱歉，我在知识库里没有找到能回答这个问题的内容。"
        "您可以换个说法再问一次（比如说明买了什么、在哪里买的、遇到了什么问题），或者转人工客服。"
    )
    return text, [{"title": "转人工客服", "payload": "/request_human"}]


EMPTY_MESSAGE_REPLY = "您好像没有输入文字，或者只发了表情/符号。请用文字描述一下遇到的问题，我来帮您看看。"
