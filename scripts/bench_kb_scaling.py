"""Knowledge-base scaling: dense retrieval at 250 to 100,000 entries, brute force against the HNSW index.

Up to the real knowledge base's size the entries are real ones (a random sample for 250). Larger sizes add
synthetic entries: copies of randomly drawn real entries whose every wording and answer vector is perturbed
with Gaussian noise and re-normalised, to a cosine of about 0.65 with its source (a real wording's nearest
wording of another entry is at 0.64 on average), so nothing is encoded for them. The queries are real
customer questions (knowledge/bench/real), encoded once.

A query is what the dense retriever does after encoding: the cosines of the query vector with every entry's
best wording and answer, then the top 10 entries. For each size: the memory of the vectors (what brute force
searches) and of the HNSW index (the size of its file, which is what it holds in memory: resident-size deltas
are muddied by the allocator reusing freed memory), the HNSW build time on ``--threads`` threads and the time
to load its file, query p50 and p95 for brute force and for HNSW, and recall@10 of HNSW's top 10 entries
against brute force's. Prints a table and writes var/bench/kb_scaling.json and .md with the machine's facts.

    python scripts/bench_kb_scaling.py --threads 1         # 250 … 100,000: 8 min, 3 GB of vectors and graph at 100k
    python scripts/bench_kb_scaling.py --sizes 250,1000    # a quick run
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.knowledge.bench import REAL_SETS  # noqa: E402
from bot.knowledge.dense_index import (  # noqa: E402
    ANN_MIN_TEXTS, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, NEIGHBOUR_TEXTS, DenseIndex, HnswIndex,
    TextLayout,
)
from bot.knowledge.embedding import configured_model, load_encoder  # noqa: E402
from bot.knowledge.model import load_knowledge_base  # noqa: E402
from bot.knowledge.retrieval import DENSE_ANSWER_WEIGHT, MAX_QUERY_CHARS, DenseRetriever  # noqa: E402
from bot.paths import var_dir  # noqa: E402
from bot.text import normalise  # noqa: E402

DEFAULT_SIZES = "250,1000,10000,100000"
SYNTHETIC_COSINE = 0.65
TOP_K = 10
WARM_UP_QUERIES = 5
SEED = 20261201
MB = 1024 * 1024


def real_corpus(model: str) -> DenseRetriever:
    """The real knowledge base's dense retriever, its vectors from the index cache (``kb build``)."""
    return DenseRetriever(load_knowledge_base(), load_encoder(model), model, progress=True)


def query_vectors(dense: DenseRetriever, count: int) -> np.ndarray:
    texts = []
    for _, path in REAL_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(normalise(json.loads(line)["text"])[:MAX_QUERY_CHARS])
    return dense.encode(texts[:count])


def perturb(block: np.ndarray, rng: np.random.Generator, chunk: int = 50_000) -> None:
    """Gaussian noise of the size that leaves a unit vector at SYNTHETIC_COSINE from itself, in place."""
    sigma = np.sqrt((1 / SYNTHETIC_COSINE ** 2 - 1) / block.shape[1])
    for start in range(0, len(block), chunk):
        part = block[start:start + chunk]
        part += sigma * rng.standard_normal(part.shape, dtype=np.float32)
        part /= np.linalg.norm(part, axis=1, keepdims=True)


def corpus_of_size(real_vectors: np.ndarray, real_counts: np.ndarray, size: int,
                   rng: np.random.Generator) -> Tuple[np.ndarray, TextLayout, int, Optional[float]]:
    """Vectors laid out like the retriever's (wordings entry by entry, then answers), the number of synthetic
    entries (last in entry order) and their wordings' mean cosine with their source (None without any)."""
    n_real = len(real_counts)
    real_starts = np.concatenate([[0], np.cumsum(real_counts)])
    if size <= n_real:
        sources = np.sort(rng.choice(n_real, size, replace=False))
    else:
        sources = np.concatenate([np.arange(n_real), rng.integers(0, n_real, size - n_real)])
    synthetic = max(0, size - n_real)
    counts = real_counts[sources]
    layout = TextLayout(counts)
    starts = real_starts[sources]
    offsets = layout.wording_starts[:-1]
    rows = np.repeat(starts - offsets, counts) + np.arange(layout.n_wordings)
    vectors = np.empty((layout.n_texts, real_vectors.shape[1]), dtype=np.float32)
    np.take(real_vectors, rows, axis=0, out=vectors[:layout.n_wordings])
    np.take(real_vectors, real_starts[-1] + sources, axis=0, out=vectors[layout.n_wordings:])
    source_cosine = None
    if synthetic:
        first_synthetic_wording = int(layout.wording_starts[n_real])
        perturb(vectors[first_synthetic_wording:layout.n_wordings], rng)
        perturb(vectors[layout.n_wordings + n_real:], rng)
        sample = np.arange(first_synthetic_wording, layout.n_wordings)[:10_000]
        source_cosine = round(float(np.mean(np.sum(vectors[sample] * real_vectors[rows[sample]], axis=1))), 3)
    return vectors, layout, synthetic, source_cosine


def top_entries(wording: np.ndarray, answer: np.ndarray, k: int = TOP_K) -> np.ndarray:
    ranking = wording + DENSE_ANSWER_WEIGHT * answer
    top = np.argpartition(-ranking, k)[:k]
    return top[np.argsort(-ranking[top])]


def timed_queries(search, queries: np.ndarray) -> Tuple[List[float], List[np.ndarray]]:
    for query in queries[:WARM_UP_QUERIES]:
        search(query)
    times, tops = [], []
    for query in queries:
        started = time.perf_counter()
        tops.append(top_entries(*search(query)))
        times.append((time.perf_counter() - started) * 1000)
    return times, tops


def measure(size: int, real_vectors: np.ndarray, real_counts: np.ndarray, queries: np.ndarray,
            threads: int, rng: np.random.Generator) -> Dict[str, object]:
    vectors, layout, synthetic, source_cosine = corpus_of_size(real_vectors, real_counts, size, rng)
    exact_times, exact_tops = timed_queries(DenseIndex(vectors, layout).exact_cosines, queries)

    started = time.perf_counter()
    built = HnswIndex.build(vectors, threads=threads, progress=True)
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="kb-scaling-") as folder:
        path = Path(folder) / "hnsw.bin"
        built.save(path)
        file_bytes = path.stat().st_size
        del built
        started = time.perf_counter()
        hnsw = HnswIndex.load(path, vectors.shape[1])
        load_s = time.perf_counter() - started
    approximate = DenseIndex(vectors, layout, hnsw)
    ann_times, ann_tops = timed_queries(approximate.approximate_cosines, queries)
    recall = np.mean([len(set(a) & set(e)) / TOP_K for a, e in zip(ann_tops, exact_tops)])
    return {
        "entries": size, "texts": layout.n_texts, "synthetic_entries": synthetic,
        "synthetic_source_cosine": source_cosine,
        "vectors_mb": round(vectors.nbytes / MB, 1),
        "brute_p50_ms": round(float(np.percentile(exact_times, 50)), 2),
        "brute_p95_ms": round(float(np.percentile(exact_times, 95)), 2),
        "hnsw_build_s": round(build_s, 2), "hnsw_mb": round(file_bytes / MB, 1),
        "hnsw_load_s": round(load_s, 3),
        "hnsw_p50_ms": round(float(np.percentile(ann_times, 50)), 2),
        "hnsw_p95_ms": round(float(np.percentile(ann_times, 95)), 2),
        "recall_at_10": round(float(recall), 4), "hnsw_exact_fallbacks": approximate.exact_fallbacks,
        "retriever_uses": "HNSW" if layout.n_texts >= ANN_MIN_TEXTS else "brute force",
    }


def table(rows: List[Dict[str, object]]) -> str:
    lines = ["| entries | texts | synthetic | vectors MB | brute p50 ms | brute p95 ms | HNSW MB | HNSW build s "
             "| HNSW load s | HNSW p50 ms | HNSW p95 ms | recall@10 | fallbacks | retriever uses |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(
            f"| {r['entries']:,} | {r['texts']:,} | {r['synthetic_entries']:,} | {r['vectors_mb']} "
            f"| {r['brute_p50_ms']} | {r['brute_p95_ms']} | {r['hnsw_mb']} | {r['hnsw_build_s']} "
            f"| {r['hnsw_load_s']} | {r['hnsw_p50_ms']} | {r['hnsw_p95_ms']} | {r['recall_at_10']} "
            f"| {r['hnsw_exact_fallbacks']} | {r['retriever_uses']} |")
    return "\n".join(lines)


def machine() -> Dict[str, object]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {"cores": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "load_average_1min": round(os.getloadavg()[0], 2), "numpy": np.__version__,
            "hnswlib": metadata.version("hnswlib"),
            "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"entries per run, comma-separated (default {DEFAULT_SIZES})")
    parser.add_argument("--queries", type=int, default=300, help="real questions to time (default 300)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="HNSW build threads (default: all cores, as kb build)")
    parser.add_argument("--out", type=Path, default=var_dir() / "bench" / "kb_scaling.json",
                        help="the JSON file; the Markdown table goes next to it (.md)")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) <= TOP_K:
        parser.error(f"--sizes: each size must be more than {TOP_K} entries")

    model = configured_model()
    dense = real_corpus(model)
    real_vectors, real_counts = dense.vectors, np.bincount(dense.corpus.wording_owners, minlength=len(dense.corpus.kb))
    queries = query_vectors(dense, args.queries)
    rng = np.random.default_rng(SEED)
    rows = []
    for size in sizes:
        print(f"kb scaling: {size:,} entries …", file=sys.stderr, flush=True)
        rows.append(measure(size, real_vectors, real_counts, queries, args.threads, rng))
    facts = machine()
    notes = [
        f"{len(queries)} real questions as queries; top {TOP_K} entries; the real knowledge base has "
        f"{len(real_counts)} entries. Synthetic entries are perturbed copies of real entries' vectors "
        f"(cosine {SYNTHETIC_COSINE} with their source), not encoded texts.",
        "Times are the dense search after encoding (encoding a question takes the same few ms at any size); "
        "BM25 and the reranker's fusion are not included.",
        f"HNSW: M={HNSW_M}, ef_construction={HNSW_EF_CONSTRUCTION}, ef_search={HNSW_EF_SEARCH}, "
        f"{NEIGHBOUR_TEXTS} neighbour texts per query, whose entries are then scored exactly; built on "
        f"{args.threads} thread(s). Fallbacks: HNSW searches that could not reach {NEIGHBOUR_TEXTS} texts and "
        f"were answered by brute force (timed as such). The retriever switches to HNSW at {ANN_MIN_TEXTS:,} texts.",
        f"Machine: {facts['cores']} cores ({facts['cpu']}), {facts['ram_gb']} GB RAM, load average "
        f"{facts['load_average_1min']}, measured {facts['measured_utc']} UTC; model {Path(model).name}.",
    ]
    report = table(rows)
    print(report)
    print("\n".join(notes))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": facts, "model": model, "threads": args.threads,
                                    "queries": len(queries), "rows": rows, "notes": notes},
                                   ensure_ascii=False, indent=2), encoding="utf-8")
    markdown = args.out.with_suffix(".md")
    markdown.write_text("# Knowledge-base scaling\n\n" + report + "\n\n" + "\n\n".join(notes) + "\n", encoding="utf-8")
    print(f"wrote {args.out} and {markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
