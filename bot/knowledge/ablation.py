"""`kb ablate`: what each step of the reader + reranker buys, measured on the real tuning half.

Every reranker row is cross-validated (5 folds over the tuning questions; the stored wordings are always in
training), so no row scores a question its model was trained on. Steps are switched off one at a time from the
full system. Ranking quality only: entry hit@1 and MRR on questions with an answering entry, topic hit@1 of
the top hit on all questions (out-of-scope questions count as misses for every row, as no ranking predicts
``out_of_scope``).

``kb ablate --fresh-from N`` measures the same rows without cross-validation: each reranker is trained once, as
:func:`bot.knowledge.rerank.train` trains the bot's (out-of-fold topic features, the stored wordings and the tuning
file's lines before N), and scored on lines N to the end, questions it never saw — the README's "on the
supplement alone" figures are ``--fresh-from 224``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.knowledge.bench import load_questions
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.rerank import (
    Ablation, PreparedQuery, RerankingRetriever, TrainingQuery, cross_validated_rankings, fit_reranker, fit_topic,
    held_out_rankings, load_training_questions, out_of_fold_topics, prepare, wording_queries,
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


def fresh_split(tune_file: Path, fresh_from: int,
                kb: KnowledgeBase) -> Tuple[List[TrainingQuery], List[TrainingQuery]]:
    """The tuning file's questions on the lines before ``fresh_from`` (1-based: the first evaluated line) and on
    the lines from it to the end. ValueError (naming the file and line) when they cannot be used."""
    if fresh_from < 2:
        raise ValueError(f"--fresh-from {fresh_from}: must be at least 2 "
                         "(the lines before it are the training questions)")
    lines = tune_file.read_text(encoding="utf-8").splitlines()
    if fresh_from > len(lines):
        raise ValueError(f"--fresh-from {fresh_from}: {tune_file} has only {len(lines)} lines")
    # Strict, like `kb bench` (a bad line is named, not skipped), so that each non-blank line is one question.
    load_questions([tune_file], kb)
    real = load_training_questions(tune_file, kb)
    before = sum(1 for line in lines[:fresh_from - 1] if line.strip())
    assert len(real) == sum(1 for line in lines if line.strip()), "a valid line was skipped for training"
    trained, fresh = real[:before], real[before:]
    if not trained:
        raise ValueError(f"{tune_file}: lines 1–{fresh_from - 1} hold no questions to train on")
    if not any(q.entry_index is not None or q.topic for q in fresh):
        raise ValueError(f"{tune_file}: lines {fresh_from}–{len(lines)} hold no labelled questions to evaluate")
    return trained, fresh


def fresh_rankings(retriever: RerankingRetriever, wordings: Sequence[PreparedQuery], trained: Sequence[PreparedQuery],
                   fresh: Sequence[PreparedQuery], ablation: Ablation = Ablation()) -> Ranked:
    """The rankings of the ``fresh`` questions by one reranker trained like the bot's on the wordings and
    ``trained``: out-of-fold topic classifiers for the training features, one that saw all of ``trained`` for
    the fresh ones; the fresh questions are the single held-out fold of :func:`rerank.held_out_rankings`."""
    wording_topic, trained_topic, _ = out_of_fold_topics(retriever, wordings, trained)
    final_topic = fit_topic(retriever, trained)
    topics = (wording_topic, [*trained_topic, *[final_topic] * len(fresh)],
              [np.arange(len(trained), len(trained) + len(fresh))])
    out = held_out_rankings(retriever, wordings, [*trained, *fresh], ablation, topics)
    return [ranking for ranking, _ in out[len(trained):]]


def run(service: KnowledgeService, tune_file: Path, output: Path, fresh_from: Optional[int] = None) -> str:
    """The table (also written to ``output`` and its .json): cross-validated over the whole tuning file, or with
    ``fresh_from``, trained on the lines before it and scored on the rest (:func:`fresh_split`)."""
    retriever = service.retriever
    if fresh_from is None:
        real = load_training_questions(tune_file, service.kb)
        if not real:
            raise ValueError(f"no tuning questions in {tune_file}")
        n_trained = 0
    else:
        trained, fresh = fresh_split(tune_file, fresh_from, service.kb)
        real, n_trained = [*trained, *fresh], len(trained)
    rows: List[Tuple[str, Dict[str, Optional[float]]]] = []
    cache: Dict[bool, Tuple[List[PreparedQuery], List[PreparedQuery]]] = {}

    def prepared(expansion: bool) -> Tuple[List[PreparedQuery], List[PreparedQuery]]:
        if expansion not in cache:
            cache[expansion] = (prepare(retriever, wording_queries(service.kb), expansion), prepare(retriever, real, expansion))
        return cache[expansion]

    def reranked(w: List[PreparedQuery], q: List[PreparedQuery],
                 ablation: Ablation = Ablation()) -> Dict[str, Optional[float]]:
        if fresh_from is None:
            return figures(cross_validated_rankings(retriever, w, q, ablation), q, service)
        return figures(fresh_rankings(retriever, w, q[:n_trained], q[n_trained:], ablation), q[n_trained:], service)

    wordings, all_questions = prepared(True)
    questions = all_questions[n_trained:]  # the scored ones
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

    rows.append(("**reranker, all steps** (stored wordings + real tuning questions)", reranked(wordings, all_questions)))
    for name, ablation in STEPS:
        rows.append((f"… without {name}", reranked(*prepared(ablation.expansion), ablation)))

    columns = ("hit@1", "MRR", "topic hit@1")
    if fresh_from is None:
        header = f"kb ablate: {len(real)} tuning questions, {len(service.kb)} entries, 5-fold cross-validation"
    else:
        header = (f"kb ablate --fresh-from {fresh_from}: trained on the {n_trained} questions before line "
                  f"{fresh_from} of {tune_file.name} (and the stored wordings), scored on the {len(questions)} "
                  f"from line {fresh_from} on, {len(service.kb)} entries, no cross-validation")
    lines = [header, "",
             "| system | " + " | ".join(columns) + " |", "|" + "---|" * (len(columns) + 1)]
    lines += ["| " + name + " | " + " | ".join("–" if f[c] is None else str(f[c]) for c in columns) + " |"
              for name, f in rows]
    text = "\n".join(lines) + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    output.with_suffix(".json").write_text(json.dumps(dict(rows), ensure_ascii=False, indent=2), encoding="utf-8")
    return text
