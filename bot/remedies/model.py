"""What a remedy rule is made of, and what assessing a case gives back."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from bot.knowledge.model import LegalBasis
from bot.remedies.facts import CaseFacts


@dataclass(frozen=True)
class Condition:
    """One thing the law requires, read from one or more facts.

    ``holds`` is only called once every fact in ``facts`` is known. When ``ask`` is False an unknown fact is
    not asked for: the law's default applies (e.g. a business that never had you confirm "不适用七日无理由退货"
    may not refuse the return) and ``default_note`` tells the customer what would change the answer.
    """
    facts: Tuple[str, ...]
    holds: Callable[[CaseFacts], bool]
    met: str
    not_met: str
    ask: bool = True
    default_note: str = ""


@dataclass(frozen=True)
class Note:
    """A remark shown when ``when`` holds for the facts: a practical tip, or where the law is not clear-cut."""
    when: Callable[[CaseFacts], bool]
    text: str


def always(_: CaseFacts) -> bool:
    return True


@dataclass(frozen=True)
class Amount:
    value: float
    arithmetic: str  # the sum as we show it: "3 × 3000 = 9000 元"
    is_maximum: bool = False  # True when the law gives a ceiling ("二倍以下"), not a fixed sum

    def to_dict(self) -> Dict[str, Any]:
        return {"value": self.value, "arithmetic": self.arithmetic, "is_maximum": self.is_maximum}


@dataclass(frozen=True)
class RemedyRule:
    id: str
    name: str
    legal_basis: Tuple[LegalBasis, ...]
    # The rule is about the customer's problem only when every trigger holds; an unknown trigger is not asked
    # about (we do not quiz a customer about injuries when they want to return a jumper).
    triggers: Tuple[Condition, ...]
    conditions: Tuple[Condition, ...]
    deadline: Callable[[CaseFacts], str]
    steps: Tuple[str, ...]
    evidence: Tuple[str, ...]
    # The sum the law gives, or None when a fact it needs is unknown; `amount_needs` are the facts to ask for.
    amount: Optional[Callable[[CaseFacts], Optional[Amount]]] = None
    amount_needs: Tuple[str, ...] = ()
    tips: Tuple[Note, ...] = ()
    uncertain: Tuple[Note, ...] = ()


@dataclass(frozen=True)
class Remedy:
    """A rule applied to one case."""
    id: str
    name: str
    legal_basis: Tuple[LegalBasis, ...]
    conditions_met: Tuple[str, ...]
    conditions_not_met: Tuple[str, ...]
    amount: Optional[Amount]
    deadline: str
    steps: Tuple[str, ...]
    evidence: Tuple[str, ...]
    tips: Tuple[str, ...]

    @property
    def citations(self) -> str:
        return cite_all(self.legal_basis)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "legal_basis": [
                {"law": b.law, "article": b.article, "paragraph": b.paragraph, "citation": b.cite()}
                for b in self.legal_basis
            ],
            "conditions_met": list(self.conditions_met),
            "conditions_not_met": list(self.conditions_not_met),
            "amount": self.amount.to_dict() if self.amount else None,
            "deadline": self.deadline,
            "steps": list(self.steps),
            "evidence": list(self.evidence),
            "tips": list(self.tips),
        }


@dataclass(frozen=True)
class Assessment:
    facts: CaseFacts
    remedies: Tuple[Remedy, ...]  # every condition met
    not_applicable: Tuple[Remedy, ...]  # about the customer's problem, but a condition is not met
    missing_facts: Tuple[str, ...]  # still needed to decide, in the order to ask
    uncertain: Tuple[str, ...] = field(default=())

    @property
    def needs_human(self) -> bool:
        """Nothing is left to ask and yet the rules give the customer nothing: a person should look at it."""
        return not self.missing_facts and not self.remedies

    def remedy(self, remedy_id: str) -> Optional[Remedy]:
        return next((r for r in self.remedies if r.id == remedy_id), None)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "facts": self.facts.to_dict(),
            "remedies": [r.to_dict() for r in self.remedies],
            "not_applicable": [r.to_dict() for r in self.not_applicable],
            "missing_facts": list(self.missing_facts),
            "uncertain": list(self.uncertain),
        }


def cite_all(bases: Tuple[LegalBasis, ...]) -> str:
    """Citations with the law named once per run: 《网络购买商品七日无理由退货暂行办法》第6条、第7条."""
    parts, previous_law = [], None
    for basis in bases:
        text = basis.cite()
        parts.append(text[len(f"《{basis.law}》"):] if basis.law == previous_law and basis.article else text)
        previous_law = basis.law
    return "、".join(parts)


def listed(items: List[str]) -> Tuple[str, ...]:
    """Items without repeats, first occurrence kept."""
    return tuple(dict.fromkeys(items))
