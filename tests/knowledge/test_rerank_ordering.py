"""The reranker's ordering rules: the entry head, the topic-consistent top, equally confident hits nearest first."""
from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.rerank import (
    OUT_OF_SCOPE, TOPIC_PROMOTION, TOPIC_WINDOW, Memory, QueryEvidence, RerankModel, TopicClassifier, _role_conflict,
    tied_nearest_first,
)

# -- the entry head (TopicClassifier.fit with entries) ---------------------------------------------------------
DIM = 16
N_ENTRIES = 4  # entry 3 is what only the unlabelled rows (-1) would describe


def _cloud(rng, centre, n):
    """n unit vectors around a centre, like the dense encoder's normalised vectors."""
    rows = centre + 0.15 * rng.standard_normal((n, DIM))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def synthetic():
    """Entries 0–2 with six wordings each (topics a, a, b), of uneven weight; between them, six questions (weight 4)
    near a fourth direction that nothing answers (entry -1, out of scope)."""
    rng = np.random.RandomState(7)
    centres = rng.standard_normal((N_ENTRIES, DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = np.concatenate([_cloud(rng, centres[k], 6) for k in (0, 3, 1, 2)])
    entries = np.repeat([0, -1, 1, 2], 6)
    labels = ["a"] * 6 + [OUT_OF_SCOPE] * 6 + ["a"] * 6 + ["b"] * 6
    weights = np.where(entries < 0, 4.0, rng.uniform(0.5, 2.0, len(entries)))
    return vectors, labels, weights, entries


def test_entry_head_puts_each_entrys_rows_on_that_entry(synthetic):
    vectors, labels, weights, entries = synthetic
    topic = TopicClassifier.fit(vectors, labels, weights, entries, N_ENTRIES)
    labelled = entries >= 0
    probs = topic.entry_proba(vectors[labelled], N_ENTRIES)
    assert probs.shape == (labelled.sum(), N_ENTRIES)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert probs.argmax(axis=1).tolist() == entries[labelled].tolist()


def test_entry_head_skips_rows_without_an_entry(synthetic):
    vectors, labels, weights, entries = synthetic
    topic = TopicClassifier.fit(vectors, labels, weights, entries, N_ENTRIES)
    unlabelled = entries < 0
    probs = topic.entry_proba(vectors[unlabelled], N_ENTRIES)
    # Entry 3 is never learned: the questions nothing answers do not make it the answer to themselves …
    assert (probs.argmax(axis=1) != 3).all()
    assert (probs[:, 3] < 1.0 / N_ENTRIES).all()
    # … though the same rows labelled with entry 3 would have taught it.
    taught = TopicClassifier.fit(vectors, labels, weights, np.where(unlabelled, 3, entries), N_ENTRIES)
    assert (taught.entry_proba(vectors[unlabelled], N_ENTRIES).argmax(axis=1) == 3).all()
    # The head is exactly the one fitted on the labelled rows (and their weights) alone.
    alone = TopicClassifier.fit(vectors[~unlabelled], [l for l, u in zip(labels, unlabelled) if not u],
                                weights[~unlabelled], entries[~unlabelled], N_ENTRIES)
    assert np.allclose(topic.entry_proba(vectors, N_ENTRIES), alone.entry_proba(vectors, N_ENTRIES))


@pytest.mark.parametrize("entries, n_entries", [(None, 0), (None, N_ENTRIES), ("given", 0)])
def test_without_an_entry_head_entry_proba_is_zeros(synthetic, entries, n_entries):
    vectors, labels, weights, labelled = synthetic
    topic = TopicClassifier.fit(vectors, labels, weights, labelled if entries == "given" else None, n_entries)
    assert topic.entry_coef is None
    probs = topic.entry_proba(vectors[:5], 9)
    assert probs.shape == (5, 9)
    assert not probs.any()
    # The topic head is there all the same.
    assert topic.proba(vectors[:5]).shape == (5, 3)


def _model(topic: TopicClassifier) -> RerankModel:
    n = 30
    return RerankModel(topic, np.zeros(n), np.ones(n), np.linspace(-1, 1, n), 0.25, np.ones(n), Memory.of([], dim=DIM))


def test_entry_head_survives_save_and_load(synthetic, tmp_path):
    vectors, labels, weights, entries = synthetic
    topic = TopicClassifier.fit(vectors, labels, weights, entries, N_ENTRIES)
    path = tmp_path / "rerank.npz"
    _model(topic).save(path)
    loaded = RerankModel.load(path).topic
    assert loaded.entry_coef is not None
    assert np.array_equal(loaded.entry_proba(vectors, N_ENTRIES), topic.entry_proba(vectors, N_ENTRIES))
    assert np.array_equal(loaded.proba(vectors), topic.proba(vectors))
    assert loaded.classes == topic.classes


def test_a_model_without_entry_head_loads_without_one(synthetic, tmp_path):
    vectors, labels, weights, _ = synthetic
    path = tmp_path / "rerank.npz"
    _model(TopicClassifier.fit(vectors, labels, weights)).save(path)
    loaded = RerankModel.load(path).topic
    assert loaded.entry_coef is None and loaded.entry_intercept is None
    assert not loaded.entry_proba(vectors, N_ENTRIES).any()


# -- the topic-consistent top (RerankingRetriever.order) -------------------------------------------------------
PLAIN = "收到的衣服不想要了，可以退吗"  # denies nothing, names no role


@pytest.fixture(scope="module")
def retriever(knowledge_service):
    return knowledge_service.retriever


@pytest.fixture(scope="module")
def index(knowledge_service):
    return {e.id: i for i, e in enumerate(knowledge_service.kb.entries)}


def _evidence(retriever, index, question, ids):
    """What ``order`` reads of a query: its reading and the candidates (entry indices, first-stage order)."""
    empty = np.zeros(0)
    return QueryEvidence(retriever.reading(question), empty, empty, empty, empty, empty, empty, empty,
                         np.array([index[i] for i in ids]))


def _beliefs(classes, **probs):
    """The topic classifier's probabilities: the named topics as given, the rest sharing what is left."""
    assert set(probs) <= set(classes)
    rest = (1.0 - sum(probs.values())) / (len(classes) - len(probs))
    return np.array([probs.get(c, rest) for c in classes])


def _order(retriever, index, question, candidates, **beliefs):
    """``candidates``: (entry id, reranker probability) in first-stage order; returns the ordered entry ids."""
    ids = [i for i, _ in candidates]
    ev = _evidence(retriever, index, question, ids)
    classes = retriever.model.topic.classes
    order = retriever.order(ev, np.array([p for _, p in candidates]), _beliefs(classes, **beliefs), classes)
    assert sorted(order.tolist()) == list(range(len(ids)))
    return [ids[n] for n in order]


def test_order_is_the_rerankers_when_the_top_has_the_believed_topic(retriever, index):
    ordered = _order(retriever, index, PLAIN, [
        ("express_delivery_03", 0.30), ("return_7day_01", 0.80), ("quality_sanbao_01", 0.85),
        ("return_7day_02", 0.70), ("quality_sanbao_03", 0.60),
    ], quality_sanbao=0.6, return_7day=0.3)
    # The top (quality_sanbao_01) is of the believed topic: nothing moves, not even the believed topic's next.
    assert ordered == ["quality_sanbao_01", "return_7day_01", "return_7day_02", "quality_sanbao_03",
                       "express_delivery_03"]


def test_best_candidate_of_the_believed_topic_goes_first(retriever, index):
    ordered = _order(retriever, index, PLAIN, [
        ("quality_sanbao_01", 0.80), ("express_delivery_03", 0.70), ("return_7day_02", 0.50),
        ("return_7day_01", 0.60), ("quality_sanbao_03", 0.30),
    ], return_7day=0.6, quality_sanbao=0.3)
    # return_7day_01 is the believed topic's best (0.60 ≥ 0.5 × 0.80); the rest keep the reranker's order.
    assert ordered == ["return_7day_01", "quality_sanbao_01", "express_delivery_03", "return_7day_02",
                       "quality_sanbao_03"]


@pytest.mark.parametrize("share, promoted", [
    (lambda top: TOPIC_PROMOTION * top, True),  # exactly at the ratio
    (lambda top: np.nextafter(TOPIC_PROMOTION * top, 0.0), False),  # just below it
    (lambda top: (TOPIC_PROMOTION - 0.01) * top, False),
], ids=["at_the_ratio", "just_below", "below"])
def test_promotion_needs_the_ratio_of_the_tops_probability(retriever, index, share, promoted):
    top = 0.8
    ordered = _order(retriever, index, PLAIN, [
        ("quality_sanbao_01", top), ("express_delivery_03", share(top) + 0.1), ("return_7day_01", share(top)),
    ], return_7day=0.6, quality_sanbao=0.3)
    assert ordered == (["return_7day_01", "quality_sanbao_01", "express_delivery_03"] if promoted
                       else ["quality_sanbao_01", "express_delivery_03", "return_7day_01"])


@pytest.mark.parametrize("at, promoted", [(1, True), (TOPIC_WINDOW - 1, True), (TOPIC_WINDOW, False),
                                          (TOPIC_WINDOW + 1, False)])
def test_promotion_looks_only_within_the_window(retriever, index, at, promoted):
    others = [f"quality_sanbao_{n:02d}" for n in range(1, TOPIC_WINDOW + 3)]
    ids = others[:at] + ["return_7day_01"] + others[at:]
    # Every candidate well above the ratio, in first-stage order.
    candidates = [(i, 0.9 - 0.01 * n) for n, i in enumerate(ids)]
    ordered = _order(retriever, index, PLAIN, candidates, return_7day=0.6, quality_sanbao=0.3)
    assert ordered == (["return_7day_01", *others] if promoted else ids)


def test_a_concept_the_question_denies_is_never_promoted(retriever, index):
    question = "没有质量问题，就是不想要了，可以退吗"
    facts, reading = retriever.facts, retriever.reading(question)
    assert "defect" in reading.negated & facts.concepts[index["quality_sanbao_01"]]
    assert not reading.negated & facts.concepts[index["quality_sanbao_03"]]
    assert facts.topics[index["quality_sanbao_03"]] == "quality_sanbao"
    candidates = [("return_7day_01", 0.60), ("quality_sanbao_01", 0.58), ("quality_sanbao_03", 0.40)]
    # The topic head reads 质量问题 and believes it a defect question: its best entry about defects is passed
    # over, the next one of the topic that is not about the denied concept is promoted.
    assert _order(retriever, index, question, candidates, quality_sanbao=0.7, return_7day=0.2) == [
        "quality_sanbao_03", "return_7day_01", "quality_sanbao_01"]
    # With only the defect entry in the window, the reranker's top stays.
    assert _order(retriever, index, question, candidates[:2], quality_sanbao=0.7, return_7day=0.2) == [
        "return_7day_01", "quality_sanbao_01"]


def test_an_entry_serving_another_role_is_never_promoted(retriever, index):
    question = "我寄的快递丢了"
    facts, reading = retriever.facts, retriever.reading(question)
    assert "sender" in reading.roles and not reading.negated
    assert _role_conflict(reading.roles, facts.roles[index["express_delivery_01"]])  # the buyer's lost parcel
    assert not _role_conflict(reading.roles, facts.roles[index["express_delivery_13"]])  # the sender's claim
    candidates = [("return_7day_13", 0.60), ("express_delivery_01", 0.58), ("express_delivery_13", 0.40)]
    assert _order(retriever, index, question, candidates, express_delivery=0.7, return_7day=0.2) == [
        "express_delivery_13", "return_7day_13", "express_delivery_01"]
    assert _order(retriever, index, question, candidates[:2], express_delivery=0.7, return_7day=0.2) == [
        "return_7day_13", "express_delivery_01"]


def test_out_of_scope_belief_gives_way_to_the_best_in_scope_topic(retriever, index):
    assert OUT_OF_SCOPE in retriever.model.topic.classes
    candidates = [("quality_sanbao_01", 0.80), ("express_delivery_03", 0.70), ("return_7day_01", 0.50)]
    assert _order(retriever, index, PLAIN, candidates, out_of_scope=0.5, return_7day=0.3, quality_sanbao=0.1) == [
        "return_7day_01", "quality_sanbao_01", "express_delivery_03"]
    # Out of scope first and the top's own topic next: nothing moves.
    assert _order(retriever, index, PLAIN, candidates, out_of_scope=0.5, quality_sanbao=0.3, return_7day=0.1) == [
        "quality_sanbao_01", "express_delivery_03", "return_7day_01"]


# -- equally confident hits, nearest wording first (tied_nearest_first) -----------------------------------------
def test_equal_confidences_are_ordered_by_dense_similarity():
    confidences = np.minimum.accumulate(np.array([0.62, 0.70, 0.70, 0.30]))  # the calibrator caps runners-up
    assert tied_nearest_first(confidences, [0.71, 0.93, 0.80, 0.99]) == [1, 2, 0, 3]


def test_confidences_equal_to_six_decimals_count_as_tied():
    assert tied_nearest_first([0.4000001, 0.4000004], [0.9, 0.8]) == [0, 1]
    assert tied_nearest_first([0.4000004, 0.4000001], [0.8, 0.9]) == [1, 0]


def test_unequal_confidences_ignore_dense_similarity():
    assert tied_nearest_first([0.3, 0.6, 0.5], [0.99, 0.10, 0.20]) == [1, 2, 0]
    # A difference in the sixth decimal is not a tie.
    assert tied_nearest_first([0.400001, 0.400002], [0.9, 0.1]) == [1, 0]
