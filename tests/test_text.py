"""Normalisation and segmentation of what customers type."""
from __future__ import annotations

import pytest

from bot.text import Segmenter, is_meaningful, normalise


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("網購七天無理由退貨", "网购七天无理由退货"),
        ("７天內退款ＯＫ嗎", "7天内退款OK吗"),
        ("  退货\u3000\u3000怎么   退 ", "退货 怎么 退"),
        ("退\u200b货\x00", "退货"),
        ("退货，可以吗？", "退货，可以吗？"),  # Chinese punctuation stays as typed
    ],
)
def test_normalise(typed, expected):
    assert normalise(typed) == expected


@pytest.mark.parametrize("text, meaningful", [("😀😀", False), ("？？！", False), ("", False), ("退货", True), ("ok", True)])
def test_is_meaningful(text, meaningful):
    assert is_meaningful(text) is meaningful


def test_domain_dictionary_keeps_terms_whole_and_is_private(tmp_path):
    import jieba

    # A made-up term no dictionary of ours holds: other tests in the same process load our real
    # dictionary into the global tokenizer through Rasa's JiebaTokenizer.
    term, question = "蓝莓退货宝", "蓝莓退货宝可以退吗"
    global_before = jieba.lcut(question)
    dictionary = tmp_path / "terms.txt"
    dictionary.write_text(f"{term} 100000\n", encoding="utf-8")
    segmenter = Segmenter(dictionary)
    assert term in segmenter.words(question)
    # The global jieba tokenizer (the one Rasa's JiebaTokenizer configures) is untouched by ours.
    assert jieba.lcut(question) == global_before
    assert term not in global_before


def test_character_bigrams_keep_a_misspelt_question_matchable():
    segmenter = Segmenter()
    typed = set(segmenter.terms("收到的货推不了怎么办"))  # 推 typed for 退
    stored = set(segmenter.terms("收到的货退不了怎么办"))
    assert {"收到", "怎么", "么办"} <= typed & stored
