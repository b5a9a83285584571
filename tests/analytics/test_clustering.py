"""The clustering, its stability check and its labels on small hand-made data."""
import numpy as np

from bot.analytics import clustering, features
from bot.analytics.report import normalise_business


def _blobs(rng, centres, per, spread):
    points = np.vstack([c + spread * rng.standard_normal((per, len(c))) for c in centres])
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def test_separate_groups_are_found_and_numbered_by_first_appearance():
    rng = np.random.default_rng(1)
    centres = np.eye(8)[:3] * 3
    labels = clustering.cluster(clustering.cosine_distances(_blobs(rng, centres, 10, 0.1)))
    assert labels.tolist() == [0] * 10 + [1] * 10 + [2] * 10


def test_stability_is_high_for_real_groups_and_low_for_clusters_cut_out_of_noise():
    rng = np.random.default_rng(2)
    real = clustering.cosine_distances(_blobs(rng, np.eye(8)[:3] * 3, 10, 0.1))
    labels = clustering.cluster(real)
    solid = clustering.stability(real, labels, [0, 1, 2])
    assert solid.mean_ari > 0.95 and min(solid.jaccard.values()) > 0.9

    points = np.random.default_rng(2).standard_normal((60, 8))  # no groups at all, cut coarsely
    noise = clustering.cosine_distances(points / np.linalg.norm(points, axis=1, keepdims=True))
    labels = clustering.cluster(noise, threshold=0.9)
    sizes = np.bincount(labels)
    frequent = [c for c in range(len(sizes)) if sizes[c] >= 3]
    shaky = clustering.stability(noise, labels, frequent, threshold=0.9)
    assert any(j < clustering.STABLE_JACCARD for j in shaky.jaccard.values())
    assert shaky.mean_ari < solid.mean_ari


def test_stability_is_the_same_every_run():
    rng = np.random.default_rng(3)
    distances = clustering.cosine_distances(_blobs(rng, [np.zeros(4)], 40, 1.0))
    labels = clustering.cluster(distances, threshold=0.4)
    assert clustering.stability(distances, labels, [0, 1]) == clustering.stability(distances, labels, [0, 1])


def test_labels_are_distinctive_words_without_repeats_or_business_words():
    documents = [features.words(t) for t in (
        "充电宝充电时冒烟起火，旗舰店不管", "充电宝突然起火冒烟了，旗舰店说使用不当", "充电宝起火烧了桌子，旗舰店不赔",
        "快递丢了，旗舰店不管", "外卖里有头发，旗舰店不理",
    )]
    terms = clustering.distinctive_terms(documents, np.array([0, 1, 2]), exclude=frozenset({"旗舰店"}))
    assert terms[:2] == ["起火", "冒烟"] or set(terms) >= {"起火", "冒烟"}
    assert "旗舰店" not in terms and len(terms) == len(set(terms))


def test_the_two_feature_halves_are_weighted_as_documented():
    lexical = np.array([[1.0, 0.0], [1.0, 0.0]])
    dense = np.array([[1.0, 0.0], [0.0, 1.0]])
    vectors = features.combine(lexical, dense, lexical_share=0.4)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.isclose(vectors[0] @ vectors[1], 0.4 * 1.0 + 0.6 * 0.0)


def test_business_names_are_normalised_to_one_spelling():
    assert normalise_business("小米 旗艦店") == normalise_business("「小米旗舰店」") == normalise_business("小米旗舰店 ")
    assert normalise_business("ＡＢＣ Store") == "abcstore"
