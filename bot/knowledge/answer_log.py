"""What the bot answered from the knowledge base, per conversation: the agent who takes a case over reads which
entries retrieval found and how sure it was, and the supervisor can see which questions went unanswered.

One row per question the answering action decided on (``answer``, ``clarify`` or ``fallback``), with the top
hits and their scores; the question is stored masked (phone and ID numbers), as everything the desk shows.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional

from sqlalchemy import JSON, Column, DateTime, Integer, String, Text, select

from bot.store import Base, session_scope
from bot.store.privacy import mask_text

TOP_HITS = 3


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BotAnswer(Base):
    __tablename__ = "bot_answers"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    question = Column(Text, nullable=False)
    decision = Column(String(16), nullable=False)
    answered_entry_id = Column(String(100))
    hits = Column(JSON, nullable=False)  # [{"entry_id", "question", "score"}], best first

    def as_dict(self) -> dict:
        return {"at": self.at.isoformat() + "Z", "question": self.question, "decision": self.decision,
                "answered_entry_id": self.answered_entry_id, "hits": self.hits}


def record_answer(conversation_id: str, question: str, decision, *, url: Optional[str] = None,
                  now: Optional[datetime] = None) -> None:
    """Keep what retrieval decided for one question (``decision``: a :class:`bot.knowledge.Decision`)."""
    hits = [{"entry_id": hit.entry.id, "question": hit.entry.question, "score": round(float(hit.score), 3)}
            for hit in decision.hits[:TOP_HITS]]
    answered = decision.hits[0].entry.id if decision.kind == "answer" and decision.hits else None
    with session_scope(url) as session:
        session.add(BotAnswer(conversation_id=conversation_id, at=now or utcnow(), question=mask_text(question),
                              decision=decision.kind, answered_entry_id=answered, hits=hits))


def answers_in(conversation_id: str, *, url: Optional[str] = None) -> List[BotAnswer]:
    with session_scope(url) as session:
        return list(session.execute(
            select(BotAnswer).where(BotAnswer.conversation_id == conversation_id).order_by(BotAnswer.id)
        ).scalars())
