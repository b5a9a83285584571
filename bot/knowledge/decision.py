"""What the bot does with a ranked list of hits: answer, ask which one was meant, or admit it does not know."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional

from bot.knowledge.retrieval import Hit

ANSWER = "answer"
CLARIFY = "clarify"
FALLBACK = "fallback"


@dataclass(frozen=True)
class DecisionPolicy:
    """Thresholds on the top hit's raw scores, tuned on the dev set (see README, "Quality benchmark").

    The fused RRF score only orders hits; whether anything fits is judged on the evidence behind it: the dense
    cosine similarity to the closest stored wording, and the length-normalised BM25 score.
    """

    # Below this cosine similarity (question to closest stored wording) nothing in the knowledge base is about
    # the question, unless the words overlap strongly (min_bm25, length-normalised BM25 of the best wording).
    min_dense: float = 0.42
    min_bm25: float = 2.5
    # Confident enough to answer without asking when the top similarity is at least this high ...
    confident_dense: float = 0.65
    # ... or when the runner-up trails by at least this much.
    clear_margin: float = 0.05
    max_candidates: int = 3


@dataclass(frozen=True)
class Decision:
    kind: str
    query: str
    hits: List[Hit]
    candidates: List[Hit] = field(default_factory=list)

    @property
    def entry(self) -> Optional[Hit]:
        return self.hits[0] if self.kind == ANSWER else None

    def as_dict(self) -> dict:
        return {
            "decision": self.kind,
            "query": self.query,
            "answer_id": self.hits[0].entry.id if self.kind == ANSWER else None,
            "candidates": [h.entry.id for h in self.candidates],
            "hits": [h.as_dict() for h in self.hits],
        }


def decide(query: str, hits: List[Hit], policy: DecisionPolicy = DecisionPolicy()) -> Decision:
    if not hits:
        return Decision(FALLBACK, query, hits)
    top = hits[0]
    if top.dense < policy.min_dense and top.bm25 < policy.min_bm25:
        return Decision(FALLBACK, query, hits)
    # A runner-up whose closest wording is nearly as similar (or more) means the ranking alone cannot tell.
    close = [h for h in hits[1:] if top.dense - h.dense < policy.clear_margin]
    confident = top.dense >= policy.confident_dense and all(h.dense <= top.dense for h in close)
    if close and not confident:
        return Decision(CLARIFY, query, hits, [top, *close][: policy.max_candidates])
    return Decision(ANSWER, query, hits)


# A short message that leans on what was said before: "那如果超过七天呢？", "要是没有发票呢".
_FOLLOW_UP = re.compile(r"^(那|那么|那要是|那如果|如果|要是|假如|还有|另外|可是|但是|但如果)")
FOLLOW_UP_MAX_CHARS = 20


def is_follow_up(text: str) -> bool:
    return len(text) <= FOLLOW_UP_MAX_CHARS and bool(_FOLLOW_UP.match(text))
