"""The ask_rights training examples are derived from the knowledge base, and kept in sync with it."""
from __future__ import annotations

from bot.knowledge.model import load_knowledge_base
from bot.knowledge.nlu_export import NLU_EXAMPLES_FILE, ask_rights_examples, write_nlu_examples


def test_committed_examples_match_the_knowledge_base(tmp_path):
    fresh = write_nlu_examples(load_knowledge_base(), tmp_path / "knowledge.yml")
    assert fresh.read_text(encoding="utf-8") == NLU_EXAMPLES_FILE.read_text(encoding="utf-8"), "run `kb build`"


def test_entries_handled_by_dialogue_flows_do_not_train_ask_rights():
    kb = load_knowledge_base()
    status_check = kb.get("complaint_process_03")
    assert status_check.train_nlu is False
    examples = set(ask_rights_examples(kb))
    assert not examples & set(status_check.texts)
    assert kb.get("return_7day_01").question in examples


def test_jieba_dictionary_holds_every_domain_term():
    from bot.knowledge.service import JIEBA_DICTIONARY

    words = {line.split()[0] for line in JIEBA_DICTIONARY.read_text(encoding="utf-8").splitlines() if line.strip()}
    kb = load_knowledge_base()
    assert set(kb.terms()) == words, "run `kb build`"
    assert {"七日无理由退货", "退一赔三", "首问负责制", "格式条款"} <= words
