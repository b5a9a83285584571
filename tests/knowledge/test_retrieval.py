"""Ranking, decisions and robustness of the hybrid retriever over the real knowledge base."""
from __future__ import annotations

import pytest

from bot.knowledge.decision import ANSWER, CLARIFY, FALLBACK, DecisionPolicy, decide
from bot.knowledge.retrieval import Hit


def test_clear_question_is_answered_by_the_right_entry(knowledge_service):
    decision = knowledge_service.ask("网上买的东西收到后不想要了，七天内能无理由退货吗")
    assert decision.kind == ANSWER
    assert decision.hits[0].entry.id == "return_7day_01"


def test_traditional_input_ranks_like_simplified(knowledge_service):
    simplified = knowledge_service.ask("网购七天无理由退货")
    traditional = knowledge_service.ask("網購七天無理由退貨")
    assert traditional.kind == ANSWER
    assert traditional.hits[0].entry.id == simplified.hits[0].entry.id == "return_7day_01"


def test_hits_are_ranked_by_fused_score_with_both_raw_scores(knowledge_service):
    hits = knowledge_service.ask("预付卡的店跑路了钱怎么要回来", k=5).hits
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].entry.topic == "prepaid_card"
    assert hits[0].dense > 0 and hits[0].bm25 > 0


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "？？！！"])
def test_empty_or_meaningless_input_falls_back(knowledge_service, text):
    assert knowledge_service.ask(text).kind == FALLBACK


def test_gibberish_falls_back(knowledge_service):
    assert knowledge_service.ask("qwzx plmk vbnr zzkj").kind == FALLBACK


def test_very_long_input_is_handled(knowledge_service):
    story = "我上个月在网上买了一件羽绒服，" * 700 + "现在想退货可以吗"
    assert len(story) > 10_000
    decision = knowledge_service.ask(story)
    assert decision.hits and decision.kind in (ANSWER, CLARIFY, FALLBACK)


def test_follow_up_is_read_with_the_previous_question(knowledge_service):
    alone = knowledge_service.ask("那如果超过七天呢？")
    in_context = knowledge_service.ask("那如果超过七天呢？", context_entry_id="return_7day_01")
    assert in_context.hits[0].entry.topic == "return_7day"
    assert in_context.hits[0].entry.id != "return_7day_01"
    assert in_context.query != alone.query


def _hit(entry, dense, bm25=0.0):
    return Hit(entry, score=dense, bm25=bm25, dense=dense)


def test_decision_thresholds(knowledge_service):
    a, b, c = knowledge_service.kb.entries[:3]
    policy = DecisionPolicy(min_dense=0.45, min_bm25=1.2, confident_dense=0.62, clear_margin=0.06)
    assert decide("q", [_hit(a, 0.80), _hit(b, 0.79)], policy).kind == ANSWER  # confident
    assert decide("q", [_hit(a, 0.55), _hit(b, 0.40)], policy).kind == ANSWER  # clear lead
    close = decide("q", [_hit(a, 0.55), _hit(b, 0.53), _hit(c, 0.52)], policy)
    assert close.kind == CLARIFY
    assert [h.entry.id for h in close.candidates] == [a.id, b.id, c.id]
    assert decide("q", [_hit(a, 0.30, bm25=0.5)], policy).kind == FALLBACK
    assert decide("q", [_hit(a, 0.30, bm25=2.0), _hit(b, 0.1)], policy).kind == ANSWER  # lexical evidence
    assert decide("q", [], policy).kind == FALLBACK


def test_decision_json_shape(knowledge_service):
    payload = knowledge_service.ask("快递丢了谁负责").as_dict()
    assert set(payload) == {"decision", "query", "answer_id", "candidates", "hits"}
    assert set(payload["hits"][0]) == {"id", "topic", "score", "bm25", "dense", "question"}


def test_topic_prior_recognises_what_a_story_is_about(knowledge_service):
    retriever = knowledge_service.retriever
    vector = retriever.dense.embed_query("健身房突然关门了老板也联系不上 我卡里还有两千多块 这可咋整")
    probabilities = retriever.topic_prior.entry_probabilities(vector)
    best = knowledge_service.kb.entries[int(probabilities.argmax())]
    assert best.topic == "prepaid_card"
    assert 0.0 < probabilities.max() <= 1.0
