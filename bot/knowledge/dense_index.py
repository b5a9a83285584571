"""The dense retriever's vector search: exact (brute force) below a size, through an HNSW graph above it.

Brute force is one matrix product over every indexed text and exact; its cost grows with the knowledge base
(``scripts/bench_kb_scaling.py``, README "Knowledge-base scaling"). Above :data:`ANN_MIN_TEXTS` texts the
retriever asks an HNSW index for the nearest :data:`NEIGHBOUR_TEXTS` texts instead and scores the entries
they belong to exactly, over all their wordings and their answer; entries it does not reach rank last.

Why hnswlib and not faiss-cpu: we need one kind of index (an in-memory graph searched by inner product on
normalised vectors, saved to and loaded from one file), and hnswlib is that and nothing else: a header-only
C++ library with a small binding that uses plain threads, where faiss-cpu brings a 30 MB wheel with its own
BLAS and OpenMP runtime into a process that already loads torch's and TensorFlow's. The price: hnswlib's PyPI
release is a source package, so pip compiles it (about 40 s, needs g++, which setup machines and the
Dockerfile have); ``HNSWLIB_NO_NATIVE=1`` leaves out ``-march=native`` for images run on other CPUs.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from bot.knowledge.progress import Progress

log = logging.getLogger(__name__)

# Below this many indexed texts (wordings plus answers; about 7 per entry, so about 5,600 entries) brute force
# is fast and exact, and the HNSW index is neither built nor used. Measured on the 2 shared cores: brute-force
# p95 is under 4 ms up to 35,000 texts and doubles to 8 ms by 50,000, once the matrix outgrows the cache; the
# bot runs two dense searches per question (message and focus) within the 20 ms retrieval budget.
ANN_MIN_TEXTS = 40_000
# How many nearest texts the HNSW index is asked for. Among 711,654 texts (100,000 synthetic entries) the best
# text of 99.9 % of brute force's top 10 entries is among the nearest 200, and 200 texts reach well over the
# reranker's 30 candidate entries.
NEIGHBOUR_TEXTS = 200
# Graph degree, build beam and search beam, measured at 20,000 synthetic entries (scripts/bench_kb_scaling.py's
# data): M=32 lifts recall@10 against brute force from 0.946 (M=16) to 0.977 for 1.4x the build time, a build
# beam of 200 adds 1.7x more for +0.006, and a search beam of 400 lifts it to 0.995 for under a millisecond.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 400
# Vectors go into the graph in this seeded random order: in the layout's order (all wordings, then all answers,
# entry by entry) clusters arrive together and are linked poorly, recall@10 0.887 against 0.946 (M=16).
INSERTION_SEED = 0
# Part of the cache key, so changing the graph's parameters rebuilds it.
HNSW_VERSION = f"hnsw-M{HNSW_M}-efc{HNSW_EF_CONSTRUCTION}-shuffled{INSERTION_SEED}"
# The cosine given to entries the HNSW index does not reach (and to a left-out text): the lowest there is.
UNREACHED_COSINE = -1.0
# Vectors added to the graph per call, so that a large build can report its progress.
ADD_CHUNK = 2_000


class TextLayout:
    """Which entry each indexed text belongs to: every entry's wordings in entry order, then one answer per
    entry (the order ``retrieval._Corpus`` indexes them in)."""

    def __init__(self, wording_counts: np.ndarray) -> None:
        self.n_entries = len(wording_counts)
        self.wording_starts = np.concatenate([[0], np.cumsum(wording_counts)])
        self.n_wordings = int(self.wording_starts[-1])
        self.wording_owners = np.repeat(np.arange(self.n_entries), wording_counts)
        self.text_owners = np.concatenate([self.wording_owners, np.arange(self.n_entries)])

    @property
    def n_texts(self) -> int:
        return self.n_wordings + self.n_entries


class HnswIndex:
    """An HNSW graph over normalised vectors, searched by inner product (= cosine); labels are row numbers."""

    def __init__(self, index) -> None:
        self._index = index
        self._index.set_ef(HNSW_EF_SEARCH)

    @property
    def count(self) -> int:
        return self._index.get_current_count()

    @classmethod
    def build(cls, vectors: np.ndarray, threads: Optional[int] = None, progress: bool = False) -> "HnswIndex":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=vectors.shape[1])
        index.init_index(max_elements=len(vectors), ef_construction=HNSW_EF_CONSTRUCTION, M=HNSW_M)
        order = np.random.default_rng(INSERTION_SEED).permutation(len(vectors))
        with Progress("indexing vectors (HNSW)", len(vectors), enabled=progress) as report:
            for start in range(0, len(vectors), ADD_CHUNK):
                rows = order[start:start + ADD_CHUNK]
                index.add_items(vectors[rows], rows, num_threads=threads or os.cpu_count() or 1)
                report.advance(len(rows))
        return cls(index)

    @classmethod
    def load(cls, path: Path, dim: int) -> "HnswIndex":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=dim)
        index.load_index(str(path))
        return cls(index)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        self._index.save_index(str(tmp))
        tmp.replace(path)

    def nearest(self, query: np.ndarray, k: int) -> Optional[np.ndarray]:
        """Row numbers of the (approximately) k nearest vectors, nearest first; None when the search cannot reach
        k vectors from where it lands, in an island of similar vectors that HNSW's link pruning cut off from the
        rest (once in 300 queries at 100,000 synthetic entries with M=16, among their clustered answers; not with
        M=32)."""
        try:
            labels, _ = self._index.knn_query(query, k=min(k, self.count), num_threads=1)
        except RuntimeError as exc:
            if "contiguous 2D array" not in str(exc):  # hnswlib's message for "found fewer than k"
                raise
            return None
        return labels[0].astype(np.intp)


def hnsw_cache_path(cache_dir: Path, fingerprint: str, model_name: str) -> Path:
    """Keyed like the dense vectors it indexes (knowledge base and model), plus the graph's parameters."""
    key = hashlib.sha256(f"{fingerprint}|{model_name}|{HNSW_VERSION}".encode()).hexdigest()[:16]
    return cache_dir / f"hnsw-{key}.bin"


def load_or_build_hnsw(vectors: np.ndarray, path: Path, progress: bool = False) -> HnswIndex:
    if path.exists():
        index = HnswIndex.load(path, vectors.shape[1])
        if index.count == len(vectors):
            return index
    log.info("building the HNSW index over %d vectors", len(vectors))
    index = HnswIndex.build(vectors, progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    index.save(path)
    return index


class DenseIndex:
    """Cosines of a query with every entry's best wording and with its answer, exact or through HNSW."""

    def __init__(self, vectors: np.ndarray, layout: TextLayout, hnsw: Optional[HnswIndex] = None) -> None:
        self.vectors, self.layout, self.hnsw = vectors, layout, hnsw
        # Searches the HNSW index could not serve, answered by brute force instead (the benchmark reports them).
        self.exact_fallbacks = 0

    def cosines(self, query: np.ndarray, exclude_text: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Per entry: the best wording's cosine and the answer's; ``exclude_text`` is left out (training)."""
        if self.hnsw is None:
            return self.exact_cosines(query, exclude_text)
        return self.approximate_cosines(query, exclude_text)

    def exact_cosines(self, query: np.ndarray, exclude_text: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        per_text = self.vectors @ query
        if exclude_text is not None:
            per_text[exclude_text] = UNREACHED_COSINE
        n = self.layout.n_wordings
        best = np.full(self.layout.n_entries, -np.inf, dtype=np.float64)
        np.maximum.at(best, self.layout.wording_owners, per_text[:n])
        return best, per_text[n:]

    def approximate_cosines(self, query: np.ndarray,
                            exclude_text: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        layout = self.layout
        nearest = self.hnsw.nearest(query, NEIGHBOUR_TEXTS)
        if nearest is None:
            self.exact_fallbacks += 1
            return self.exact_cosines(query, exclude_text)
        entries = np.unique(layout.text_owners[nearest])
        # Every wording of every entry reached, in entry order: a reached entry ranks on its true best wording,
        # not on whichever of its wordings happened to be among the neighbours.
        starts = layout.wording_starts[entries]
        counts = layout.wording_starts[entries + 1] - starts
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rows = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))
        answer_rows = layout.n_wordings + entries
        wording_cosines = self.vectors[rows] @ query
        answer_cosines = self.vectors[answer_rows] @ query
        if exclude_text is not None:
            wording_cosines[rows == exclude_text] = UNREACHED_COSINE
            answer_cosines[answer_rows == exclude_text] = UNREACHED_COSINE
        best = np.full(layout.n_entries, UNREACHED_COSINE, dtype=np.float64)
        best[entries] = np.maximum.reduceat(wording_cosines, offsets)
        answers = np.full(layout.n_entries, UNREACHED_COSINE, dtype=np.float32)
        answers[entries] = answer_cosines
        return best, answers
