"""The bot's retriever: read the question, gather candidates, rerank them with a trained model.

1. :mod:`bot.knowledge.reading` finds the question clause (focus), its acts, denied concepts and roles.
2. Candidates: the entries ranked best by BM25 and dense on the whole message *and* on the focus (reciprocal
   rank fusion of the four rankings), so an entry that answers the question clause is found even when the
   story around it is about something else.
3. A logistic regression scores each candidate with the probability that it answers the question, from
   features a person can read (:data:`FEATURES`): cosines and BM25 on whole text and focus, the topic
   classifier's belief, act match, a denied concept the entry is about, a role the entry does not serve …
4. A second stage (:class:`Calibrator`) turns the ranked list into the probability, for this question, that
   the top entry (and each runner-up) is the right one — from the list's shape (top logit, gap, softmax share),
   the topic classifier's belief and its out-of-scope probability, the memory, lexical and dense margins. It is
   fitted on the out-of-fold rankings of the real tuning questions; decisions are judged on these confidences
   (:mod:`bot.knowledge.decision`), with thresholds tuned on confidences that are themselves out of fold.

Training is deterministic and offline: the knowledge base's own wordings (each one a query with itself left out
of the index) plus the real tuning half ``knowledge/bench/real/tune.jsonl`` when it exists. The trained
arrays are cached in ``var/index/`` under a key of the knowledge base, the tuning file and the model, like the
dense index; ``kb build`` warms the cache.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.knowledge.model import KnowledgeBase
from bot.knowledge.reading import Reading, acts_of, concepts_of, read, roles_of
from bot.knowledge.retrieval import MAX_QUERY_CHARS, RRF_K, BM25Retriever, DenseRetriever, Hit
from bot.paths import KNOWLEDGE_DIR, index_dir
from bot.text import normalise

log = logging.getLogger(__name__)

REAL_TUNE_FILE = KNOWLEDGE_DIR / "bench" / "real" / "tune.jsonl"
OUT_OF_SCOPE = "out_of_scope"
# How many entries the fused first stage hands to the reranker; the right entry is within the top 30 for
# nearly every question it can be found for at all (bench: hit@30 of the first stage).
CANDIDATES = 30
# A real question counts this many times a stored wording in training: there are far fewer of them, and they
# are what the bot will meet.
REAL_QUESTION_WEIGHT = 4.0
FOLDS = 5
# The topic-consistent top (RerankingRetriever.order): how far down, and how likely relative to the top.
TOPIC_WINDOW = 5
TOPIC_PROMOTION = 0.5
# Bump when features or training change, so cached models are retrained.
TRAINING_VERSION = "rerank-v11"

FEATURES = (
    "dense_full", "dense_focus", "dense_answer", "dense_full_gap", "dense_focus_gap",
    "bm25_full", "bm25_focus", "bm25_full_gap", "bm25_focus_gap",
    "rrf_dense_full", "rrf_dense_focus", "rrf_bm25_full", "rrf_bm25_focus",
    "topic_full", "topic_focus", "topic_is_best", "out_of_scope",
    "act_match", "act_missing", "denied_concept", "role_match", "role_conflict",
    "focus_share", "memory_entry", "memory_topic", "memory_uncovered", "memory_entry_gap",
    "entry_full", "entry_focus", "entry_gap",
)


@dataclass(frozen=True)
class Ablation:
    """Which steps of the reranker are switched on (the README's ablation table switches them off one at a time)."""

    focus: bool = True
    acts: bool = True
    negation: bool = True
    roles: bool = True
    expansion: bool = True
    real_questions: bool = True
    memory: bool = True
    entry_head: bool = True

    def mask(self) -> np.ndarray:
        off = set()
        if not self.focus:
            off |= {"dense_focus", "dense_focus_gap", "bm25_focus", "bm25_focus_gap", "rrf_dense_focus", "rrf_bm25_focus",
                    "topic_focus", "focus_share"}
        if not self.acts:
            off |= {"act_match", "act_missing"}
        if not self.negation:
            off.add("denied_concept")
        if not self.roles:
            off |= {"role_match", "role_conflict"}
        if not self.memory:
            off |= {"memory_entry", "memory_topic", "memory_uncovered", "memory_entry_gap"}
        if not self.entry_head:
            off |= {"entry_full", "entry_focus", "entry_gap"}
        return np.array([name not in off for name in FEATURES])


@dataclass
class QueryEvidence:
    """Everything about one query that does not depend on trained weights."""

    reading: Reading
    vector_full: np.ndarray
    vector_focus: np.ndarray
    dense_full: np.ndarray  # per entry: best wording cosine
    dense_focus: np.ndarray
    dense_answer: np.ndarray
    bm25_full: np.ndarray
    bm25_focus: np.ndarray
    candidates: np.ndarray  # entry indices, first-stage order
    static: Optional[Dict[str, np.ndarray]] = None  # features that need no trained part, computed once


@dataclass(frozen=True)
class TrainingQuery:
    text: str
    entry_index: Optional[int]  # None: nothing in the knowledge base answers it
    topic: Optional[str]
    weight: float = 1.0
    exclude_text: Optional[int] = None  # a stored wording used as a query is left out of the index


class EntryFacts:
    """What the reader finds in each entry's own wordings: its acts, the concepts it is about, its roles."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.acts = [acts_of(normalise(e.question)) for e in kb.entries]
        # An entry is about a concept when its canonical question or most of its wordings assert it.
        self.concepts = []
        self.roles = []
        for entry in kb.entries:
            texts = [normalise(t) for t in entry.texts]
            counts: Dict[str, int] = {}
            for text in texts:
                for concept in concepts_of(text):
                    counts[concept] = counts.get(concept, 0) + 1
            main = concepts_of(texts[0])
            self.concepts.append(frozenset(c for c, n in counts.items() if c in main or n * 2 >= len(texts)))
            role_counts: Dict[str, int] = {}
            for text in texts:
                for role in roles_of(text):
                    role_counts[role] = role_counts.get(role, 0) + 1
            self.roles.append(frozenset(r for r, n in role_counts.items() if n * 3 >= len(texts)))
        self.topics = [e.topic for e in kb.entries]


class TopicClassifier:
    """P(topic | text) from dense vectors, with an ``out_of_scope`` class when real questions provide one; and
    P(entry | text), a second head over the entries, trained on the same vectors (wordings, answers, real
    questions labelled with an entry).

    Ridge regression onto the classes, in closed form (one 513×513 solve per head, milliseconds: it is refitted
    once per cross-validation fold at training time), turned into probabilities by a softmax. The entry head
    is a supervised reading of the dense space: it learns which directions separate neighbouring entries,
    where the plain cosine only says which wording is nearest.
    """

    RIDGE = 1.0
    # Measured on fresh real questions (the tuning supplement, trained on the first tuning half): ridge 0.3 / 1 /
    # 3 / 10 gave entry hit@1 0.377 / 0.387 / 0.393 / 0.371 for the head alone.
    ENTRY_RIDGE = 3.0
    TEMPERATURE = 10.0

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str],
                 entry_coef: Optional[np.ndarray] = None, entry_intercept: Optional[np.ndarray] = None) -> None:
        self.coef, self.intercept, self.classes = coef, intercept, list(classes)
        self.entry_coef, self.entry_intercept = entry_coef, entry_intercept

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: Sequence[str], weights: Optional[np.ndarray] = None,
            entries: Optional[np.ndarray] = None, n_entries: int = 0) -> "TopicClassifier":
        """``entries``: per vector the entry it belongs to, -1 for none (the entry head skips those rows)."""
        classes = sorted(set(labels))
        column = {c: i for i, c in enumerate(classes)}
        w = np.ones(len(vectors)) if weights is None else np.asarray(weights, dtype=np.float64)
        coef, intercept = _ridge_softmax(vectors, np.array([column[l] for l in labels]), len(classes), w, cls.RIDGE)
        entry_coef = entry_intercept = None
        if entries is not None and n_entries:
            labelled = entries >= 0
            entry_coef, entry_intercept = _ridge_softmax(vectors[labelled], entries[labelled], n_entries,
                                                         w[labelled], cls.ENTRY_RIDGE)
        return cls(coef, intercept, classes, entry_coef, entry_intercept)

    def proba(self, vectors: np.ndarray) -> np.ndarray:
        return _softmax(vectors @ self.coef.T + self.intercept)

    def entry_proba(self, vectors: np.ndarray, n_entries: int) -> np.ndarray:
        if self.entry_coef is None:
            return np.zeros((len(vectors), n_entries))
        return _softmax(vectors @ self.entry_coef.T + self.entry_intercept)


def _ridge_softmax(vectors: np.ndarray, labels: np.ndarray, n_classes: int, weights: np.ndarray,
                   ridge: float) -> Tuple[np.ndarray, np.ndarray]:
    x = np.hstack([vectors.astype(np.float64), np.ones((len(vectors), 1))])
    weighted = x * weights[:, None]
    gram = weighted.T @ x + ridge * np.eye(x.shape[1])
    # X'W·onehot(labels), summed per class: no (rows × classes) target matrix for a large knowledge base.
    per_class = np.zeros((n_classes, x.shape[1]))
    np.add.at(per_class, labels, weighted)
    solution = np.linalg.solve(gram, per_class.T)
    return solution[:-1].T * TopicClassifier.TEMPERATURE, solution[-1] * TopicClassifier.TEMPERATURE


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


class BM25Matrix:
    """rank-bm25's Okapi scores as one sparse matrix product.

    ``BM25Okapi.get_scores`` loops over every document in Python for every query term (milliseconds per query,
    and training scores thousands of queries). Its score is linear in the query's term counts, so we lay its
    per-(term, document) weights, computed from the library's own idf, k1, b and lengths, into a matrix once.
    """

    def __init__(self, bm25) -> None:
        from scipy.sparse import csr_matrix

        doc_len = np.asarray(bm25.doc_len, dtype=np.float64)
        norm = bm25.k1 * (1 - bm25.b + bm25.b * doc_len / bm25.avgdl)
        self.vocabulary: Dict[str, int] = {}
        rows, cols, values = [], [], []
        for doc, freqs in enumerate(bm25.doc_freqs):
            for term, freq in freqs.items():
                rows.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                cols.append(doc)
                values.append((bm25.idf.get(term) or 0) * freq * (bm25.k1 + 1) / (freq + norm[doc]))
        self.matrix = csr_matrix((values, (rows, cols)), shape=(len(self.vocabulary), len(doc_len)))
        self.n_docs = len(doc_len)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        known = [self.vocabulary[t] for t in terms if t in self.vocabulary]
        if not known:
            return np.zeros(self.n_docs)
        return np.asarray(self.matrix[known].sum(axis=0)).ravel()


@dataclass
class Memory:
    """The real tuning questions the reranker has seen, as vectors with their labels: a question like one a
    customer asked before (same operator, same complaint) most likely wants the same entry, or none."""

    vectors: np.ndarray
    entries: np.ndarray  # entry index, -1 when no entry answers it
    topics: np.ndarray

    @classmethod
    def of(cls, prepared: Sequence["PreparedQuery"], dim: int = 512) -> "Memory":
        if not prepared:
            return cls(np.zeros((0, dim), dtype=np.float32), np.zeros(0, dtype=int), np.array([], dtype=str))
        return cls(np.stack([p.evidence.vector_full for p in prepared]),
                   np.array([-1 if p.query.entry_index is None else p.query.entry_index for p in prepared]),
                   np.array([p.query.topic or "" for p in prepared]))

    def similarities(self, vector: np.ndarray, n_entries: int, entry_topics: np.ndarray,
                     exclude: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray, float]:
        """Per entry: best cosine to a remembered question answered by it, and to one of its topic; and the
        best cosine to a remembered question nothing answers."""
        per_entry, per_topic, uncovered = np.zeros(n_entries), np.zeros(n_entries), 0.0
        if not len(self.vectors):
            return per_entry, per_topic, uncovered
        sims = self.vectors @ vector
        if exclude is not None:
            sims = sims.copy()
            sims[exclude] = -1.0
        covered = self.entries >= 0
        if covered.any():
            np.maximum.at(per_entry, self.entries[covered], np.clip(sims[covered], 0, None))
        for topic in set(self.topics.tolist()):
            best = float(np.clip(sims[self.topics == topic], 0, None).max())
            per_topic[entry_topics == topic] = best
        if (~covered).any():
            uncovered = float(np.clip(sims[~covered], 0, None).max())
        return per_entry, per_topic, uncovered


# -- calibration: how sure is the top entry? -----------------------------------------------------------------
# The reranker's probabilities are fitted per candidate, over all candidates of all training queries; how sure the
# top one is for *this* question depends on the whole list (a bare keyword scores several entries at 0.9, a real
# story one entry at 0.4 and the rest near 0). A second stage, fitted on the out-of-fold rankings of the real
# tuning half, turns the list into the probability that the top entry is the right one (:data:`QUERY_FEATURES`),
# and that each runner-up is (:data:`RIVAL_FEATURES`). Pure numpy at query time.
QUERY_FEATURES = (
    "top_logit", "top_gap", "top_share", "topic_best", "out_of_scope", "memory_uncovered", "related_in_menu",
    "focus_length", "memory_entry", "topic_of_top", "dense_top", "bm25_top", "bm25_margin", "bm25_gap", "dense_gap",
)
RIVAL_FEATURES = (
    "logit", "gap_to_top", "share", "second", "related", "topic", "memory_entry", "dense", "bm25",
    "topic_best", "out_of_scope", "memory_uncovered", "top_share",
)
# How many of the best hits a menu may show (ConfidencePolicy.max_candidates); the runner-up model is fitted on them.
MENU_WIDTH = 3
CALIBRATION_C = 0.3
# The thresholds are tuned on calibrated confidences from calibrators that never saw the question (5 folds),
# repeated over this many fold assignments so a threshold does not hinge on one lucky split.
CALIBRATION_REPEATS = 5
_COLUMN = {name: i for i, name in enumerate(FEATURES)}


def calibration_inputs(logits: np.ndarray, features: np.ndarray, topic_probs: np.ndarray, topic_classes: Sequence[str],
                       topics: Sequence[str], contrast: bool, focus: str) -> Tuple[np.ndarray, np.ndarray]:
    """The top model's row and the runner-up rows (ranks 2, 3, …) of one ranked list; ``logits``, ``features`` and
    ``topics`` are in the reranker's order, best first."""
    z = np.asarray(logits, dtype=np.float64)
    share = np.exp(z - z.max())
    share /= share.sum()
    x = features
    oos = float(topic_probs[list(topic_classes).index(OUT_OF_SCOPE)]) if OUT_OF_SCOPE in topic_classes else 0.0
    related = np.array([t == topics[0] for t in topics]) | contrast
    second = 1 if len(z) > 1 else 0
    top = np.array([
        z[0], z[0] - (z[1] if second else z[0] - 10.0), share[0], topic_probs.max(), oos,
        x[0, _COLUMN["memory_uncovered"]], float(related[1:MENU_WIDTH].sum()), np.log1p(len(focus)),
        x[0, _COLUMN["memory_entry"]], x[0, _COLUMN["topic_full"]], x[0, _COLUMN["dense_full"]],
        x[0, _COLUMN["bm25_full"]], x[0, _COLUMN["bm25_full"]] - (x[1, _COLUMN["bm25_full"]] if second else 0.0),
        x[0, _COLUMN["bm25_full_gap"]], x[0, _COLUMN["dense_full_gap"]],
    ])
    rivals = np.array([[
        z[i], z[0] - z[i], share[i], float(i == 1), float(related[i]), x[i, _COLUMN["topic_full"]],
        x[i, _COLUMN["memory_entry"]], x[i, _COLUMN["dense_full"]], x[i, _COLUMN["bm25_full"]],
        topic_probs.max(), oos, x[0, _COLUMN["memory_uncovered"]], share[0],
    ] for i in range(1, len(z))]).reshape(-1, len(RIVAL_FEATURES))
    return top, rivals


@dataclass
class Calibrator:
    """Two logistic models over :data:`QUERY_FEATURES` and :data:`RIVAL_FEATURES`: P(the top entry is the right
    one) and P(this runner-up is the right one). Confidences never rise down the list (the reranker's order)."""

    top_mean: np.ndarray
    top_scale: np.ndarray
    top_weights: np.ndarray
    top_bias: float
    rival_mean: np.ndarray
    rival_scale: np.ndarray
    rival_weights: np.ndarray
    rival_bias: float

    def confidences(self, top: np.ndarray, rivals: np.ndarray) -> np.ndarray:
        first = _sigmoid(((top - self.top_mean) / self.top_scale) @ self.top_weights + self.top_bias)
        rest = _sigmoid(((rivals - self.rival_mean) / self.rival_scale) @ self.rival_weights + self.rival_bias) \
            if len(rivals) else np.zeros(0)
        return np.minimum.accumulate(np.concatenate([[first], rest]))

    ARRAYS = ("top_mean", "top_scale", "top_weights", "rival_mean", "rival_scale", "rival_weights")

    def arrays(self) -> Dict[str, np.ndarray]:
        out = {f"calibrator_{name}": getattr(self, name) for name in self.ARRAYS}
        out["calibrator_biases"] = np.array([self.top_bias, self.rival_bias])
        return out

    @classmethod
    def from_arrays(cls, data) -> Optional["Calibrator"]:
        if "calibrator_biases" not in data:
            return None
        top_bias, rival_bias = (float(b) for b in data["calibrator_biases"])
        a = {name: data[f"calibrator_{name}"] for name in cls.ARRAYS}
        return cls(a["top_mean"], a["top_scale"], a["top_weights"], top_bias,
                   a["rival_mean"], a["rival_scale"], a["rival_weights"], rival_bias)


def tied_nearest_first(confidences: Sequence[float], dense: Sequence[float]) -> List[int]:
    """Positions best first: by confidence, and among hits of the same confidence (the calibrator caps a runner-up
    at the top's), the one nearest a stored wording of its own first — "快递丢了怎么赔" is equally likely to be
    the buyer's or the sender's question, and nearly repeats the sender's and the insured parcel's wordings."""
    return sorted(range(len(confidences)), key=lambda n: (-round(confidences[n], 6), -dense[n]))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _logistic(x: np.ndarray, y: np.ndarray) -> Optional[Tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    from sklearn.linear_model import LogisticRegression

    if len(x) == 0 or y.min() == y.max():
        return None
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=CALIBRATION_C, max_iter=3000).fit((x - mean) / scale, y)
    return mean, scale, model.coef_[0], float(model.intercept_[0])


def fit_calibrator(inputs: Sequence[Tuple[np.ndarray, np.ndarray]], gold_at: Sequence[int]) -> Optional[Calibrator]:
    """Fit on (top row, runner-up rows) per question; ``gold_at``: the right entry's rank (0 = top), -1 if none.
    None when the questions do not hold both outcomes (nothing to calibrate on)."""
    gold_at = np.asarray(gold_at)
    top = _logistic(np.stack([t for t, _ in inputs]) if inputs else np.zeros((0, len(QUERY_FEATURES))),
                    (gold_at == 0).astype(float))
    rows, labels = [], []
    for (_, rivals), g in zip(inputs, gold_at):
        for i, row in enumerate(rivals[:MENU_WIDTH - 1], 1):
            rows.append(row)
            labels.append(float(g == i))
    rival = _logistic(np.array(rows).reshape(-1, len(RIVAL_FEATURES)), np.array(labels))
    if top is None or rival is None:
        return None
    return Calibrator(*top, *rival)


def out_of_fold_confidences(inputs: Sequence[Tuple[np.ndarray, np.ndarray]], gold_at: Sequence[int],
                            seed: int, folds: int = FOLDS) -> Optional[List[np.ndarray]]:
    """Each question's calibrated confidences from a calibrator fitted on the other folds."""
    out: List[Optional[np.ndarray]] = [None] * len(inputs)
    order = np.random.RandomState(seed).permutation(len(inputs))
    for f in range(folds):
        held = order[f::folds]
        held_set = set(held.tolist())
        training = [j for j in range(len(inputs)) if j not in held_set]
        calibrator = fit_calibrator([inputs[j] for j in training], [gold_at[j] for j in training])
        if calibrator is None:
            return None
        for j in held:
            out[j] = calibrator.confidences(*inputs[j])
    return out  # type: ignore[return-value]


@dataclass
class RerankModel:
    topic: TopicClassifier
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    mask: np.ndarray
    memory: Memory
    thresholds: Dict[str, float] = field(default_factory=dict)
    # None without real tuning questions: hits then carry the reranker's own probabilities.
    calibrator: Optional[Calibrator] = None
    # Out-of-fold figures from training (risk–coverage table, the chosen policy's figures), for `kb bench`.
    report: Dict[str, object] = field(default_factory=dict)

    def logits(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale * self.mask) @ self.weights + self.bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return _sigmoid(self.logits(features))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(
            tmp, topic_coef=self.topic.coef, topic_intercept=self.topic.intercept,
            topic_classes=np.array(self.topic.classes),
            **({"entry_coef": self.topic.entry_coef, "entry_intercept": self.topic.entry_intercept}
               if self.topic.entry_coef is not None else {}),
            mean=self.mean, scale=self.scale, weights=self.weights,
            bias=np.array([self.bias]), mask=self.mask, thresholds=np.array(json.dumps(self.thresholds)),
            memory_vectors=self.memory.vectors, memory_entries=self.memory.entries, memory_topics=self.memory.topics,
            report=np.array(json.dumps(self.report, ensure_ascii=False)),
            **(self.calibrator.arrays() if self.calibrator else {}),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "RerankModel":
        data = np.load(path, allow_pickle=False)
        topic = TopicClassifier(data["topic_coef"], data["topic_intercept"], [str(c) for c in data["topic_classes"]],
                                data["entry_coef"] if "entry_coef" in data else None,
                                data["entry_intercept"] if "entry_intercept" in data else None)
        memory = Memory(data["memory_vectors"], data["memory_entries"], data["memory_topics"])
        return cls(topic, data["mean"], data["scale"], data["weights"], float(data["bias"][0]), data["mask"],
                   memory, json.loads(str(data["thresholds"])), Calibrator.from_arrays(data),
                   json.loads(str(data["report"])) if "report" in data else {})


class RerankingRetriever:
    """The bot's retriever (see the module docstring). ``search`` returns hits whose ``confidence`` is the
    reranker's probability that the entry answers the question."""

    def __init__(self, bm25: BM25Retriever, dense: DenseRetriever, model_name: str,
                 tune_file: Optional[Path] = REAL_TUNE_FILE, cache_dir: Optional[Path] = None) -> None:
        self.bm25, self.dense = bm25, dense
        self.kb = bm25.corpus.kb
        self.facts = EntryFacts(self.kb)
        self.bm25_matrix = BM25Matrix(bm25._bm25)
        self._entry_topics = np.array(self.facts.topics)
        questions = load_training_questions(tune_file, self.kb) if tune_file else []
        key = hashlib.sha256(
            f"{TRAINING_VERSION}|{self.kb.fingerprint}|{model_name}|{_file_digest(tune_file)}".encode()
        ).hexdigest()[:16]
        path = (cache_dir or index_dir()) / f"rerank-{key}.npz"
        if path.exists():
            self.model = RerankModel.load(path)
        else:
            log.info("training the reranker on %d stored wordings and %d real questions",
                     sum(len(e.texts) for e in self.kb.entries), len(questions))
            self.model = train(self, questions)
            self.model.save(path)

    # -- evidence ---------------------------------------------------------------------------------------
    def evidence(self, text: str, exclude_text: Optional[int] = None, vector: Optional[np.ndarray] = None,
                 expansion: bool = True, vector_focus: Optional[np.ndarray] = None) -> QueryEvidence:
        reading = read(text)
        focus_text = reading.focus_matching_text
        if vector is None:
            vector = self.dense.embed_query(text)
        if vector_focus is None:
            vector_focus = vector if focus_text == text else self.dense.embed_query(focus_text)
        dense_full, dense_answer = self._dense(vector, exclude_text)
        dense_focus, _ = self._dense(vector_focus, exclude_text)
        bm25_full = self._bm25(text, exclude_text, expansion)
        bm25_focus = bm25_full if focus_text == text else self._bm25(focus_text, exclude_text, expansion)
        fused = (_rrf(dense_full + 0.5 * dense_answer) + _rrf(dense_focus) + _rrf(bm25_full) + _rrf(bm25_focus))
        candidates = np.argsort(-fused, kind="stable")[:CANDIDATES]
        return QueryEvidence(reading, vector, vector_focus, dense_full, dense_focus, dense_answer, bm25_full,
                             bm25_focus, candidates)

    def _dense(self, vector: np.ndarray, exclude_text: Optional[int]) -> Tuple[np.ndarray, np.ndarray]:
        """Per entry: the best wording's cosine and the answer's (exact, or through HNSW on a large base)."""
        return self.dense.index.cosines(vector, exclude_text)

    def _bm25(self, text: str, exclude_text: Optional[int], expansion: bool) -> np.ndarray:
        corpus = self.bm25.corpus
        terms = self.bm25.segmenter.terms(text)
        if expansion:
            terms = terms + expand(terms, self.kb)
        if not terms:
            return np.zeros(len(self.kb))
        per_text = self.bm25_matrix.scores(terms) / len(terms)
        if exclude_text is not None:
            per_text = per_text.copy()
            per_text[exclude_text] = 0.0
        n = len(corpus.wording_owners)
        best = np.zeros(len(self.kb))
        np.maximum.at(best, corpus.wording_owners, per_text[:n])
        return best

    def features(self, ev: QueryEvidence, topic: TopicClassifier, memory: Optional[Memory] = None,
                 exclude_memory: Optional[int] = None) -> np.ndarray:
        """One row per candidate, columns in :data:`FEATURES` order."""
        c = ev.candidates
        if ev.static is None:
            ev.static = self._static_features(ev)
        columns = dict(ev.static)
        memory = memory if memory is not None else Memory.of([])
        mem_entry, mem_topic, mem_uncovered = memory.similarities(
            ev.vector_full, len(self.kb), self._entry_topics, exclude_memory)
        columns["memory_entry"] = mem_entry[c]
        columns["memory_topic"] = mem_topic[c]
        columns["memory_uncovered"] = np.full(len(c), mem_uncovered)
        columns["memory_entry_gap"] = mem_entry[c] - (mem_entry[c].max() if len(c) else 0.0)
        probs = topic.proba(np.stack([ev.vector_full, ev.vector_focus]))
        column = {name: i for i, name in enumerate(topic.classes)}
        entry_columns = np.array([column.get(t, -1) for t in self.facts.topics])[c]
        columns["topic_full"] = np.where(entry_columns >= 0, probs[0][entry_columns], 0.0)
        columns["topic_focus"] = np.where(entry_columns >= 0, probs[1][entry_columns], 0.0)
        columns["topic_is_best"] = (self._entry_topics[c] == topic.classes[int(probs[0].argmax())]).astype(float)
        columns["out_of_scope"] = np.full(len(c), probs[0][column[OUT_OF_SCOPE]] if OUT_OF_SCOPE in column else 0.0)
        entry_probs = topic.entry_proba(np.stack([ev.vector_full, ev.vector_focus]), len(self.kb))
        columns["entry_full"] = entry_probs[0][c]
        columns["entry_focus"] = entry_probs[1][c]
        columns["entry_gap"] = entry_probs[0][c] - (entry_probs[0][c].max() if len(c) else 0.0)
        return np.column_stack([columns[name] for name in FEATURES])

    def _static_features(self, ev: QueryEvidence) -> Dict[str, np.ndarray]:
        """The columns that depend on the query and the knowledge base only (cached on the evidence)."""
        c, reading = ev.candidates, ev.reading
        ranked = {name: _rrf(scores)[c] * RRF_K for name, scores in (
            ("rrf_dense_full", ev.dense_full + 0.5 * ev.dense_answer), ("rrf_dense_focus", ev.dense_focus),
            ("rrf_bm25_full", ev.bm25_full), ("rrf_bm25_focus", ev.bm25_focus))}
        facts = self.facts
        return {
            "dense_full": ev.dense_full[c], "dense_focus": ev.dense_focus[c], "dense_answer": ev.dense_answer[c],
            "dense_full_gap": ev.dense_full[c] - ev.dense_full.max(),
            "dense_focus_gap": ev.dense_focus[c] - ev.dense_focus.max(),
            "bm25_full": ev.bm25_full[c], "bm25_focus": ev.bm25_focus[c],
            "bm25_full_gap": ev.bm25_full[c] - ev.bm25_full.max(),
            "bm25_focus_gap": ev.bm25_focus[c] - ev.bm25_focus.max(),
            **ranked,
            "act_match": np.array([float(bool(reading.acts & facts.acts[i])) for i in c]),
            "act_missing": np.array([float(bool(reading.acts) and not (reading.acts & facts.acts[i])) for i in c]),
            "denied_concept": np.array([float(bool(reading.negated & facts.concepts[i])) for i in c]),
            "role_match": np.array([float(bool(reading.roles & facts.roles[i])) for i in c]),
            "role_conflict": np.array([float(_role_conflict(reading.roles, facts.roles[i])) for i in c]),
            "focus_share": np.full(len(c), len(reading.focus) / max(1, len(reading.text))),
        }

    # -- search -----------------------------------------------------------------------------------------
    def search(self, query: str, k: int = 5) -> List[Hit]:
        return self.rank(query, k)[0]

    def rank(self, query: str, k: int = 5) -> Tuple[List[Hit], Optional[str]]:
        """The best k hits, and the topic the classifier believes the question is about (may be out_of_scope).

        Hits are in :meth:`order`; ``score`` is the reranker's probability, ``confidence`` the calibrated probability
        that this hit is the right entry for this question (:class:`Calibrator`; the reranker's probability when
        there is no calibrator), never rising down the list.
        """
        query = normalise(query)
        if not query:
            return [], None
        ev = self.evidence(query)
        features = self.features(ev, self.model.topic, self.model.memory)
        logits = self.model.logits(features)
        probabilities = _sigmoid(logits)
        topic_probs = self.model.topic.proba(ev.vector_full[None, :])[0]
        order = self.order(ev, probabilities, topic_probs, self.model.topic.classes)
        if self.model.calibrator is not None and len(order):
            confidences = self.model.calibrator.confidences(*self.calibration_inputs(
                ev, order, logits, features, topic_probs, self.model.topic.classes))
        else:
            confidences = probabilities[order]
        shown = tied_nearest_first(confidences, ev.dense_full[ev.candidates[order]])[:k]
        hits = [
            Hit(self.kb.entries[ev.candidates[order[n]]], float(probabilities[order[n]]),
                bm25=float(ev.bm25_full[ev.candidates[order[n]]]), dense=float(ev.dense_full[ev.candidates[order[n]]]),
                confidence=float(confidences[n]))
            for n in shown
        ]
        topic = self.model.topic.classes[int(topic_probs.argmax())]
        return hits, topic

    def order(self, ev: QueryEvidence, probabilities: np.ndarray, topic_probs: np.ndarray,
              topic_classes: Sequence[str]) -> np.ndarray:
        """The candidates' positions, best first: by the reranker's probability, except that when the topic
        classifier's best in-scope topic is not the top's, the best candidate of that topic among the first
        :data:`TOPIC_WINDOW` goes first if it is at least :data:`TOPIC_PROMOTION` as likely as the top.

        The topic head sees the whole question; the reranker weighs each entry's wording and often crowns an entry
        of a neighbouring topic by a hair. On fresh real questions (the tuning supplement, out of fold) this kept
        entry hit@1 (0.414) and raised topic hit@1 from 0.627 to 0.647 (ratios 0.3 / 0.5 / 0.7 / 0.9: hit@1 0.408 /
        0.414 / 0.417 / 0.414, topic hit@1 0.649 / 0.647 / 0.642 / 0.629; measured before the negation and role guard).
        """
        order = np.argsort(-probabilities, kind="stable")
        classes = list(topic_classes)
        in_scope = [k for k in np.argsort(-topic_probs) if classes[k] != OUT_OF_SCOPE]
        if not len(order) or not in_scope:
            return order
        believed = classes[in_scope[0]]
        facts, reading = self.facts, ev.reading
        if facts.topics[ev.candidates[order[0]]] == believed:
            return order
        for n, position in enumerate(order[1:TOPIC_WINDOW], 1):
            entry = ev.candidates[position]
            # The topic head reads words, not negation or roles: never promote an entry about a denied concept
            # ("没有质量问题" is not a defect question) or one serving another role.
            if reading.negated & facts.concepts[entry] or _role_conflict(reading.roles, facts.roles[entry]):
                continue
            if facts.topics[entry] == believed and \
                    probabilities[position] >= TOPIC_PROMOTION * probabilities[order[0]]:
                return np.concatenate([[position], order[:n], order[n + 1:]])
        return order

    def calibration_inputs(self, ev: QueryEvidence, order: np.ndarray, logits: np.ndarray, features: np.ndarray,
                           topic_probs: np.ndarray, topic_classes: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        """:func:`calibration_inputs` of one query; ``order``: the candidates' positions, best first."""
        return calibration_inputs(logits[order], features[order], topic_probs, topic_classes,
                                  [self.facts.topics[i] for i in ev.candidates[order]], ev.reading.contrast,
                                  ev.reading.focus)

    def reading(self, query: str) -> Reading:
        return read(normalise(query))


def _role_conflict(asked: frozenset, served: frozenset) -> bool:
    """The asker's role is one the entry does not serve: a parcel's sender against a buyer-side entry."""
    if "sender" in asked and "buyer" in served and "sender" not in served:
        return True
    if "buyer" in asked and "sender" in served and "buyer" not in served:
        return True
    # Bought online against an entry about shops, and the other way round.
    for mine, other in (("online_buyer", "store_buyer"), ("store_buyer", "online_buyer")):
        if mine in asked and other not in asked and other in served and mine not in served:
            return True
    return False


def _rrf(scores: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)


def _file_digest(path: Optional[Path]) -> str:
    if not path or not path.exists():
        return "none"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# -- query expansion ----------------------------------------------------------------------------------------
# Customers' words for the domain terms in the jieba dictionary (knowledge/jieba/domain_terms.txt, built from
# the entries' ``terms``). A query that says 坏了 also looks for 质量问题; BM25 then meets entries written in
# the law's vocabulary. Only terms the knowledge base actually uses are added.
SYNONYMS: Dict[str, Tuple[str, ...]] = {
    "坏了": ("质量问题", "三包"), "坏": ("质量问题",), "故障": ("质量问题", "三包"), "保修": ("三包",),
    "假货": ("欺诈", "假冒", "退一赔三"), "假的": ("假货", "欺诈"), "冒牌": ("假冒", "欺诈"), "骗": ("欺诈",),
    "消协": ("消费者协会", "调解"), "工商": ("市场监管", "12315"), "告": ("起诉", "投诉"),
    "退钱": ("退款",), "不想要": ("七天无理由退货", "退货"), "不喜欢": ("七天无理由退货", "退货"),
    "寄": ("寄件", "快递"), "快递": ("快递",), "丢了": ("丢件", "丢失"),
    "扣钱": ("扣费", "自动续费"), "扣费": ("自动续费",), "续费": ("自动续费",),
    "办卡": ("预付卡", "充值"), "充值": ("预付卡",), "跑路": ("预付卡", "关门"),
    "过期": ("过期食品", "食品安全"), "吃出": ("食品安全", "异物"),
    "话费": ("电信", "运营商"), "宽带": ("运营商",), "工信部": ("电信用户申诉受理中心", "申诉"),
    "泄露": ("个人信息",), "推销电话": ("骚扰电话", "个人信息"),
    "人工": ("人工客服", "转人工"), "真人": ("人工客服",),
    "霸王条款": ("格式条款",), "概不退换": ("格式条款",), "解释权": ("格式条款", "最终解释权"),
    "培训": ("服务合同",), "装修": ("服务合同",), "旅行社": ("旅游", "服务合同"), "美容": ("服务合同",),
}


def expand(terms: Sequence[str], kb: KnowledgeBase) -> List[str]:
    vocabulary = _vocabulary(kb)
    added = []
    for term in terms:
        for synonym in SYNONYMS.get(term, ()):
            if synonym in vocabulary and synonym not in terms:
                added.append(synonym)
    return added


_VOCABULARY_CACHE: Dict[str, frozenset] = {}


def _vocabulary(kb: KnowledgeBase) -> frozenset:
    words = _VOCABULARY_CACHE.get(kb.fingerprint)
    if words is None:
        text = "".join(normalise(t) for e in kb.entries for t in (*e.texts, e.answer))
        words = frozenset(s for values in SYNONYMS.values() for s in values if s in text)
        _VOCABULARY_CACHE[kb.fingerprint] = words
    return words


# -- training ------------------------------------------------------------------------------------------------
class TrainingDataError(ValueError):
    pass


def load_training_questions(path: Optional[Path], kb: KnowledgeBase) -> List[TrainingQuery]:
    """The real tuning half as training queries; lines naming an entry the knowledge base no longer has are
    skipped (the labels are fixed up by the benchmark owner; training must not stop the bot from starting)."""
    if not path or not path.exists():
        return []
    index = {e.id: i for i, e in enumerate(kb.entries)}
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            log.warning("%s:%d: not JSON, skipped for training", path, number)
            continue
        entry_id, topic = raw.get("entry_id"), raw.get("topic")
        if entry_id is not None and entry_id not in index:
            log.warning("%s:%d: unknown entry %r, skipped for training", path, number, entry_id)
            continue
        if not isinstance(raw.get("text"), str) or not raw["text"].strip():
            continue
        out.append(TrainingQuery(normalise(raw["text"]), index.get(entry_id), topic, REAL_QUESTION_WEIGHT))
    return out


def wording_queries(kb: KnowledgeBase) -> List[TrainingQuery]:
    queries, text_index = [], 0
    for i, entry in enumerate(kb.entries):
        for text in entry.texts:
            queries.append(TrainingQuery(normalise(text), i, entry.topic, 1.0, exclude_text=text_index))
            text_index += 1
    return queries


@dataclass
class PreparedQuery:
    query: TrainingQuery
    evidence: QueryEvidence


def prepare(retriever: RerankingRetriever, queries: Sequence[TrainingQuery], expansion: bool = True) -> List[PreparedQuery]:
    corpus_vectors = retriever.dense.vectors
    # Encode in batches: one call per query would dominate training time.
    vectors = retriever.dense.encode([q.text[:MAX_QUERY_CHARS] for q in queries if q.exclude_text is None]) \
        if any(q.exclude_text is None for q in queries) else np.zeros((0, corpus_vectors.shape[1]))
    focus_texts = [read(q.text).focus_matching_text for q in queries]
    focus_vectors = retriever.dense.encode([f[:MAX_QUERY_CHARS] for f in focus_texts]) if queries else vectors
    prepared, fresh = [], iter(vectors)
    for q, focus_text, focus_vector in zip(queries, focus_texts, focus_vectors):
        vector = corpus_vectors[q.exclude_text] if q.exclude_text is not None else next(fresh)
        if focus_text == q.text:
            focus_vector = vector
        prepared.append(PreparedQuery(q, retriever.evidence(q.text, q.exclude_text, vector, expansion, focus_vector)))
    return prepared


def fit_topic(retriever: RerankingRetriever, real: Sequence[PreparedQuery],
              left_out_texts: Sequence[int] = ()) -> TopicClassifier:
    """Topics (and entries) from the stored wordings, the answers and the real questions (which bring
    ``out_of_scope``, and questions nothing answers, which the entry head leaves out)."""
    dense = retriever.dense
    entries = retriever.kb.entries
    owners = np.concatenate([np.asarray(dense.corpus.wording_owners, dtype=int), np.arange(len(entries))])
    labels = np.array([entries[i].topic for i in owners], dtype=object)
    keep = np.ones(len(dense.vectors), dtype=bool)
    keep[list(left_out_texts)] = False
    vectors, names, weights, owned = [dense.vectors[keep]], list(labels[keep]), [np.ones(int(keep.sum()))], [owners[keep]]
    labelled = [p for p in real if p.query.topic]
    if labelled:
        vectors.append(np.stack([p.evidence.vector_full for p in labelled]))
        names += [p.query.topic for p in labelled]
        weights.append(np.full(len(labelled), REAL_QUESTION_WEIGHT))
        owned.append(np.array([-1 if p.query.entry_index is None else p.query.entry_index for p in labelled]))
    return TopicClassifier.fit(np.concatenate(vectors), names, np.concatenate(weights), np.concatenate(owned),
                               len(entries))


def out_of_fold_topics(retriever: RerankingRetriever, wordings: Sequence[PreparedQuery],
                       real: Sequence[PreparedQuery]) -> Tuple[List[TopicClassifier], List[TopicClassifier], List[np.ndarray]]:
    """One topic classifier per fold, and for each query the one that never saw it.

    A classifier that has seen a query is over-sure of its topic; a reranker trained on such features would
    learn to trust the topic belief far more than it deserves on new questions.
    """
    wording_folds, real_folds = folds_of(len(wordings)), folds_of(len(real))
    wording_topic: List[Optional[TopicClassifier]] = [None] * len(wordings)
    real_topic: List[Optional[TopicClassifier]] = [None] * len(real)
    for wf, rf in zip(wording_folds, real_folds):
        held = set(rf.tolist())
        classifier = fit_topic(retriever, [p for j, p in enumerate(real) if j not in held],
                               [wordings[j].query.exclude_text for j in wf])
        for j in wf:
            wording_topic[j] = classifier
        for j in rf:
            real_topic[j] = classifier
    return wording_topic, real_topic, real_folds  # type: ignore[return-value]


def fit_reranker(retriever: RerankingRetriever, wordings: Sequence[PreparedQuery], real: Sequence[PreparedQuery],
                 topics: Sequence[TopicClassifier], final_topic: TopicClassifier,
                 ablation: Ablation = Ablation()) -> RerankModel:
    """Fit the reranker; ``topics`` gives each query (wordings, then real) a topic classifier that never saw it.
    Each real question is scored against the memory of the other real questions."""
    from sklearn.linear_model import LogisticRegression

    memory = Memory.of(real if ablation.memory else [])
    xs, ys, ws = [], [], []
    for n, (p, topic) in enumerate(zip([*wordings, *real], topics)):
        exclude = n - len(wordings) if n >= len(wordings) and ablation.memory else None
        features = retriever.features(p.evidence, topic, memory, exclude)
        labels = (p.evidence.candidates == p.query.entry_index).astype(float) if p.query.entry_index is not None \
            else np.zeros(len(p.evidence.candidates))
        xs.append(features)
        ys.append(labels)
        ws.append(np.full(len(labels), p.query.weight))
    x, y, w = np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    mask = ablation.mask().astype(float)
    model = LogisticRegression(C=1.0, max_iter=3000).fit((x - mean) / scale * mask, y, sample_weight=w)
    return RerankModel(final_topic, mean, scale, model.coef_[0], float(model.intercept_[0]), mask, memory)


def train(retriever: RerankingRetriever, real: Sequence[TrainingQuery], ablation: Ablation = Ablation()) -> RerankModel:
    """Train on the stored wordings plus the real questions; then, on the real questions' out-of-fold rankings,
    fit the calibrator and tune the decision thresholds (:func:`calibrate`)."""
    wordings = prepare(retriever, wording_queries(retriever.kb), ablation.expansion)
    prepared_real = prepare(retriever, real, ablation.expansion) if ablation.real_questions else []
    wording_topic, real_topic, _ = out_of_fold_topics(retriever, wordings, prepared_real)
    final_topic = fit_topic(retriever, prepared_real)
    model = fit_reranker(retriever, wordings, prepared_real, [*wording_topic, *real_topic], final_topic, ablation)
    if prepared_real:
        out_of_fold = held_out_rankings(retriever, wordings, prepared_real, ablation,
                                   (wording_topic, real_topic, folds_of(len(prepared_real))))
        calibrate(model, retriever, prepared_real, [r for r, _ in out_of_fold], [i for _, i in out_of_fold])
    return model


def calibrate(model: RerankModel, retriever: RerankingRetriever, real: Sequence[PreparedQuery],
              ranked: Sequence[List[Tuple[int, float]]], inputs: Sequence[Tuple[np.ndarray, np.ndarray]]) -> None:
    """Fit the calibrator on the out-of-fold rankings of the real questions and tune the thresholds on calibrated
    confidences that are themselves out of fold (a calibrator never scores a question it was fitted on)."""
    from bot.knowledge.decision import risk_coverage, tune_thresholds

    queries = [p.query for p in real]
    gold_at = [next((n for n, (i, _) in enumerate(r) if i == q.entry_index), -1) if q.entry_index is not None else -1
               for r, q in zip(ranked, queries)]
    # The near-repeat rule's evidence: the top's reranker probability and the best hits' cosines to their wordings.
    wording = [(r[0][1] if r else 0.0, [float(p.evidence.dense_full[i]) for i, _ in r[:MENU_WIDTH]])
               for p, r in zip(real, ranked)]
    raw_coverage = risk_coverage(ranked, queries, retriever)
    calibrator = fit_calibrator(inputs, gold_at)
    repeats = [out_of_fold_confidences(inputs, gold_at, seed) for seed in range(CALIBRATION_REPEATS)] \
        if calibrator is not None else []
    if calibrator is None or any(r is None for r in repeats):
        chosen: Dict[str, object] = {}
        model.thresholds = tune_thresholds(ranked, queries, retriever, wording, chosen)
        model.report = {"questions": len(queries), "raw coverage": raw_coverage, "chosen policy": chosen}
        return
    # The repeats are stacked: every rate below is the mean over the fold assignments.
    calibrated = [[(i, float(c)) for (i, _), c in zip(ranking, confidences)]
                  for run in repeats for ranking, confidences in zip(ranked, run)]  # type: ignore[union-attr]
    chosen = {}
    model.calibrator = calibrator
    model.thresholds = tune_thresholds(calibrated, queries * len(repeats), retriever, wording * len(repeats), chosen)
    model.report = {
        "questions": len(queries), "repeats": len(repeats), "raw coverage": raw_coverage,
        "calibrated coverage": risk_coverage(calibrated, queries * len(repeats), retriever), "chosen policy": chosen,
    }


def folds_of(n: int, folds: int = FOLDS) -> List[np.ndarray]:
    order = np.random.RandomState(0).permutation(n)
    return [order[f::folds] for f in range(folds)]


def cross_validated_rankings(retriever: RerankingRetriever, wordings: Sequence[PreparedQuery],
                             real: Sequence[PreparedQuery], ablation: Ablation = Ablation(),
                             topics=None) -> List[List[Tuple[int, float]]]:
    """For every real question, the reranked (entry index, probability) list from a reranker that never saw it
    and topic features from a classifier that never saw it (``topics``: out-of-fold classifiers already fitted)."""
    return [ranking for ranking, _ in held_out_rankings(retriever, wordings, real, ablation, topics)]


def held_out_rankings(retriever: RerankingRetriever, wordings: Sequence[PreparedQuery], real: Sequence[PreparedQuery],
                      ablation: Ablation = Ablation(), topics=None
                      ) -> List[Tuple[List[Tuple[int, float]], Tuple[np.ndarray, np.ndarray]]]:
    """Per real question: the out-of-fold ranking and its calibration inputs (:func:`calibration_inputs`)."""
    wording_topic, real_topic, real_folds = topics or out_of_fold_topics(retriever, wordings, real)
    out: List = [None] * len(real)
    for held in real_folds:
        held_set = set(held.tolist())
        training = [j for j in range(len(real)) if j not in held_set]
        model = fit_reranker(retriever, wordings, [real[j] for j in training],
                             [*wording_topic, *(real_topic[j] for j in training)], real_topic[held[0]], ablation)
        for j in held:
            ev = real[j].evidence
            features = retriever.features(ev, real_topic[j], model.memory)
            logits = model.logits(features)
            probabilities = _sigmoid(logits)
            topic_probs = real_topic[j].proba(ev.vector_full[None, :])[0]
            order = retriever.order(ev, probabilities, topic_probs, real_topic[j].classes)
            out[j] = ([(int(ev.candidates[o]), float(probabilities[o])) for o in order],
                      retriever.calibration_inputs(ev, order, logits, features, topic_probs, real_topic[j].classes))
    return out
