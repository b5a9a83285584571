"""The benchmark's question loader and scoring, on small files."""
from __future__ import annotations

import json

import pytest

from bot.knowledge.bench import (
    REAL_SETS, BenchInputError, Prediction, SetResult, calibration_markdown, load_prototypes, load_questions, score,
    targets,
)
from bot.knowledge.decision import ANSWER, CLARIFY, FALLBACK


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_loader_accepts_out_of_scope_and_null_entries(tmp_path, knowledge_service):
    path = _write(tmp_path / "real.jsonl", [
        {"text": "七天能退吗", "topic": "return_7day", "entry_id": "return_7day_01", "source": "x", "licence": "y"},
        {"text": "我的订单什么时候发货", "topic": "human_agent", "entry_id": None, "source": "x", "licence": "y"},
        {"text": "离婚了孩子归谁", "topic": "out_of_scope", "entry_id": None, "source": "x", "licence": "y"},
        {"text": "快递丢了谁赔", "entry_id": "express_delivery_01"},
        {"text": "健身房跑路了", "topic": "prepaid_card"},
    ])
    questions = load_questions([path], knowledge_service.kb)
    assert [q.uncovered for q in questions] == [False, True, True, False, False]
    assert questions[2].topic == "out_of_scope"
    assert questions[3].topic == "express_delivery"  # from the entry
    assert not questions[4].entry_labelled


@pytest.mark.parametrize("row, message", [
    ({"text": "x", "topic": "no_such_topic", "entry_id": None}, "unknown topic"),
    ({"text": "x", "topic": "return_7day", "entry_id": "no_such_entry"}, "unknown entry_id"),
    ({"text": "x", "topic": "telecom", "entry_id": "return_7day_01"}, "is not in topic"),
    ({"text": "  ", "topic": "telecom"}, "non-empty"),
    ("{not json", "not JSON"),
])
def test_loader_names_the_bad_line(tmp_path, knowledge_service, row, message):
    path = _write(tmp_path / "bad.jsonl", [{"text": "七天能退吗", "entry_id": "return_7day_01"}, row])
    with pytest.raises(BenchInputError, match=message) as error:
        load_questions([path], knowledge_service.kb)
    assert f"{path}:2" in str(error.value)


def test_scoring_of_rankings_topics_and_decisions(tmp_path, knowledge_service):
    path = _write(tmp_path / "real.jsonl", [
        {"text": "a", "topic": "return_7day", "entry_id": "return_7day_01"},
        {"text": "b", "topic": "return_7day", "entry_id": "return_7day_02"},
        {"text": "c", "topic": "out_of_scope", "entry_id": None},
        {"text": "d", "topic": "human_agent", "entry_id": None},
    ])
    questions = load_questions([path], knowledge_service.kb)
    canned = {
        "a": Prediction(["return_7day_01", "return_7day_02"], "return_7day", ANSWER),
        "b": Prediction(["return_7day_01", "return_7day_02"], "return_7day", CLARIFY, ("return_7day_01", "return_7day_02")),
        "c": Prediction(["return_7day_03"], "return_7day", FALLBACK),
        "d": Prediction(["human_agent_01"], "human_agent", ANSWER),
    }
    result = score("canned", lambda text: canned[text], questions)
    row = result.row()
    assert row["hit@1"] == 0.5 and row["MRR"] == 0.75 and row["hit@3"] == 1.0
    assert row["topic hit@1"] == 0.75  # the ranking's topic: c (out of scope) is a miss
    assert row["topic hit@1 (with decisions)"] == 1.0  # c fell back
    figures = result.decisions()
    assert figures["clarification rate"] == 0.25
    assert figures["direct answers right"] == 0.5  # d answered although nothing answers it
    assert figures["uncovered that fell back"] == 0.5
    assert [met for _, _, met in targets(figures)] == [True, False, False]


def test_prototypes_are_48_and_cover_every_topic(knowledge_service):
    prototypes = load_prototypes()
    assert len(prototypes) == 48
    assert {topic for topic, _ in prototypes} == set(knowledge_service.kb.topics)


def test_the_tuning_set_shows_the_out_of_fold_calibration_from_training(knowledge_service):
    report = knowledge_service.retriever.model.report
    text = calibration_markdown(report)
    assert "| t | reranker p: share | right | calibrated: share |" in text
    assert f"{report['questions']} tuning questions" in text and "Chosen policy" in text
    result = SetResult(REAL_SETS[0][0], [], [], report)
    assert "Out of fold, from training" in result.markdown()
    assert result.as_dict()["calibration (out of fold, from training)"] == report
