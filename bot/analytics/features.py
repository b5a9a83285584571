"""Complaint facts as vectors: jieba terms (TF-IDF) next to the dense sentence vector of the offline model.

Each half is L2-normalised and scaled so the whole vector has unit length and a dot product is a weighted sum
of the two cosines: ``cos = LEXICAL_SHARE · cos_tfidf + (1 - LEXICAL_SHARE) · cos_dense``. The lexical half
keeps problems apart that the encoder blurs (起火 vs 屏幕 on two electronics complaints); the dense half joins
wordings that share no word (跑路 / 人去楼空 / 老板失联).
"""
from __future__ import annotations

import functools
import re
from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.text import Segmenter, normalise
from bot.text.segment import STOPWORDS

# Chosen on the synthetic set of seed 7 and reported on the default seed (docs/analytics.md).
LEXICAL_SHARE = 0.4

# Words every complaint uses whatever its problem: removed before weighting, so they neither join unrelated
# complaints nor turn up in a cluster's label.
COMPLAINT_STOPWORDS = frozenset(
    "商家 客服 店家 投诉 要求 希望 一直 没有 什么 怎么 已经 现在 还是 就是 但是 可是 然后 而且 因为 所以 "
    "不 没 说 买 让 给 把 被 又 才 再 很 太 都 着 过 号 月 元 块 天 次 个 些 上 下 里 后 前 时候 的话 "
    "自己 他们 我们 本人 真的 实在 谢谢 一下 处理 问题 结果 消息 请 帮 帮忙 维权 说法 尽快 人管 气人 "
    # Generic nouns, verbs and measure words that name no problem (东西 坏了, 发现 …, 一只 …).
    "东西 发现 出现 之后 以后 附近 里面 家里 一只 一根 一块 一颗 一条 一半 好几个 几次 好几天 时候 之前 遇到".split()
)
_DIGITS = re.compile(r"^[\d.*]+$")


@functools.lru_cache(maxsize=1)
def segmenter() -> Segmenter:
    from bot.knowledge.service import JIEBA_DICTIONARY

    return Segmenter(JIEBA_DICTIONARY)


def _content(term: str) -> bool:
    return len(term) > 1 and term not in STOPWORDS and term not in COMPLAINT_STOPWORDS and not _DIGITS.match(term)


def words(text: str) -> list[str]:
    """The content words of a text: jieba words minus stop words, digits and single characters."""
    return [word for word in segmenter().words(normalise(text).lower()) if _content(word)]


def terms(text: str) -> list[str]:
    """Our Segmenter's terms (jieba words plus character bigrams, which survive typos and odd segmentations),
    minus stop words, digits and single characters."""
    return [term for term in segmenter().terms(normalise(text).lower()) if _content(term)]


def lexical_matrix(texts: Sequence[str]) -> tuple[np.ndarray, TfidfVectorizer]:
    """Row-normalised TF-IDF over :func:`terms`; a term must occur in two complaints to count."""
    vectorizer = TfidfVectorizer(analyzer=terms, min_df=2 if len(texts) > 2 else 1, sublinear_tf=True, norm="l2")
    try:
        matrix = vectorizer.fit_transform(list(texts)).toarray()
    except ValueError:  # no term shared by two complaints: the lexical half says nothing
        return np.zeros((len(texts), 1)), vectorizer
    return matrix, vectorizer


class DenseEncoder:
    """The offline sentence encoder with a per-text memo, so re-analysing the same complaints encodes nothing."""

    def __init__(self, model=None) -> None:
        self._model = model
        self._memo: dict[str, np.ndarray] = {}

    @property
    def model(self):
        if self._model is None:
            from bot.knowledge.embedding import configured_model, load_encoder

            self._model = load_encoder(configured_model())
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted({text for text in texts if text not in self._memo})
        if missing:
            vectors = self.model.encode(
                missing, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
            self._memo.update(zip(missing, np.asarray(vectors, dtype=np.float32)))
        return np.stack([self._memo[text] for text in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


@functools.lru_cache(maxsize=1)
def default_encoder() -> DenseEncoder:
    return DenseEncoder()


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix, dtype=np.float64), where=norms > 0)


def combine(lexical: np.ndarray, dense: np.ndarray, lexical_share: float = LEXICAL_SHARE) -> np.ndarray:
    """Both halves L2-normalised, weighted by the square roots of their shares, concatenated."""
    return np.hstack([
        np.sqrt(lexical_share) * _unit_rows(lexical),
        np.sqrt(1 - lexical_share) * _unit_rows(dense.astype(np.float64)),
    ])
