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
