"""Spotting likely unfair standard terms (格式条款) in a clause or a whole agreement.

Each kind of unfair clause is one readable rule: the words that make a clause suspect, the words that show it
is the fair version after all (a deposit clause that also says the shop pays double when it backs out), the
reason in plain Chinese, the legal basis and what a fair wording looks like. This is a first check, not a
ruling: whether a clause is void is decided by a regulator or court (消费者权益保护法 第26条, 民法典 第497条).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

import cn2an
import yaml

from bot.knowledge.model import LegalBasis
from bot.paths import KNOWLEDGE_DIR
from bot.text import normalise

CLAUSES_FILE = KNOWLEDGE_DIR / "remedies" / "clauses.yml"
# Written after the patterns; its two misses were later used to widen two patterns (before the real set was labelled),
# so it is no longer an unseen set.
HOLDOUT_FILE = KNOWLEDGE_DIR / "remedies" / "clauses_holdout.yml"
# Clauses quoted from real published agreements and notices (source per clause), labelled after the rules were
# fixed and never used to change them.
REAL_FILE = KNOWLEDGE_DIR / "remedies" / "clauses_real.yml"

_CPL_26 = LegalBasis("消费者权益保护法", 26)
_CIVIL_497 = LegalBasis("民法典", 497)
_PENALTY_RULES = "侵害消费者权益行为处罚办法"


Span = Tuple[int, int]


@dataclass(frozen=True)
class UnfairTermRule:
    kind: str
    title: str
    reason: str
    legal_basis: Tuple[LegalBasis, ...]
    fair_wording: str
    suspect: Tuple[str, ...]  # regular expressions; any one makes the clause suspect
    fair_if: Tuple[str, ...] = ()  # regular expressions; any one shows the clause is the fair version
    # For rules that need arithmetic (a daily rate of 5%), a function giving the suspect span, instead of, or on
    # top of, `suspect`.
    check: Optional[Callable[[str], Optional[Span]]] = None

    def spans(self, clause: str) -> List[Span]:
        """Where in the clause this kind of unfair term is, in order; empty when absent or the fair version."""
        if any(re.search(p, clause) for p in self.fair_if):
            return []
        found = [m.span() for p in self.suspect for m in re.finditer(p, clause)]
        if self.check is not None:
            span = self.check(clause)
            if span is not None:
                found.append(span)
        return sorted(found)

    def matches(self, clause: str) -> bool:
        return bool(self.spans(clause))


@dataclass(frozen=True)
class Finding:
    clause: str  # the sentence or numbered item the term is in
    quote: str  # the part of that clause holding the term (between commas, unless the term runs across them)
    span: Span  # where the quote is in `clause`
    kind: str
    title: str
    reason: str
    legal_basis: Tuple[LegalBasis, ...]
    fair_wording: str

    def to_dict(self) -> Dict[str, object]:
        return {
            "clause": self.clause,
            "quote": self.quote,
            "span": list(self.span),
            "kind": self.kind,
            "title": self.title,
            "reason": self.reason,
            "legal_basis": [basis.cite() for basis in self.legal_basis],
            "fair_wording": self.fair_wording,
        }


_NUMBER = r"(\d+(?:\.\d+)?)"


def _excessive_penalty(clause: str) -> Optional[Span]:
    """A late fee or penalty far above any loss the business could suffer: from the fee's name to its rate.

    Our yardsticks, not the law's words: a daily rate of 1% or more (over 365% a year; even telecom operators
    may only charge 3‰ a day under 电信条例 第34条), a penalty of 30% or more of the whole price, or a
    multiple of the price or rent.
    """
    fee = re.search(r"违约金|滞纳金|罚金|罚款", clause)
    if not fee:
        return None
    rate = None
    daily = re.search(rf"每[日天].{{0,12}}?{_NUMBER}\s*[%％]", clause)
    per_mille = re.search(r"每[日天].{0,12}?千分之([一二三四五六七八九十百\d]+)", clause)
    share = re.search(rf"(?:总价|总额|全部|合同金额|价款|费用|学费).{{0,6}}?{_NUMBER}\s*[%％]", clause)
    if daily and float(daily.group(1)) >= 1:
        rate = daily
    elif per_mille and _chinese_int(per_mille.group(1)) >= 10:
        rate = per_mille
    elif share and float(share.group(1)) >= 30:
        rate = share
    else:
        rate = re.search(r"[两二三四五六七八九十\d]+\s*倍的?(?:违约金|滞纳金|罚金)", clause)
    if rate is None:
        return None
    return min(fee.start(), rate.start()), max(fee.end(), rate.end())


def _chinese_int(text: str) -> int:
    return int(text) if text.isdigit() else int(cn2an.cn2an(text, "smart"))


# Money paid in advance: a deposit, or fees already paid for a service not yet (fully) received.
_PREPAID = r"(?:定金|订金|预付款|押金|(?:已|所)(?:付|交|缴|支付)的?(?:费用|款项|款|学费|会费))"

# Ordered from the most specific kind to the most general: where two kinds match the same words (定金概不退还 is
# both deposit_forfeit and no_return), the words are reported once, under the first kind.
RULES: Tuple[UnfairTermRule, ...] = (
    UnfairTermRule(
        kind="final_interpretation",
        title="商家单方享有“最终解释权”",
        reason="条款的意思应当按通常理解来解释，有争议时还要作不利于拟定条款一方的解释；"
               "商家自己说了算的“最终解释权”排除了您的权利，属于不公平的格式条款。",
        legal_basis=(_CPL_26, LegalBasis(_PENALTY_RULES, 12), LegalBasis("民法典", 498)),
        fair_wording="对活动规则有疑问可以咨询客服；理解有争议的，按通常理解解释，有两种以上解释的，作有利于消费者的解释。",
        suspect=(r"(最终)?解释权.{0,6}(归|属于|由).{0,12}(所有|享有|公司|本店|商家|平台|我方|本商场|甲方)",
                 r"(保留|享有).{0,6}(最终)?解释权", r"最终解释权"),
        fair_if=(r"不(享有|保留).{0,4}解释权", r"通常理解"),
    ),
    UnfairTermRule(
        kind="deposit_forfeit",
        title="定金、订金一律不退",
        reason="不管是谁的原因都不退定金，等于让您一个人承担违约后果：如果是商家违约，商家应当双倍返还定金；"
               "“订金”“预付款”本身就是预付的价款，原则上应当退还。",
        legal_basis=(_CPL_26, _CIVIL_497),
        fair_wording="因消费者原因不履行的，定金不退；因商家原因不履行的，商家双倍返还定金；双方都没有过错的，定金全额退还。",
        suspect=(rf"{_PREPAID}.{{0,20}}(概不|一律不|均不|不予|不|恕不)(退|返)",
                 rf"(概不|一律不|均不|不予|恕不)(退|返)[^,，;；。]{{0,4}}{_PREPAID}"),
        fair_if=(r"双倍", r"(本店|商家|本公司|我方|乙方)原因"),
    ),
    UnfairTermRule(
        kind="auto_renewal_silent",
        title="自动续费不提醒",
        reason="自动续费前，商家必须用显著方式提醒您；约定“到期自动扣费、不再通知”，违反了法规的提示义务，"
               "也加重了您的负担。",
        legal_basis=(LegalBasis("消费者权益保护法实施条例", 10, 2), _CPL_26),
        fair_wording="开通前和每次扣费前几天，用短信或弹窗等醒目方式提醒您续费时间和金额，您可以随时一键取消。",
        suspect=(r"自动(续费|续订|续期|扣费|扣款|展期).{0,30}(不再|无需|不另行|不会|不|也不).{0,6}(通知|提醒|告知|确认)",
                 r"默认.{0,6}(同意|开通).{0,6}自动(续费|续订|扣费)"),
        fair_if=(r"提前.{0,8}(天|日).{0,12}(提醒|通知)", r"(前|之前)\s*\d+\s*[天日].{0,12}(提醒|通知)"),
    ),
    UnfairTermRule(
        kind="unilateral_change",
        title="商家可单方变更合同、不通知您",
        reason="商家单方面随意变更服务内容、价格或合同条款，而且不通知您，限制了您依法变更或解除合同的权利，"
               "属于不公平的格式条款。",
        legal_basis=(_CPL_26, LegalBasis(_PENALTY_RULES, 12), LegalBasis("消费者权益保护法实施条例", 17)),
        fair_wording="商家调整服务内容或收费的，应当提前（比如 30 天）以显著方式通知您；您不同意的，可以解除合同并退还未消费的费用。",
        suspect=(r"(有权|可以|可|将|保留)(随时|单方面|单方|根据.{0,8}需要)?(随时|单方面|单方)?.{0,4}(变更|修改|调整|更改|终止).{0,30}"
                 r"(无需|不需|不另行|无须|不再|恕不).{0,6}(通知|告知|公告)",
                 r"(单方面?|随时).{0,4}(变更|修改|调整).{0,20}(一经公布即生效)"),
        fair_if=(r"提前.{0,10}(通知|公告|告知|公示)", r"经.{0,6}同意"),
    ),
    UnfairTermRule(
        kind="injury_exclusion",
        title="免除造成人身伤害的责任",
        reason="造成消费者人身伤害的，经营者依法要承担赔偿责任；用格式条款事先免除这种责任是无效的。",
        legal_basis=(_CPL_26, _CIVIL_497, LegalBasis("消费者权益保护法", 49)),
        fair_wording="因本店设施、服务或商品的原因造成您人身伤害的，本店依法承担赔偿责任；请您遵守安全提示。",
        suspect=(r"(人身伤害|受伤|伤亡|意外|人身安全|人身损害|滑倒|摔伤).{0,20}(概不负责|不承担|不负|免责|自负|自行承担|与本.{0,3}无关)",
                 r"(概不负责|不承担任何责任).{0,10}(人身|受伤|伤亡|意外)"),
        fair_if=(r"依法承担", r"(本店|本馆|我方|商家).{0,8}原因.{0,12}(承担|负责|赔偿)"),
    ),
    UnfairTermRule(
        kind="excessive_late_fee",
        title="违约金、滞纳金过高",
        reason="违约金和滞纳金应当和可能的实际损失相当；定得明显过高，是用格式条款加重您的责任。",
        legal_basis=(_CPL_26, _CIVIL_497),
        fair_wording="逾期付款的，按逾期金额每日万分之五左右计算违约金；提前解约的，只赔偿商家因此产生的合理损失，未消费的费用按比例退还。",
        suspect=(),
        check=_excessive_penalty,
    ),
    UnfairTermRule(
        kind="rights_waiver",
        title="限制您投诉、起诉",
        reason="投诉、举报和起诉是法律给您的权利，商家不能用格式条款排除或限制。",
        legal_basis=(_CPL_26, LegalBasis(_PENALTY_RULES, 12), LegalBasis("消费者权益保护法实施条例", 17)),
        fair_wording="双方有争议的，可以协商，也可以向消费者协会申请调解、向有关部门投诉或者向法院起诉。",
        suspect=(r"不得.{0,16}(投诉|举报|曝光|起诉|诉讼)", r"放弃.{0,8}(起诉|诉讼|投诉|索赔).{0,4}(权利|权)?",
                 r"(只能|仅能|必须).{0,6}(在|由)本(公司|店).{0,6}(处理|解决)"),
    ),
    UnfairTermRule(
        kind="no_return",
        title="“概不退换”",
        reason="商品有质量问题的，您依法可以退货、更换或修理；网购商品一般还有七天无理由退货。"
               "“售出概不退换”把这些权利一概排除了，这样的告示无效。",
        legal_basis=(_CPL_26, LegalBasis("消费者权益保护法", 24), LegalBasis(_PENALTY_RULES, 12)),
        fair_wording="商品有质量问题的，按国家规定退货、更换或修理；网购商品（定制、鲜活等法定除外商品外）签收后七天内可以无理由退货。",
        suspect=(r"概不退换", r"(一律|均|概)不(退|换)", r"不退不换", r"恕不退换", r"售出.{0,6}不(予)?(退|换)",
                 r"不(接受|受理|予).{0,4}(任何)?退(货|换|款)"),
        fair_if=(r"质量问题的?(除外|仍|可以|按)", r"依照国家规定"),
    ),
    UnfairTermRule(
        kind="liability_exclusion",
        title="免除商家对商品、服务应负的责任",
        reason="商品或服务出了问题，商家依法要承担修理、更换、退货或赔偿损失的责任；用格式条款一概免除，属于无效条款。",
        legal_basis=(_CPL_26, LegalBasis(_PENALTY_RULES, 12), _CIVIL_497),
        fair_wording="商品或服务不符合约定和国家标准的，商家负责修理、更换、退货；造成损失的，依法赔偿。",
        suspect=(r"(质量问题|损坏|丢失|遗失|损失).{0,12}(概不负责|不承担.{0,4}责任|不负责|不予赔偿)",
                 r"一切后果.{0,4}(自负|自行承担)", r"概不负责"),
        fair_if=(r"依法(承担|赔偿)",),
    ),
)

_ITEM = r"(?:第[一二三四五六七八九十百\d]+条|\d+[.、．]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])"
# A semicolon ends a clause only before a numbered item: inside one item it joins parts that belong together
# (“因顾客原因……定金不退；因本店原因……双倍返还” is one fair clause).
_SPLIT = re.compile(rf"(?<=[。！!？?\n])|(?=(?:^|\s){_ITEM})|(?<=[；;])(?={_ITEM})")


def split_clauses(text: str) -> List[str]:
    """A whole agreement cut into clauses: at sentence ends and before numbered items (第三条 / 3. / 三、)."""
    pieces = (piece.strip() for piece in _SPLIT.split(normalise_keep_lines(text)))
    return [piece for piece in pieces if re.search(r"[\u4e00-\u9fff]", piece)]


def normalise_keep_lines(text: str) -> str:
    """Normalised text that keeps line breaks, because agreements put one clause on each line."""
    return "\n".join(normalise(line) for line in text.splitlines())


# "帮我看看这个条款：……" / "合同里写着……，合理吗？": the request around the pasted text is not a clause.
_REQUEST_PREFIX = re.compile(r"^[^：:]{0,30}?(条款|合同|协议|告示|规定|规则|写着|写的|写了|说)[^：:]{0,10}[：:]\s*")
_REQUEST_LEAD = re.compile(r"^(合同|协议|条款|店里|商家|门口|墙上|收据|小票)[^，,。：:]{0,8}(写着|写的是|写了|规定|贴着|说)[，,]?\s*")
_REQUEST_SUFFIX = re.compile(r"[，,。\s]*(这(个|条|样)?(条款|规定)?)?(合理|合法|有效|公平|对|正常)(吗|不)[？?。!！]*$")


def pasted_text(message: str) -> str:
    """The clause or agreement a customer pasted, without the request around it; empty if none was pasted."""
    text = _REQUEST_PREFIX.sub("", message.strip(), count=1)
    text = _REQUEST_SUFFIX.sub("", _REQUEST_LEAD.sub("", text, count=1))
    text = re.sub(r"^(帮我|请|麻烦)?(帮我)?(看看|看一下|检查一下|查一下)?(这个|这份|这些)?(条款|合同|协议)?[，,：:\s]*$", "", text)
    return text.strip(" “”\"'")


_PIECE_END = ",，;；:：。！!？?\n"


def _quote_span(clause: str, span: Span) -> Span:
    """The span widened to the comma-delimited piece(s) of the clause it lies in, without edge spaces."""
    start, end = span
    while start > 0 and clause[start - 1] not in _PIECE_END:
        start -= 1
    while end < len(clause) and clause[end] not in _PIECE_END:
        end += 1
    while start < end and clause[start].isspace():
        start += 1
    while end > start and clause[end - 1].isspace():
        end -= 1
    return start, end


def _overlaps(span: Span, others: List[Span]) -> bool:
    return any(span[0] < other[1] and other[0] < span[1] for other in others)


def findings_in_clause(clause: str) -> List[Finding]:
    """Every distinct unfair term in one clause, in the order they appear; each stretch of words reported once."""
    clause = normalise(clause)
    claimed: List[Span] = []
    found = []  # (where the term starts, finding)
    for rule in RULES:
        spans = [span for span in rule.spans(clause) if not _overlaps(span, claimed)]
        if not spans:
            continue
        claimed.extend(spans)
        start, end = _quote_span(clause, spans[0])
        found.append((spans[0][0], Finding(clause, clause[start:end], (start, end), rule.kind, rule.title,
                                           rule.reason, rule.legal_basis, rule.fair_wording)))
    return [finding for _, finding in sorted(found, key=lambda item: item[0])]


def check_terms(text: str) -> List[Finding]:
    """One finding per likely unfair term in a clause or a whole agreement; an empty list when none."""
    return [finding for clause in split_clauses(text) for finding in findings_in_clause(clause)]


@dataclass(frozen=True)
class LabelledClause:
    text: str
    kinds: FrozenSet[str]  # the kinds of unfair term it holds; empty for a fair clause
    source: Optional[str] = None  # where a clause from a real agreement was published


FAIR = "fair"
# An unfair term of a kind no rule covers (a waiver of the right to argue a term was never explained, no
# invoice): labelled so that recall counts what the check cannot find, never reported by it.
OTHER = "other"


def load_labelled_clauses(path: Path = CLAUSES_FILE) -> List[LabelledClause]:
    """Clauses labelled `kind: <kind>` (or `fair`), or `kinds: [<kind>, ...]` when one holds several terms."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    known_kinds = {rule.kind for rule in RULES} | {OTHER}
    clauses = []
    for number, item in enumerate(raw["clauses"], start=1):
        labels = item.get("kinds", [item.get("kind")])
        if not isinstance(labels, list) or not labels:
            raise ValueError(f"{path}: clause {number}: `kinds` must be a non-empty list")
        if labels != [FAIR]:
            unknown = [label for label in labels if label not in known_kinds]
            if unknown:
                raise ValueError(f"{path}: clause {number} has unknown kind {unknown[0]!r}")
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            raise ValueError(f"{path}: clause {number} has no text")
        kinds = frozenset(label for label in labels if label != FAIR)
        clauses.append(LabelledClause(item["text"], kinds, item.get("source")))
    return clauses


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class KindScore:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)


@dataclass(frozen=True)
class Evaluation:
    """Scores per term: a clause labelled with two kinds counts two terms, and a term reported under the wrong
    kind counts as one false positive and one miss. Also per clause: was an unfair clause flagged at all."""
    per_kind: Dict[str, KindScore]
    clauses_flagged_unfair: int  # unfair clauses with at least one finding
    clauses_flagged_fair: int  # fair clauses with a finding
    clauses_missed: int  # unfair clauses with no finding
    clauses_clean: int  # fair clauses with no finding
    mistakes: Tuple[str, ...]

    @property
    def overall(self) -> KindScore:
        scores = self.per_kind.values()
        return KindScore(sum(s.true_positives for s in scores), sum(s.false_positives for s in scores),
                         sum(s.false_negatives for s in scores))

    @property
    def precision(self) -> float:
        return self.overall.precision

    @property
    def recall(self) -> float:
        return self.overall.recall

    @property
    def clause_precision(self) -> float:
        return _ratio(self.clauses_flagged_unfair, self.clauses_flagged_unfair + self.clauses_flagged_fair)

    @property
    def clause_recall(self) -> float:
        return _ratio(self.clauses_flagged_unfair, self.clauses_flagged_unfair + self.clauses_missed)


def evaluate(clauses: List[LabelledClause]) -> Evaluation:
    """Precision and recall of the check over labelled clauses, per kind of term and overall."""
    counts = {kind: [0, 0, 0] for kind in [rule.kind for rule in RULES] + [OTHER]}
    flagged_unfair = flagged_fair = missed = clean = 0
    mistakes = []
    for clause in clauses:
        found = {finding.kind for finding in check_terms(clause.text)}
        for kind in found & clause.kinds:
            counts[kind][0] += 1
        for kind in sorted(found - clause.kinds):
            counts[kind][1] += 1
            mistakes.append(f"false positive {kind}: {clause.text}")
        for kind in sorted(clause.kinds - found):
            counts[kind][2] += 1
            mistakes.append(f"missed {kind}: {clause.text}")
        if clause.kinds:
            flagged_unfair += bool(found)
            missed += not found
        else:
            flagged_fair += bool(found)
            clean += not found
    per_kind = {kind: KindScore(*numbers) for kind, numbers in counts.items()}
    return Evaluation(per_kind, flagged_unfair, flagged_fair, missed, clean, tuple(mistakes))
