"""Decisions on the reranker's probabilities: answer one fit, ask between fits of one topic, else fall back."""
from __future__ import annotations

import pytest

from bot.knowledge.decision import (
    ANSWER, CLARIFY, FALLBACK, ConfidencePolicy, decide, decision_figures, outcome, tune_thresholds,
)
from bot.knowledge.rerank import TrainingQuery
from bot.knowledge.retrieval import Hit

POLICY = ConfidencePolicy(fallback_below=0.3, answer_at=0.7, runner_up_ratio=0.6)


@pytest.fixture(scope="module")
def entries(knowledge_service):
    kb = knowledge_service.kb
    return {
        "return_a": kb.get("return_7day_01"), "return_b": kb.get("return_7day_11"),
        "return_c": kb.get("return_7day_03"), "express": kb.get("express_delivery_01"),
    }


def _hit(entry, confidence, dense=0.5):
    return Hit(entry, confidence, dense=dense, confidence=confidence)


def test_one_clear_fit_is_answered(entries):
    decision = decide("q", [_hit(entries["return_a"], 0.55), _hit(entries["return_b"], 0.2)], POLICY)
    assert decision.kind == ANSWER and decision.entry.entry.id == "return_7day_01"


def test_close_fits_of_one_topic_are_offered_best_first(entries):
    hits = [_hit(entries["return_a"], 0.5), _hit(entries["return_b"], 0.45), _hit(entries["return_c"], 0.4)]
    decision = decide("q", hits, POLICY)
    assert decision.kind == CLARIFY
    assert [h.entry.id for h in decision.candidates] == ["return_7day_01", "return_7day_11", "return_7day_03"]


def test_a_menu_never_mixes_in_an_unrelated_topic(entries):
    hits = [_hit(entries["return_a"], 0.5), _hit(entries["express"], 0.48), _hit(entries["return_b"], 0.45)]
    decision = decide("q", hits, POLICY)
    assert decision.kind == CLARIFY
    assert {h.entry.topic for h in decision.candidates} == {"return_7day"}
    only_other_topic = decide("q", [_hit(entries["return_a"], 0.5), _hit(entries["express"], 0.49)], POLICY)
    assert only_other_topic.kind == ANSWER


def test_a_stated_contrast_may_offer_two_topics(entries):
    hits = [_hit(entries["return_a"], 0.5), _hit(entries["express"], 0.48)]
    decision = decide("q", hits, POLICY, contrast=True)
    assert decision.kind == CLARIFY and len(decision.candidates) == 2


def test_a_confident_top_is_answered_despite_a_rival(entries):
    assert decide("q", [_hit(entries["return_a"], 0.8), _hit(entries["return_b"], 0.75)], POLICY).kind == ANSWER


def test_a_near_repeat_of_a_stored_wording_is_answered_on_a_modest_probability(entries):
    near = decide("q", [_hit(entries["return_a"], 0.25, dense=0.9), _hit(entries["return_b"], 0.05)], POLICY)
    assert near.kind == ANSWER
    assert decide("q", [_hit(entries["return_a"], 0.25, dense=0.6)], POLICY).kind == FALLBACK
    assert decide("q", [_hit(entries["return_a"], 0.1, dense=0.9)], POLICY).kind == FALLBACK


def test_nothing_that_fits_falls_back(entries):
    assert decide("q", [_hit(entries["return_a"], 0.2), _hit(entries["return_b"], 0.19)], POLICY).kind == FALLBACK
    assert decide("q", [], POLICY).kind == FALLBACK
    # Plain retrievers' hits carry no probability: the bot never answers on them.
    assert decide("q", [Hit(entries["return_a"], 0.9)], POLICY).kind == FALLBACK


def test_answering_an_uncovered_question_is_wrong_and_falling_back_is_right():
    assert not outcome(ANSWER, "return_7day_01", (), None).right
    assert outcome(FALLBACK, None, (), None).right
    assert not outcome(FALLBACK, None, (), "return_7day_01").right
    assert outcome(CLARIFY, None, ("a", "return_7day_01"), "return_7day_01").right


def test_decision_figures():
    golds = ["a", "b", None, None]
    outcomes = [outcome(ANSWER, "a", (), "a"), outcome(CLARIFY, None, ("x", "b"), "b"),
                outcome(FALLBACK, None, (), None), outcome(ANSWER, "c", (), None)]
    figures = decision_figures(outcomes, golds)
    assert figures["clarification rate"] == 0.25
    assert figures["direct answers right"] == 0.5
    assert figures["uncovered that fell back"] == 0.5


def test_thresholds_are_tuned_to_answer_the_sure_and_drop_the_unsure(knowledge_service):
    kb = knowledge_service.kb
    index = {e.id: i for i, e in enumerate(kb.entries)}
    a, b, express = index["return_7day_01"], index["return_7day_11"], index["express_delivery_01"]
    ranked, queries = [], []
    for _ in range(10):  # sure and right
        ranked.append([(a, 0.9), (express, 0.1)])
        queries.append(TrainingQuery("网上买的衣服能退吗", a, "return_7day"))
    for _ in range(10):  # unsure, and nothing answers them
        ranked.append([(b, 0.25), (express, 0.2)])
        queries.append(TrainingQuery("离婚了孩子归谁", None, "out_of_scope"))
    policy = ConfidencePolicy.from_thresholds(tune_thresholds(ranked, queries, knowledge_service.retriever))
    assert 0.25 < policy.fallback_below <= 0.9
