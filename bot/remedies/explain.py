"""Turning an Assessment into the plain-Chinese answer a customer reads."""
from __future__ import annotations

from typing import List

from bot.remedies.facts import FACT_LABELS, CaseFacts, known_facts_summary
from bot.remedies.model import Assessment, Remedy
from bot.remedies.paths import paths_for
from bot.remedies.rules import yuan
from bot.remedies.terms import Finding

_ORDINALS = "一二三四五六七八九十"

OFFER = "需要的话，我可以用刚才这些信息直接帮您填好投诉；觉得情况复杂、拿不准的，也可以转人工客服帮您看。"
DISCLAIMER = "（以上是根据您提供的信息做的初步判断，不构成法律意见；个案请以市场监管部门、消协、法院或律师的意见为准。）"
# The intents behind the buttons: `file_complaint` starts the complaint form, which prefills from the slot
# `remedy_facts`; `request_human` hands over to a person.
OFFER_BUTTONS = ({"title": "帮我投诉", "payload": "/file_complaint"},
                 {"title": "转人工客服", "payload": "/request_human"})
ASK_TO_PASTE = "请把条款或协议的原文直接发给我（可以整段粘贴），我帮您逐条看看哪些可能不公平。"


def render_assessment(assessment: Assessment) -> str:
    """The whole answer: remedies with sums and citations, what does not apply, doubts, and where to go."""
    parts: List[str] = []
    understood = known_facts_summary(assessment.facts)
    if understood:
        parts.append("我理解的情况是：" + "；".join(understood) + "。")
    if assessment.remedies:
        parts.append("根据您说的情况，您可以主张这些权利：")
        parts.extend(_remedy_block(i, remedy) for i, remedy in enumerate(assessment.remedies))
    else:
        parts.append("根据您目前说的情况，我没有找到能直接主张的法定赔偿或退货权利。")
    if assessment.not_applicable:
        lines = [f"· {r.name}：{'；'.join(r.conditions_not_met)}" for r in assessment.not_applicable]
        parts.append("这些暂时不适用：\n" + "\n".join(lines))
    if assessment.uncertain:
        parts.append("需要提醒您的是：\n" + "\n".join(f"· {note}" for note in assessment.uncertain))
    parts.append(render_paths(assessment.facts))
    if assessment.missing_facts:
        unknown = "、".join(FACT_LABELS.get(name, "遇到的问题") for name in assessment.missing_facts)
        parts.append(f"还有几项信息暂时不确定（{unknown}），所以有的权利我还没法下结论，建议转人工客服帮您确认。")
    if assessment.needs_human:
        parts.append("这种情况最好由人工客服帮您具体看看，需要的话我帮您转接。")
    else:
        parts.append(OFFER)
    parts.append(DISCLAIMER)
    return "\n\n".join(parts)


def _remedy_block(index: int, remedy: Remedy) -> str:
    lines = [f"{_ORDINALS[index]}、{remedy.name}"]
    if remedy.amount is not None:
        prefix = "最多 " if remedy.amount.is_maximum else ""
        lines.append(f"· 金额：{prefix}{yuan(remedy.amount.value)} 元（{remedy.amount.arithmetic}）")
    lines.append(f"· 依据：{remedy.citations}")
    lines.append(f"· 期限：{remedy.deadline}")
    lines.append("· 先这样做：" + " ".join(f"{n}. {step}" for n, step in enumerate(remedy.steps, start=1)))
    lines.append("· 请保留好证据：" + "、".join(remedy.evidence))
    lines.extend(f"· 小提示：{tip}" for tip in remedy.tips)
    return "\n".join(lines)


def render_paths(facts: CaseFacts) -> str:
    # 消费者权益保护法 第39条 lists the paths without an order; only telecom's appeal needs the operator first.
    if facts.category == "telecom":
        intro = "电信纠纷要先向运营商投诉，之后才能向申诉受理中心申诉；调解、仲裁（有仲裁协议时）和诉讼也可以选："
    else:
        intro = "解决纠纷有这几条路，法律没有规定先后，可以自己选，也可以同时走："
    first = "" if facts.business_contacted else "还没联系商家的话，建议先从第 1 步开始，往往最快。"
    lines = [f"{n}. {path.name}：{path.how}" for n, path in enumerate(paths_for(facts), start=1)]
    return intro + "\n" + "\n".join(lines) + (f"\n{first}" if first else "")


def render_findings(findings: List[Finding]) -> str:
    """The answer to a pasted clause or agreement."""
    if not findings:
        return ("我逐条看了您发来的内容，没有发现明显不公平的条款。不过这只是初步检查，"
                "如果商家拿某一条来拒绝您，可以把那一条单独发给我，或者转人工客服帮您看。")
    parts = [f"我看了您发来的内容，有 {len(findings)} 条可能对您不公平："]
    for n, finding in enumerate(findings, start=1):
        basis = "、".join(b.cite() for b in finding.legal_basis)
        parts.append(
            f"{n}. “{finding.quote}”\n"
            f"· 问题：{finding.title}。{finding.reason}\n"
            f"· 依据：{basis}\n"
            f"· 公平的写法应该像这样：{finding.fair_wording}"
        )
    parts.append("不公平的格式条款依法无效，商家不能拿它来拒绝您。最终是否无效，由市场监管部门或法院认定。"
                 "需要的话，我可以帮您就这些条款投诉，或者转人工客服。")
    return "\n\n".join(parts)
