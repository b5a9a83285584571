"""Agent assist in the console: checking a draft reply before 发送, and answers to insert (参考答案).

``POST /api/cases/{id}/replies/check`` returns the warnings the reply route would refuse the draft for
(:func:`bot.desk.assist.check_reply`). ``GET /api/cases/{id}/suggestions`` returns the knowledge base's best
entries for a text — the draft, or else the customer's last message on the case — each with the answer as the
bot would say it, and the remedy assessment when the conversation holds the remedy interview's facts. Both are
for the agent working on the case or its owner.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, ContextManager, Dict, List, Optional

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from bot import knowledge
from bot.console import schemas
from bot.console.transcript import TranscriptUnavailable, remedy_assessment
from bot.desk.assist import CheckReply, CustomerQuestion
from bot.desk.policy import DeskPolicy
from bot.knowledge.reply import answer_text
from bot.store.privacy import mask_text

SUGGESTIONS = 3


@dataclass(frozen=True)
class Suggestion:
    entry_id: str
    question: str
    text: str  # what 插入 puts into the reply: the answer with its legal basis, as the bot says it
    score: float


# How the console finds entries for a text; injectable so tests need not load the embedding model.
Suggest = Callable[[str], List[Suggestion]]

_knowledge_lock = threading.Lock()


def knowledge_suggestions(text: str) -> List[Suggestion]:
    """The bot's own retrieval. Its service (an embedding model, about 1 GB) loads on the first request, in the
    worker thread that asks; one question at a time, so a second request waits for that load instead of starting
    another, and the console's two cores never run the model twice at once."""
    with _knowledge_lock:
        decision = knowledge.get_service().ask(text)
    return [Suggestion(hit.entry.id, hit.entry.question, answer_text(hit.entry), round(float(hit.score), 3))
            for hit in decision.hits[:SUGGESTIONS]]


def assist_routes(
    transaction: Callable[[], ContextManager[Session]], signed_in: Callable[..., Any], policy: DeskPolicy,
    clock: Callable[[], datetime], read_tracker: Callable[[str], Awaitable[Dict[str, Any]]], suggest: Suggest,
) -> APIRouter:
    """The routes, built inside ``create_app`` with its transaction, sign-in check, policy, clock and tracker."""
    router = APIRouter(prefix="/api")

    @router.post("/cases/{case_id}/replies/check")
    def check(case_id: int, body: schemas.ReplyDraft, caller=Depends(signed_in)):
        """What 发送 would be refused for; sending anyway needs ``override_reason``, which is recorded."""
        with transaction() as session:
            found = CheckReply(session, policy, clock)(case_id, caller.agent_id, body.text)
            return {"warnings": [warning.as_dict() for warning in found]}

    @router.get("/cases/{case_id}/suggestions")
    async def suggestions(
        case_id: int, caller=Depends(signed_in),
        text: Optional[str] = Query(None, max_length=2000, description="default: the customer's last message"),
    ):
        """The top knowledge-base entries for ``text``, and the remedy assessment when there is one (masked)."""

        def question() -> tuple:
            with transaction() as session:
                return CustomerQuestion(session, policy, clock)(case_id, caller.agent_id)

        conversation_id, last_message = await run_in_threadpool(question)
        query = mask_text((text or "").strip() or last_message)
        entries = await run_in_threadpool(suggest, query) if query else []
        try:
            slots = (await read_tracker(conversation_id)).get("slots") or {}
        except TranscriptUnavailable:
            slots = {}  # without the bot there is no assessment to offer; the entries still are
        return {"text": query, "entries": [asdict(entry) for entry in entries], "remedy": remedy_assessment(slots)}

    return router
