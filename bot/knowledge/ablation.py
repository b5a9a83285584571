"""`kb ablate`: what each step of the reader + reranker buys, measured on the real tuning half.

Every reranker row is cross-validated (5 folds over the tuning questions; the stored wordings are always in
training), so no row scores a question its model was trained on. Steps are switched off one at a time from the
full system. Ranking quality only: entry hit@1 and MRR on questions with an answering entry, topic hit@1 of
the top hit on all questions (out-of-scope questions count as misses for every row, as no ranking predicts
``out_of_scope``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.knowledge.rerank import (
    Ablation, PreparedQuery, cross_validated_rankings, fit_reranker, fit_topic, load_training_questions, prepare,
    wording_queries,
)
from bot.knowledge.service import KnowledgeService

Ranked = List[List[Tuple[int, float]]]

STEPS = (
    ("question focus (clause features, focus retrieval)", Ablation(focus=False)),
    ("question acts", Ablation(acts=False)),
    ("negation", Ablation(negation=False)),
    ("roles", Ablation(roles=False)),
    ("query expansion", Ablation(expansion=False)),
    ("memory of real tuning questions (nearest-question features)", Ablation(memory=False)),
    ("entry head (ridge over dense vectors onto the entries)", Ablation(entry_head=False)),
)


def figures(ranked: Ranked, prepared: Sequence[PreparedQuery], service: KnowledgeService) -> Dict[str, Optional[float]]:
    entries = service.kb.entries
    hits1, rr, topic1 = [], [], []
    for ranking, p in zip(ranked, prepared):
        ids = [i for i, _ in ranking]
        if p.query.entry_index is not None:
            rank = ids.index(p.query.entry_index) + 1 if p.query.entry_index in ids else None
            hits1.append(float(rank == 1))
            rr.append(1.0 / rank if rank else 0.0)
        if p.query.topic:
            topic1.append(float(bool(ids) and entries[ids[0]].topic == p.query.topic))

    def mean(values: List[float]) -> Optional[float]:
        return round(sum(values) / len(values), 3) if values else None

    return {"hit@1": mean(hits1), "MRR": mean(rr), "topic hit@1": mean(topic1)}


def _first_stage(prepared: Sequence[PreparedQuery]) -> Ranked:
    return [[(int(i), 0.0) for i in p.evidence.candidates] for p in prepared]


def _baseline(prepared: Sequence[PreparedQuery], search, service: KnowledgeService) -> Ranked:
    index = {e.id: i for i, e in enumerate(service.kb.entries)}
    return [[(index[h.entry.id], h.score) for h in search(p.query.text)] for p in prepared]


def run(service: KnowledgeService, tune_file: Path, output: Path) -> str:
    retriever = service.retriever
    real = load_training_questions(tune_file, service.kb)
    if not real:
        raise ValueError(f"no tuning questions in {tune_file}")
    rows: List[Tuple[str, Dict[str, Optional[float]]]] = []
    cache: Dict[bool, Tuple[List[PreparedQuery], List[PreparedQuery]]] = {}

    def prepared(expansion: bool) -> Tuple[List[PreparedQuery], List[PreparedQuery]]:
        if expansion not in cache:
            cache[expansion] = (prepare(retriever, wording_queries(service.kb), expansion), prepare(retriever, real, expansion))
        return cache[expansion]

    wordings, questions = prepared(True)
    hybrid = service.hybrid
    rows.append(("BM25", figures(_baseline(questions, lambda t: hybrid.bm25.search(t, 30), service), questions, service)))
    rows.append(("dense", figures(_baseline(questions, lambda t: hybrid.dense.search(t, 30), service), questions, service)))
    rows.append(("hybrid (RRF + topic prior), the previous bot",
                 figures(_baseline(questions, lambda t: hybrid.search(t, 30), service), questions, service)))
    rows.append(("first stage: RRF of BM25 and dense on text and focus", figures(_first_stage(questions), questions, service)))

    # Trained on the stored wordings only: what the real tuning questions add.
    topic = fit_topic(retriever, [])
    wording_model = fit_reranker(retriever, wordings, [], [topic] * len(wordings), topic)
    wording_only = []
    for p in questions:
        probabilities = wording_model.probabilities(retriever.features(p.evidence, topic))
        order = probabilities.argsort()[::-1]
        wording_only.append([(int(p.evidence.candidates[o]), float(probabilities[o])) for o in order])
    rows.append(("reranker trained on stored wordings only", figures(wording_only, questions, service)))

    full = figures(cross_validated_rankings(retriever, wordings, questions), questions, service)
    rows.append(("**reranker, all steps** (stored wordings + real tuning questions)", full))
    for name, ablation in STEPS:
        w, q = prepared(ablation.expansion)
        rows.append((f"… without {name}", figures(cross_validated_rankings(retriever, w, q, ablation), q, service)))

    columns = ("hit@1", "MRR", "topic hit@1")
    lines = [f"kb ablate: {len(real)} tuning questions, {len(service.kb)} entries, 5-fold cross-validation", "",
             "| system | " + " | ".join(columns) + " |", "|" + "---|" * (len(columns) + 1)]
    lines += ["| " + name + " | " + " | ".join("–" if f[c] is None else str(f[c]) for c in columns) + " |"
              for name, f in rows]
    text = "\n".join(lines) + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    output.with_suffix(".json").write_text(json.dumps(dict(rows), ensure_ascii=False, indent=2), encoding="utf-8")
    return text

