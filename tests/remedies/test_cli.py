"""The ``remedy`` command, run as a user runs it."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.paths import REPO_ROOT


def remedy(*args: str, stdin: str = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.remedies.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=60)


def test_assess_json(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({"fraud": True, "price": 3000}), encoding="utf-8")
    result = remedy("assess", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["remedies"][0]["amount"]["arithmetic"] == "3 × 3000 = 9000 元"
    assert data["missing_facts"] == []


def test_assess_reads_stdin_and_lists_missing_facts():
    result = remedy("assess", "-", stdin='{"wants_return": true}')
    assert result.returncode == 0
    assert "channel" in result.stdout and "您是通过什么方式买的呢？" in result.stdout


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"price": "lots"}', "'price'"),
    ('{"colour": 1}', "'colour'"),
    ("[]", "JSON object"),
])
def test_assess_bad_file_exits_2(tmp_path, content, message):
    path = tmp_path / "facts.json"
    path.write_text(content, encoding="utf-8")
    result = remedy("assess", str(path), "--json")
    assert result.returncode == 2
    assert message in result.stderr and result.stdout == ""


def test_missing_file_exits_2():
    result = remedy("check-terms", "/no/such/clause.txt", "--json")
    assert result.returncode == 2 and "file not found" in result.stderr


def test_directory_exits_2(tmp_path):
    result = remedy("check-terms", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr


def test_binary_file_exits_2(tmp_path):
    path = tmp_path / "clause.txt"
    path.write_bytes(b"\xff\xfe\x00bad")
    result = remedy("check-terms", str(path))
    assert result.returncode == 2 and "not UTF-8" in result.stderr


def test_check_terms_json(tmp_path):
    path = tmp_path / "clause.txt"
    path.write_text("1. 本店商品概不退换。\n2. 会员可以随时查询余额。\n3. 最终解释权归本店所有。", encoding="utf-8")
    result = remedy("check-terms", str(path), "--json")
    findings = json.loads(result.stdout)["findings"]
    assert [f["clause"] for f in findings] == ["1. 本店商品概不退换。", "3. 最终解释权归本店所有。"]
    assert set(findings[0]) >= {"clause", "quote", "span", "kind", "reason", "legal_basis", "fair_wording"}


def test_check_terms_fair_text_gives_empty_list():
    result = remedy("check-terms", "-", "--json", stdin="会员可以随时查询余额。")
    assert result.returncode == 0 and json.loads(result.stdout) == {"findings": []}


def test_check_terms_empty_input_exits_2():
    result = remedy("check-terms", "-", stdin="  \n")
    assert result.returncode == 2 and "empty" in result.stderr


def test_eval_terms_prints_precision_and_recall():
    result = remedy("eval-terms")
    assert result.returncode == 0
    assert "per term: precision 1.000  recall 1.000" in result.stdout
    assert "held-out" in result.stdout
    # The real-clause set is reported too, with a line per kind of term.
    real = result.stdout.split("real clauses")[1]
    assert "per term: precision" in real and "final_interpretation" in real
