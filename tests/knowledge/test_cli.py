"""The `kb` command as a user runs it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.paths import REPO_ROOT

KB = str(Path(sys.executable).parent / "kb")


def run_kb(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([KB, *args], input=stdin, capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)


def test_ask_json_prints_decision_and_ranked_hits():
    result = run_kb("ask", "網購七天無理由退貨", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["decision"] == "answer"
    assert payload["answer_id"] == "return_7day_01"
    first = payload["hits"][0]
    assert first["id"] == "return_7day_01" and first["topic"] == "return_7day"
    assert first["question"] and first["score"] > 0


def test_ask_stdin_answers_one_json_line_per_question():
    result = run_kb("ask", "-", "--json", stdin="快递丢了谁赔\n\n预付卡店铺跑路了怎么办\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["hits"][0]["topic"] == "express_delivery"
    assert lines[1]["decision"] == "fallback" and lines[1]["error"] == "empty question"
    assert lines[2]["hits"][0]["topic"] == "prepaid_card"


def test_bench_scores_every_system_on_a_real_format_file_and_writes_the_table(tmp_path):
    lines = [
        {"text": "网上买的裙子不合适收到两天了能退吗", "topic": "return_7day", "entry_id": "return_7day_01"},
        {"text": "健身房老板跑路了我卡里还有两千", "topic": "prepaid_card", "entry_id": "prepaid_card_02"},
        {"text": "离婚以后孩子的抚养权归谁", "topic": "out_of_scope", "entry_id": None},
        {"text": "我家的猫不爱吃猫粮怎么办", "topic": "out_of_scope", "entry_id": None},
    ]
    questions = tmp_path / "real.jsonl"
    questions.write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
    output = tmp_path / "bench.md"
    result = run_kb("bench", str(questions), "--output", str(output))
    assert result.returncode == 0, result.stderr
    table = output.read_text(encoding="utf-8")
    for system in ("BM25", "dense (USE-m v3)", "hybrid (RRF + topic prior), the previous bot",
                   "prototype nearest neighbour (48 questions)", "reader + reranker, the bot"):
        assert f"| {system} |" in table
    assert "Targets for the bot" in table
    results = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))["sets"]["real"]
    assert results["questions"] == 4 and results["uncovered"] == 2 and results["out of scope"] == 2
    bot = next(r for r in results["systems"] if r["system"] == "reader + reranker, the bot")
    assert bot["median ms"] > 0 and bot["hit@1"] is not None
    decisions = results["decisions"]["reader + reranker, the bot"]
    assert decisions["questions"] == 4 and decisions["uncovered questions"] == 2
    assert decisions["answered"] + decisions["clarified"] + decisions["fell back"] == 4
    # Out-of-scope questions are a miss for a ranking, whatever it returns.
    prototypes = next(r for r in results["systems"] if r["system"].startswith("prototype"))
    assert prototypes["topic hit@1"] <= 0.5 and prototypes["hit@1"] is None


def test_bench_rejects_a_bad_question_file_with_its_line_number(tmp_path):
    questions = tmp_path / "bad.jsonl"
    questions.write_text('{"text": "退货", "entry_id": "return_7day_01"}\n{"text": "退货"}\n', encoding="utf-8")
    result = run_kb("bench", str(questions))
    assert result.returncode == 2
    assert f"{questions}:2" in result.stderr and "entry_id" in result.stderr


def test_ablate_fresh_from_rejects_bad_input_before_training(tmp_path):
    labelled = json.dumps({"text": "网上买的裙子不合适收到两天了能退吗", "topic": "return_7day",
                           "entry_id": "return_7day_01"}, ensure_ascii=False)
    questions = tmp_path / "tune.jsonl"
    questions.write_text(f"{labelled}\n{labelled}\n\n\n", encoding="utf-8")
    unlabelled = tmp_path / "unlabelled.jsonl"
    unlabelled.write_text(f'{labelled}\n{{"text": "健身房老板跑路了我卡里还有两千"}}\n', encoding="utf-8")
    for args, message in (
        ((str(questions), "--fresh-from", "1"), "must be at least 2"),
        ((str(questions), "--fresh-from", "5"), "has only 4 lines"),
        ((str(questions), "--fresh-from", "3"), "lines 3–4 hold no labelled questions"),
        ((str(unlabelled), "--fresh-from", "2"), f"{unlabelled}:2"),
        ((str(tmp_path / "missing.jsonl"), "--fresh-from", "2"), "missing.jsonl"),
        ((str(questions), "--fresh-from", "x"), "invalid int value"),
    ):
        result = run_kb("ablate", *args, "--output", str(tmp_path / "ablation.md"))
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert not (tmp_path / "ablation.md").exists()


def test_ablate_fresh_from_trains_on_the_lines_before_and_scores_the_rest(tmp_path):
    tune = (REPO_ROOT / "knowledge" / "bench" / "real" / "tune.jsonl").read_text(encoding="utf-8").splitlines()
    questions = tmp_path / "tune.jsonl"
    questions.write_text("\n".join(tune[:30]) + "\n", encoding="utf-8")
    output = tmp_path / "fresh.md"
    result = run_kb("ablate", str(questions), "--fresh-from", "21", "--output", str(output))
    assert result.returncode == 0, result.stderr
    table = output.read_text(encoding="utf-8")
    assert "trained on the 20 questions before line 21" in table and "scored on the 10 from line 21 on" in table
    rows = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    from bot.knowledge.ablation import STEPS

    reranker_rows = ["**reranker, all steps** (stored wordings + real tuning questions)",
                     *(f"… without {name}" for name, _ in STEPS)]
    for name in ["BM25", "dense", "reranker trained on stored wordings only", *reranker_rows]:
        assert f"| {name} |" in table
        figures = rows[name]
        assert set(figures) == {"hit@1", "MRR", "topic hit@1"}
        assert all(0.0 <= value <= 1.0 for value in figures.values()), (name, figures)
