"""Finding recurring problems: agglomerative clustering of complaint vectors, its stability, and cluster labels.

Method: average-linkage agglomerative clustering on cosine distance, cut at a fixed distance
(:data:`DISTANCE_THRESHOLD`). It needs no number of clusters, leaves one-off complaints on their own instead of
forcing them into a group, and has no random start, so the same complaints always give the same clusters.

Stability (Hennig's cluster-wise bootstrap, as in fpc::clusterboot): the clustering is repeated on
:data:`RESAMPLES` random subsets of :data:`SUBSAMPLE` of the complaints (fixed seed). For each resample we record
the adjusted Rand index against the full clustering restricted to the subset, and, for every cluster, the
Jaccard similarity between what is left of it and its best-matching cluster in the resample. A cluster whose
mean Jaccard is below :data:`STABLE_JACCARD` is flagged unstable (Hennig: below 0.5 a cluster "dissolves",
above 0.75 it is a valid, stable pattern).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score

DISTANCE_THRESHOLD = 0.70
MIN_CLUSTER_SIZE = 3  # fewer complaints than this are not a "high-frequency" issue
RESAMPLES = 20
SUBSAMPLE = 0.8
STABLE_JACCARD = 0.6
SEED = 20261201


def cosine_distances(vectors: np.ndarray) -> np.ndarray:
    """1 − cosine similarity of unit-length rows (0 on the diagonal, never negative)."""
    distances = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    return distances


def cluster(distances: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    """A cluster number for each complaint given their pairwise distances, numbered by first appearance (so
    the numbering is deterministic too)."""
    if len(distances) < 2:
        return np.zeros(len(distances), dtype=int)
    # scikit-learn 1.1 (pinned through rasa) calls the metric "affinity".
    raw = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, affinity="precomputed", linkage="average"
    ).fit_predict(distances)
    renumber: dict[int, int] = {}
    return np.array([renumber.setdefault(int(label), len(renumber)) for label in raw])


@dataclass(frozen=True)
class Stability:
    mean_ari: float  # mean adjusted Rand index of the resampled clusterings against the full one
    jaccard: dict[int, float]  # cluster number → mean best-match Jaccard over the resamples


def stability(
    distances: np.ndarray,
    labels: np.ndarray,
    clusters: list[int],
    *,
    threshold: float = DISTANCE_THRESHOLD,
    resamples: int = RESAMPLES,
    share: float = SUBSAMPLE,
    seed: int = SEED,
) -> Stability:
    """How much of each of ``clusters`` (cluster numbers in ``labels``) survives clustering random subsets."""
    n = len(labels)
    if n < 4:
        return Stability(1.0, {c: 1.0 for c in clusters})
    rng = np.random.default_rng(seed)
    size = max(2, int(round(share * n)))
    aris, jaccards = [], {c: [] for c in clusters}
    for _ in range(resamples):
        subset = np.sort(rng.choice(n, size=size, replace=False))
        again = cluster(distances[np.ix_(subset, subset)], threshold)
        before = labels[subset]
        aris.append(adjusted_rand_score(before, again))
        for c in clusters:
            members = set(np.flatnonzero(before == c))
            if not members:
                continue  # the cluster was left out entirely; Hennig counts only resamples that contain it
            best = 0.0
            for other in set(again[list(members)]):
                found = set(np.flatnonzero(again == other))
                best = max(best, len(members & found) / len(members | found))
            jaccards[c].append(best)
    return Stability(
        float(np.mean(aris)), {c: float(np.mean(values)) if values else 0.0 for c, values in jaccards.items()}
    )


def distinctive_terms(
    documents: list[list[str]], members: np.ndarray, *, limit: int = 3, min_share: float = 0.2,
    exclude: frozenset[str] = frozenset(),
) -> list[str]:
    """The words that most set a cluster apart: share of its complaints using the word × inverse document
    frequency over all complaints. A word must appear in at least ``min_share`` of the cluster; a word inside a
    chosen one (起火 in 冒烟起火) or containing it is skipped, so a label never repeats itself; words in
    ``exclude`` (those of business names: 旗舰店) never describe a problem."""
    n = len(documents)
    frequency: dict[str, int] = {}
    for words in documents:
        for word in set(words):
            frequency[word] = frequency.get(word, 0) + 1
    inside: dict[str, int] = {}
    for index in members:
        for word in set(documents[index]):
            inside[word] = inside.get(word, 0) + 1
    size = len(members)
    scored = sorted(
        (
            (-(count / size) * np.log((1 + n) / (1 + frequency[word])), word)
            for word, count in inside.items()
            if count / size >= min_share and word not in exclude
        ),
    )
    chosen: list[str] = []
    for _, word in scored:
        if any(word in kept or kept in word for kept in chosen):
            continue
        chosen.append(word)
        if len(chosen) == limit:
            break
    return chosen
