"""The remedy conversation's state, independent of Rasa: the facts gathered so far, the questions the customer
could not answer, and what to ask next.

The facts travel between turns as a plain dict (the Rasa slot ``remedy_facts``), so the complaint form can
prefill from it. A question the customer cannot answer ("不知道") is skipped, not asked again: the answer then
says what is still undecided and offers a person.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Optional, Tuple

from bot.remedies.facts import PROBLEM, CaseFacts, Question, extract_facts, parse_answer, question_for
from bot.remedies.model import Assessment
from bot.remedies.rules import assess
from bot.text import normalise


@dataclass(frozen=True)
class Interview:
    facts: Dict[str, Any]
    skipped: Tuple[str, ...] = ()

    @classmethod
    def start(cls, message: str) -> "Interview":
        """A new case from the customer's first message."""
        return cls(CaseFacts.from_dict(extract_facts(message)).to_dict())

    @classmethod
    def resume(cls, facts: Optional[Dict[str, Any]], skipped: Optional[Iterable[str]]) -> "Interview":
        """The interview as kept in slots; facts that no longer validate are dropped rather than trusted."""
        try:
            known = CaseFacts.from_dict(facts or {}).to_dict()
        except ValueError:
            known = {}
        return cls(known, tuple(skipped or ()))

    @property
    def case(self) -> CaseFacts:
        return CaseFacts.from_dict(self.facts)

    def assessment(self) -> Assessment:
        return assess(self.case)

    @property
    def knows_the_problem(self) -> bool:
        """Whether the facts say what went wrong (a return, a defect, fraud …), so remedies can be worked out."""
        return PROBLEM not in self.assessment().missing_facts

    def next_question(self) -> Optional[Question]:
        """The question for the first missing fact the customer has not declined, or None when done."""
        fact = next((f for f in self.assessment().missing_facts if f not in self.skipped), None)
        return question_for(fact) if fact else None

    def answered(self, asked: Optional[str], text: str) -> Tuple["Interview", bool]:
        """The interview after the customer's reply to the question about ``asked``, and whether the reply
        answered it. A reply that tells us nothing new ("不知道") skips the question; a reply that tells us
        something else leaves the question to be asked again."""
        found = parse_answer(asked, text) if asked else extract_facts(text)
        interview = Interview(CaseFacts.from_dict(self.facts).merged(found).to_dict(), self.skipped)
        if asked == PROBLEM:
            understood = PROBLEM not in interview.assessment().missing_facts
        else:
            understood = asked is not None and asked in found
        learned_something = any(self.facts.get(name) != value for name, value in found.items())
        if asked and not understood and not learned_something and asked not in self.skipped:
            interview = Interview(interview.facts, self.skipped + (asked,))
        return interview, understood


# The customer asks us to work out their own case ("帮我看看怎么办", "能赔多少"), rather than asking what the law
# says in general ("七天内能退吗"), which the knowledge base answers first.
_WORK_OUT_CASE = re.compile(
    r"帮我(?:看看|看一下|算算|算一下|分析|评估|判断|维权)|怎么办|怎么处理|(?:能|可以|该)?(?:赔|索赔|要|拿到)多少"
    r"|能主张|我(?:的|这个|这种)情况"
)


def asks_to_work_out_case(text: str) -> bool:
    return bool(_WORK_OUT_CASE.search(normalise(text or "")))
