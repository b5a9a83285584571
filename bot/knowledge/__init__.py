"""The FAQ knowledge base and its hybrid retrieval.

Public surface: the entries (:func:`load_knowledge_base`), the process-wide service that answers questions
in context (:func:`get_service`, see :mod:`bot.knowledge.service`), and the decision kinds the bot acts on.
"""
from bot.knowledge.decision import ANSWER, CLARIFY, FALLBACK, Decision
from bot.knowledge.model import Entry, KnowledgeBase, LegalBasis, load_knowledge_base


def get_service():
    """The loaded :class:`~bot.knowledge.service.KnowledgeService` (imports the embedding stack on first use)."""
    from bot.knowledge.service import get_service as _get_service

    return _get_service()


__all__ = [
    "ANSWER", "CLARIFY", "FALLBACK", "Decision", "Entry", "KnowledgeBase", "LegalBasis",
    "get_service", "load_knowledge_base",
]
