"""Turn whatever a customer typed into the text our NLU and retrieval expect.

Customers write traditional characters (「網購七天無理由退貨」), full-width letters and digits from IME
defaults (７天、ＯＫ), stray control characters and runs of spaces. Everything downstream — jieba, the
Rasa pipeline, BM25 and the dense encoder — is built on simplified, half-width text, so we convert once,
at the edge.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_WHITESPACE = re.compile(r"\s+")
# Characters that carry meaning for us: CJK ideographs, letters and digits.
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> OpenCC:
    # t2s covers Hong Kong and Taiwan variants too; phrase-level tables fix words such as 網購 → 网购.
    return OpenCC("t2s")


def _to_half_width(text: str) -> str:
    # NFKC folds full-width ASCII (ＡＢＣ１２３) to half width but also rewrites Chinese punctuation such as
    # "，" → ","; we only want the letters and digits folded, so apply it character by character.
    return "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" and ch.isalnum() else ch
        for ch in text
    ).replace("\u3000", " ")


def normalise(text: str) -> str:
    """Simplified, half-width, single-spaced, control characters removed."""
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    text = _to_half_width(text)
    text = _traditional_to_simplified().convert(text)
    return _WHITESPACE.sub(" ", text).strip()


def is_meaningful(text: str) -> bool:
    """Whether the text has anything to understand: emoji-only or punctuation-only messages do not."""
    return bool(_MEANINGFUL.search(text))
