"""The remedy engine: from the facts of a customer's case to the remedies the law gives.

Public surface: :class:`CaseFacts` and the fact extraction and questions (:mod:`bot.remedies.facts`),
:func:`assess` (:mod:`bot.remedies.rules`), the unfair-terms check :func:`check_terms`
(:mod:`bot.remedies.terms`), the dispute paths (:mod:`bot.remedies.paths`) and the plain-Chinese
rendering (:mod:`bot.remedies.explain`).
"""
from bot.remedies.explain import render_assessment, render_findings
from bot.remedies.facts import PROBLEM, CaseFacts, Question, extract_facts, parse_answer, question_for
from bot.remedies.model import Amount, Assessment, Remedy
from bot.remedies.paths import DISPUTE_PATHS, TELECOM_ROUTE, paths_for
from bot.remedies.rules import RULES, assess
from bot.remedies.terms import Finding, check_terms

__all__ = [
    "Amount", "Assessment", "CaseFacts", "DISPUTE_PATHS", "Finding", "PROBLEM", "Question", "RULES", "Remedy",
    "TELECOM_ROUTE", "assess", "check_terms", "extract_facts", "parse_answer", "paths_for", "question_for",
    "render_assessment", "render_findings",
]
