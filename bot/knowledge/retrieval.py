"""Hybrid retrieval over the knowledge base: BM25 on jieba terms, dense vectors, reciprocal rank fusion.

Every entry is indexed through all its wordings (canonical question and paraphrases); an entry scores as its
best-matching wording (plus a share of its answer's score), so one good paraphrase is enough to find it.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from bot.knowledge.model import Entry, KnowledgeBase
from bot.paths import var_dir
from bot.text import Segmenter, normalise

log = logging.getLogger(__name__)

# Reciprocal-rank-fusion constant from Cormack et al. (2009); it damps the weight of the very top ranks.
RRF_K = 60
# Longer messages are cut before encoding: the first part of a long story carries the question often enough,
# and it bounds the cost of a 10,000-character paste.
MAX_QUERY_CHARS = 512
# How much an entry's answer counts next to its best-matching wording.
ANSWER_WEIGHT = 0.5


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float
    bm25: float = 0.0
    dense: float = 0.0

    def as_dict(self) -> dict:
        return {
            "id": self.entry.id,
            "topic": self.entry.topic,
            "score": round(self.score, 4),
            "bm25": round(self.bm25, 4),
            "dense": round(self.dense, 4),
            "question": self.entry.question,
        }


class _Corpus:
    """What we index for every entry: each wording of its question, then its answer.

    An entry scores as its best-matching wording plus half its answer's score. The wordings carry how customers
    ask; the answer adds the vocabulary of the remedy itself (退款、三包、12315 …), which helps long stories
    that describe a situation without asking the question in any stored way (measured on the dev set: README).
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.texts: List[str] = []
        owners: List[int] = []
        for index, entry in enumerate(kb.entries):
            for text in entry.texts:
                self.texts.append(normalise(text))
                owners.append(index)
        self.wording_owners = np.asarray(owners)
        self.texts.extend(normalise(entry.answer) for entry in kb.entries)

    def entry_scores(self, per_text: np.ndarray) -> np.ndarray:
        n_wordings = len(self.wording_owners)
        best = np.full(len(self.kb), -np.inf, dtype=np.float64)
        np.maximum.at(best, self.wording_owners, per_text[:n_wordings])
        return best + ANSWER_WEIGHT * per_text[n_wordings:]


class BM25Retriever:
    name = "bm25"

    def __init__(self, kb: KnowledgeBase, segmenter: Segmenter) -> None:
        self.corpus = _Corpus(kb)
        self.segmenter = segmenter
        self._bm25 = BM25Okapi([segmenter.terms(text) for text in self.corpus.texts])

    def scores(self, query: str) -> np.ndarray:
        terms = self.segmenter.terms(query)
        if not terms:
            return np.zeros(len(self.corpus.kb))
        raw = self._bm25.get_scores(terms)
        # Divide by the query's length so scores compare across queries (a long story is not "more certain").
        return self.corpus.entry_scores(raw / len(terms))

    def search(self, query: str, k: int = 5) -> List[Hit]:
        scores = self.scores(normalise(query))
        order = np.argsort(-scores)[:k]
        return [Hit(self.corpus.kb.entries[i], float(scores[i]), bm25=float(scores[i])) for i in order]


class DenseRetriever:
    name = "dense"

    def __init__(self, kb: KnowledgeBase, encoder, model_name: str, cache_dir: Optional[Path] = None) -> None:
        self.corpus = _Corpus(kb)
        self.encoder = encoder
        self.vectors = self._load_or_encode(kb, model_name, cache_dir or var_dir() / "index")

    def _load_or_encode(self, kb: KnowledgeBase, model_name: str, cache_dir: Path) -> np.ndarray:
        # The cache key covers the knowledge base and the model, so editing an entry or switching the model
        # rebuilds the index and nothing else ever does.
        key = hashlib.sha256(f"{kb.fingerprint}|{model_name}".encode()).hexdigest()[:16]
        path = cache_dir / f"dense-{key}.npy"
        if path.exists():
            vectors = np.load(path)
            if vectors.shape[0] == len(self.corpus.texts):
                return vectors
        log.info("encoding %d knowledge-base wordings with %s", len(self.corpus.texts), model_name)
        vectors = self.encode(self.corpus.texts)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors)
        tmp.replace(path)
        return vectors

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.encoder.encode(list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)

    def scores(self, query: str) -> np.ndarray:
        vector = self.encode([query[:MAX_QUERY_CHARS]])[0]
        return self.corpus.entry_scores(self.vectors @ vector)

    def search(self, query: str, k: int = 5) -> List[Hit]:
        scores = self.scores(normalise(query))
        order = np.argsort(-scores)[:k]
        return [Hit(self.corpus.kb.entries[i], float(scores[i]), dense=float(scores[i])) for i in order]


class HybridRetriever:
    """Fuses the BM25 and dense rankings with reciprocal rank fusion; keeps both raw scores on each hit."""

    name = "hybrid"

    def __init__(self, bm25: BM25Retriever, dense: DenseRetriever) -> None:
        self.bm25 = bm25
        self.dense = dense
        self.kb = bm25.corpus.kb

    def search(self, query: str, k: int = 5) -> List[Hit]:
        query = normalise(query)
        if not query:
            return []
        lexical = self.bm25.scores(query)
        semantic = self.dense.scores(query)
        fused = _rrf(lexical) + _rrf(semantic)
        order = np.argsort(-fused)[:k]
        return [
            Hit(self.kb.entries[i], float(fused[i]), bm25=float(lexical[i]), dense=float(semantic[i]))
            for i in order
        ]


def _rrf(scores: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores)] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)


def retrievers_by_name(retriever: HybridRetriever) -> Dict[str, object]:
    return {"bm25": retriever.bm25, "dense": retriever.dense, "hybrid": retriever}
