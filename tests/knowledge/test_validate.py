"""`kb validate` rejects what would make the knowledge base wrong or unsearchable."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.knowledge.validate import validate
from bot.paths import KNOWLEDGE_DIR, REPO_ROOT

GOOD = {
    "id": "return_7day_01",
    "topic": "return_7day",
    "question": "网上买的东西能七天无理由退吗？",
    "paraphrases": ["网购不想要了能退吗", "七天无理由怎么退", "收货三天不喜欢能退不", "网上下单后悔了咋办"],
    "answer": "可以。远程购买的商品，自收到之日起七日内一般无需说明理由即可退货，商品需保持完好，运费一般由你承担。",
    "legal_basis": [{"law": "消费者权益保护法", "article": 25}],
    "reviewed_on": "2026-11-01",
}


@pytest.fixture
def kb_root(tmp_path: Path) -> Path:
    for name in ("topics.yml", "laws.yml"):
        shutil.copy(KNOWLEDGE_DIR / name, tmp_path / name)
    return tmp_path


def write(root: Path, entry: dict, topic_dir: str | None = None, name: str | None = None) -> None:
    folder = root / "entries" / (topic_dir or entry["topic"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name or entry['id']}.yml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")


def test_the_shipped_knowledge_base_is_valid():
    assert validate() == []


def test_a_good_entry_passes(kb_root):
    write(kb_root, GOOD)
    assert validate(kb_root) == []


@pytest.mark.parametrize("field", ["question", "answer", "legal_basis", "reviewed_on", "paraphrases"])
def test_missing_field_is_rejected(kb_root, field):
    write(kb_root, {k: v for k, v in GOOD.items() if k != field})
    problems = validate(kb_root)
    assert any(f"missing field(s): {field}" in p for p in problems), problems


def test_unknown_topic_is_rejected(kb_root):
    write(kb_root, {**GOOD, "topic": "lottery"})
    assert any("unknown topic 'lottery'" in p for p in validate(kb_root))


def test_duplicate_ids_and_texts_are_rejected(kb_root):
    write(kb_root, GOOD)
    write(kb_root, GOOD, name="copy")
    problems = validate(kb_root)
    assert any("duplicate id return_7day_01" in p for p in problems)
    assert any("duplicate question text" in p for p in problems)


def test_duplicate_text_across_entries_after_normalisation_is_rejected(kb_root):
    write(kb_root, GOOD)
    other = {**GOOD, "id": "return_7day_02", "question": "退货运费谁出？", "paraphrases": ["網購不想要了能退嗎", "a", "b", "c"]}
    write(kb_root, other)
    assert any("网购不想要了能退吗" in p and "return_7day_02" in p for p in validate(kb_root))


@pytest.mark.parametrize(
    "basis, message",
    [
        ({"law": "消费者权益保护法", "article": 64}, "消费者权益保护法 has no article 64"),
        ({"law": "民法典", "article": 600}, "民法典 has no article 600"),
        ({"law": "食品卫生法", "article": 1}, "unknown law '食品卫生法'"),
        ({"law": "消费者权益保护法"}, "needs an article number"),
        ({"law": "电信用户申诉处理办法", "article": 3}, "cite it by name only"),
    ],
)
def test_citation_to_an_article_that_does_not_exist_is_rejected(kb_root, basis, message):
    write(kb_root, {**GOOD, "legal_basis": [basis]})
    problems = validate(kb_root)
    assert any(message in p for p in problems), problems


def test_too_few_paraphrases_and_future_review_date_are_rejected(kb_root):
    write(kb_root, {**GOOD, "paraphrases": GOOD["paraphrases"][:2], "reviewed_on": "2999-01-01"})
    problems = validate(kb_root)
    assert any("2 paraphrases, at least 4" in p for p in problems)
    assert any("in the future" in p for p in problems)


def run_kb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "kb"), *args], capture_output=True, text=True, cwd=REPO_ROOT
    )


def test_cli_accepts_the_shipped_knowledge_base():
    result = run_kb("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ")


def test_cli_exits_non_zero_and_lists_problems(kb_root):
    write(kb_root, {**GOOD, "legal_basis": [{"law": "消费者权益保护法", "article": 99}]})
    result = run_kb("validate", "--root", str(kb_root))
    assert result.returncode == 1
    assert "消费者权益保护法 has no article 99" in result.stdout
