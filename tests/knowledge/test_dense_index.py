"""The dense retriever's vector search at scale: the HNSW index against brute force, the size threshold between
them, the index cache, and the progress `kb build` reports."""
from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
import yaml

from bot.knowledge import dense_index
from bot.knowledge.dense_index import ANN_MIN_TEXTS, DenseIndex, HnswIndex, TextLayout
from bot.knowledge.model import load_knowledge_base
from bot.knowledge.progress import PROGRESS_MIN_ITEMS, Progress
from bot.knowledge.retrieval import DENSE_ANSWER_WEIGHT, DenseRetriever

DIM = 32
# HNSW is approximate, but at a few thousand vectors with a search beam of 200 it should miss almost nothing;
# a broken mapping from graph labels to entries would score near 0.
RECALL_FLOOR = 0.95


def clustered_corpus(n_entries: int, wordings: int, seed: int = 7):
    """Entries whose wordings and answer lie around an entry centre, entry centres around topic centres."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((12, DIM))
    centres = topics[rng.integers(0, 12, n_entries)] + 0.6 * rng.standard_normal((n_entries, DIM))
    counts = rng.integers(1, wordings + 1, n_entries)
    layout = TextLayout(counts)
    owners = layout.text_owners
    vectors = centres[owners] + 0.5 * rng.standard_normal((len(owners), DIM))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    queries = centres[rng.integers(0, n_entries, 60)] + 0.7 * rng.standard_normal((60, DIM))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    return vectors, layout, queries


def top10(wording, answer):
    return list(np.argsort(-(wording + DENSE_ANSWER_WEIGHT * answer), kind="stable")[:10])


def test_hnsw_finds_the_same_top_10_as_brute_force_and_scores_them_exactly():
    vectors, layout, queries = clustered_corpus(n_entries=1500, wordings=6)
    exact = DenseIndex(vectors, layout)
    approximate = DenseIndex(vectors, layout, HnswIndex.build(vectors, threads=1))
    recalls = []
    for query in queries:
        exact_wording, exact_answer = exact.cosines(query)
        wording, answer = approximate.cosines(query)
        found = top10(wording, answer)
        recalls.append(len(set(found) & set(top10(exact_wording, exact_answer))) / 10)
        # The entries HNSW reaches are scored on all their wordings and their answer, not approximately.
        assert np.allclose(wording[found], exact_wording[found], atol=1e-5)
        assert np.allclose(answer[found], exact_answer[found], atol=1e-5)
    assert np.mean(recalls) >= RECALL_FLOOR


def test_a_left_out_text_does_not_count_in_either_search():
    vectors, layout, queries = clustered_corpus(n_entries=300, wordings=5)
    approximate = DenseIndex(vectors, layout, HnswIndex.build(vectors, threads=1))
    query = vectors[layout.wording_starts[40]]  # entry 40's first wording, searched for itself
    for index in (DenseIndex(vectors, layout), approximate):
        wording, _ = index.cosines(query)
        left_out, _ = index.cosines(query, exclude_text=int(layout.wording_starts[40]))
        assert wording[40] == pytest.approx(1.0, abs=1e-5)
        assert left_out[40] < 0.999
        answer_row = layout.n_wordings + 40
        _, answers = index.cosines(vectors[answer_row], exclude_text=answer_row)
        assert answers[40] == dense_index.UNREACHED_COSINE


def test_a_search_hnsw_cannot_fill_is_answered_by_brute_force():
    vectors, layout, queries = clustered_corpus(n_entries=100, wordings=3)
    hnsw = HnswIndex.build(vectors, threads=1)
    # Deleted vectors are never returned, so hnswlib finds fewer than asked for: the error an island gives.
    for row in range(0, len(vectors), 2):
        hnsw._index.mark_deleted(row)
    assert hnsw.nearest(queries[0], len(vectors)) is None
    index = DenseIndex(vectors, layout, hnsw)
    wording, answer = index.cosines(queries[0])
    exact_wording, exact_answer = DenseIndex(vectors, layout).cosines(queries[0])
    assert index.exact_fallbacks == 1
    assert np.array_equal(wording, exact_wording) and np.array_equal(answer, exact_answer)


# -- the retriever over a knowledge base on disk ------------------------------------------------------------

class CountingEncoder:
    """Deterministic stand-in for the sentence encoder: a text's vector is seeded by its hash."""

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts, **kwargs):
        self.encoded += len(texts)
        rows = [np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:8], 16)).standard_normal(DIM)
                for t in texts]
        vectors = np.asarray(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def write_knowledge_base(root, n_entries: int = 80):
    """n_entries entries of 4 wordings each: 5 indexed texts per entry with the answer."""
    root.mkdir()
    (root / "topics.yml").write_text(yaml.safe_dump({"topics": {"synthetic": "合成"}}, allow_unicode=True),
                                     encoding="utf-8")
    folder = root / "entries" / "synthetic"
    folder.mkdir(parents=True)
    for n in range(n_entries):
        entry = {"id": f"synthetic_{n:03d}", "topic": "synthetic", "question": f"第{n}号问题怎么办",
                 "paraphrases": [f"第{n}号问题的说法{k}" for k in range(3)], "answer": f"第{n}号问题的答复",
                 "legal_basis": [{"law": "消费者权益保护法", "article": 24}], "reviewed_on": "2026-11-23"}
        (folder / f"synthetic_{n:03d}.yml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture
def builds(monkeypatch):
    """Counts HNSW builds."""
    counted = []
    build = HnswIndex.build.__func__

    def counting_build(cls, vectors, threads=None, progress=False):
        counted.append(len(vectors))
        return build(cls, vectors, threads=1, progress=progress)

    monkeypatch.setattr(HnswIndex, "build", classmethod(counting_build))
    return counted


def test_brute_force_below_the_threshold_hnsw_from_it_on(tmp_path, builds):
    kb = load_knowledge_base(write_knowledge_base(tmp_path / "kb"))
    texts = 80 * 5
    below = DenseRetriever(kb, CountingEncoder(), "fake", cache_dir=tmp_path / "index", ann_min_texts=texts + 1)
    assert below.index.hnsw is None and builds == []
    assert not list((tmp_path / "index").glob("hnsw-*"))

    at = DenseRetriever(kb, CountingEncoder(), "fake", cache_dir=tmp_path / "index", ann_min_texts=texts)
    assert at.index.hnsw is not None and builds == [texts]
    assert len(list((tmp_path / "index").glob("hnsw-*.bin"))) == 1
    query = CountingEncoder().encode(["第7号问题的说法1"])[0]
    assert np.array_equal(at.scores_for_vector(query).ranking.argsort()[-5:],
                          below.scores_for_vector(query).ranking.argsort()[-5:])


def test_todays_knowledge_base_is_searched_exactly(knowledge_service):
    dense = knowledge_service.retriever.dense
    assert dense.index.hnsw is None
    assert len(dense.vectors) < ANN_MIN_TEXTS


def test_the_index_cache_is_reused_and_rebuilt_when_an_entry_changes(tmp_path, builds):
    root = write_knowledge_base(tmp_path / "kb")
    cache = tmp_path / "index"
    first_encoder, second_encoder = CountingEncoder(), CountingEncoder()
    DenseRetriever(load_knowledge_base(root), first_encoder, "fake", cache_dir=cache, ann_min_texts=100)
    again = DenseRetriever(load_knowledge_base(root), second_encoder, "fake", cache_dir=cache, ann_min_texts=100)
    assert first_encoder.encoded == 400 and second_encoder.encoded == 0
    assert builds == [400] and again.index.hnsw.count == 400

    entry = root / "entries" / "synthetic" / "synthetic_005.yml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("第5号问题的答复", "第5号问题的新答复"), encoding="utf-8")
    changed_encoder = CountingEncoder()
    DenseRetriever(load_knowledge_base(root), changed_encoder, "fake", cache_dir=cache, ann_min_texts=100)
    assert changed_encoder.encoded == 400 and builds == [400, 400]
    assert len(list(cache.glob("hnsw-*.bin"))) == 2 and len(list(cache.glob("dense-*.npy"))) == 2


# -- progress -----------------------------------------------------------------------------------------------

def test_progress_off_a_terminal_is_plain_lines_every_tenth():
    stream = io.StringIO()
    with Progress("encoding", 1000, stream=stream) as report:
        for _ in range(0, 1000, 64):
            report.advance(min(64, 1000 - report.done))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 10
    assert lines[0] == "encoding: 128/1000 (12%)" and lines[-1] == "encoding: 1000/1000 (100%)"


@pytest.mark.parametrize("total, enabled", [(PROGRESS_MIN_ITEMS, True), (10_000, False)])
def test_progress_is_silent_for_small_or_disabled_steps(total, enabled):
    stream = io.StringIO()
    with Progress("quiet", total, enabled=enabled, stream=stream) as report:
        report.advance(total)
    assert stream.getvalue() == ""


def test_progress_on_a_terminal_is_a_bar():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    with Progress("indexing", 1000, stream=stream) as report:
        report.advance(500)
        report.advance(500)
    assert "\r" in stream.getvalue() and "1000/1000" in stream.getvalue()


def test_building_reports_encoding_and_indexing_in_plain_lines(tmp_path, builds, capsys):
    kb = load_knowledge_base(write_knowledge_base(tmp_path / "kb"))
    DenseRetriever(kb, CountingEncoder(), "fake", cache_dir=tmp_path / "index", ann_min_texts=100, progress=True)
    err = capsys.readouterr().err
    assert "encoding knowledge-base texts: 400/400 (100%)" in err
    assert "indexing vectors (HNSW): 400/400 (100%)" in err
    assert "\r" not in err
