"""Where a consumer can take a dispute: the five paths of 消费者权益保护法 第39条, and telecom's own route."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from bot.knowledge.model import LegalBasis
from bot.remedies.facts import CaseFacts


@dataclass(frozen=True)
class DisputePath:
    name: str
    how: str
    legal_basis: Tuple[LegalBasis, ...] = ()


# Listed as in 第39条, which sets no order between them; the list also runs cheapest and fastest first.
DISPUTE_PATHS: Tuple[DisputePath, ...] = (
    DisputePath("协商和解", "直接找商家或平台客服，说清事实和您的要求，尽量留下文字记录。",
                (LegalBasis("消费者权益保护法", 39),)),
    DisputePath("消协调解", "请消费者协会或其他依法成立的调解组织出面调解，不收费。",
                (LegalBasis("消费者权益保护法", 39),)),
    DisputePath("行政投诉", "向市场监督管理部门投诉，可以打 12315 热线，或在全国 12315 平台网上提交；"
                "要写明被投诉的商家、具体要求和事实。",
                (LegalBasis("消费者权益保护法", 39), LegalBasis("市场监督管理投诉举报处理暂行办法", 9))),
    DisputePath("仲裁", "如果您和商家事先签了仲裁协议，可以向约定的仲裁机构申请仲裁。",
                (LegalBasis("消费者权益保护法", 39),)),
    DisputePath("诉讼", "向人民法院起诉；金额不大的案件可以走小额诉讼或简易程序，不少法院支持网上立案。",
                (LegalBasis("消费者权益保护法", 39),)),
)

# Telecom disputes go to the operator first, then to the telecom user appeal centre.
TELECOM_ROUTE: Tuple[DisputePath, ...] = (
    DisputePath("先向运营商投诉", "打运营商客服热线或到营业厅投诉，记下投诉时间和工单号。",
                (LegalBasis("电信条例", 39),)),
    DisputePath("向电信用户申诉受理中心申诉",
                "运营商 15 天内没有答复，或者您对处理结果不满意，可以向工业和信息化部或所在省的电信用户申诉受理"
                "中心申诉（可在其网站提交）。注意：超过 5 个月的话费争议，申诉中心不受理。",
                (LegalBasis("电信条例", 39), LegalBasis("电信用户申诉处理办法"))),
)
TELECOM_ANSWER_DAYS = 15
TELECOM_FEE_DISPUTE_MONTHS = 5


def paths_for(facts: CaseFacts) -> Tuple[DisputePath, ...]:
    """The five paths, as listed in 第39条 (which does not rank them). For telecom, the operator and then the appeal centre take the place of
    协商和解 and 行政投诉, and come first because the appeal centre only hears cases the operator has seen."""
    if facts.category == "telecom":
        _negotiate, mediate, _complain, arbitrate, sue = DISPUTE_PATHS
        return TELECOM_ROUTE + (mediate, arbitrate, sue)
    return DISPUTE_PATHS
