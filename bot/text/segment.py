"""Chinese word segmentation with our domain dictionary.

jieba's module-level functions share one global tokenizer, and ``jieba.load_userdict`` changes it for the
whole process (Rasa's JiebaTokenizer does exactly that). We keep a private ``jieba.Tokenizer`` so retrieval
segments the same way whatever else has been loaded in the process.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, List

import jieba

jieba.setLogLevel(logging.WARNING)

# Function words and punctuation that carry no retrieval signal. Kept short on purpose: negations such as
# 不/没 and question words such as 怎么/能不能 do change the meaning of a consumer question.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 是 我 你 他 她 它 我们 你们 就 都 也 还 在 有 和 跟 与 这 那 这个 那个 一个 "
    "请问 想问 问下 问一下 一下 , . ? ! ， 。 ？ ！ 、 ； ; ： : … ~ ～ （ ） ( ) “ ” \" ' 《 》".split()
)


class Segmenter:
    """A jieba tokenizer of our own, loaded with the domain dictionary once."""

    def __init__(self, dictionary: Path | None = None) -> None:
        self._tokenizer = jieba.Tokenizer()
        if dictionary is not None and dictionary.exists():
            self._tokenizer.load_userdict(str(dictionary))

    def words(self, text: str) -> List[str]:
        return [w for w in self._tokenizer.lcut(text) if w.strip()]

    def terms(self, text: str) -> List[str]:
        """Words for lexical matching: segmented words minus stopwords, plus character bigrams.

        Bigrams make matching survive jieba's mistakes and customers' typos (one wrong character breaks one word
        but leaves most of the sentence's bigrams intact),
        which matters more for short Chinese questions than a perfect segmentation does.
        """
        words = [w.lower() for w in self.words(text) if w not in STOPWORDS]
        chars = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        bigrams = ["".join(pair) for pair in zip(chars, chars[1:])]
        return words + bigrams


def write_dictionary(terms: Iterable[str], path: Path) -> Path:
    """Write a jieba user dictionary (``word freq`` lines) for the given domain terms."""
    unique = sorted({t.strip() for t in terms if t and t.strip()})
    path.parent.mkdir(parents=True, exist_ok=True)
    # A high frequency makes jieba keep the term whole instead of splitting it into common words.
    path.write_text("".join(f"{term} 100000\n" for term in unique), encoding="utf-8")
    return path
