"""`kb bench`: retrieval quality, decisions and latency of every system, on every question set, in one run.

Question files are JSONL, one question a line:

- ``{"text", "entry_id"}``: labelled with the entry that answers it (our dev set);
- ``{"text", "topic"}``: labelled by topic only (our customer-style first messages);
- the real-question format ``{"text", "topic", "entry_id", "source", "licence"}`` where ``topic`` may be
  ``out_of_scope`` and ``entry_id`` may be ``null``: nothing in the knowledge base answers it.

Scoring (the README's "Quality benchmark" defines it for readers):

- hit@1, hit@3, MRR: on questions whose answering entry is known;
- topic hit@1: the top hit's topic, for every system alike (decisions ignored): an ``out_of_scope`` question
  is a miss for every system, as no ranking predicts ``out_of_scope``;
- topic hit@1 (with decisions), for systems that decide: a fallback predicts ``out_of_scope`` (the bot's only
  when its topic classifier also believes the question is out of scope; otherwise the top hit's topic), an
  answer or a menu predicts the top hit's topic;
- decisions (systems that decide): the mix, the share of direct answers that are the right entry (answering a
  question no entry answers is wrong), and the share of uncovered questions (``entry_id: null``) that fall back.
"""
from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

from bot.knowledge.decision import FALLBACK, Outcome, decide_by_similarity, decision_figures, outcome
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.rerank import OUT_OF_SCOPE
from bot.knowledge.service import JIEBA_DICTIONARY, KnowledgeService
from bot.paths import KNOWLEDGE_DIR, var_dir
from bot.text import normalise

BENCH_DIR = KNOWLEDGE_DIR / "bench"
REAL_DIR = BENCH_DIR / "real"
PROTOTYPES_FILE = BENCH_DIR / "prototypes.yml"
# The default run: our own two sets, then the real questions' tuning and test halves, each reported on its own.
DEFAULT_SETS = (
    ("dev", BENCH_DIR / "dev"),
    ("customer_topics", BENCH_DIR / "customer_topics"),
    ("real tune", REAL_DIR / "tune.jsonl"),
    ("real test", REAL_DIR / "test.jsonl"),
)
REAL_SETS = DEFAULT_SETS[2:]

BM25 = "BM25"
DENSE = "dense (USE-m v3)"
HYBRID = "hybrid (RRF + topic prior), the previous bot"
PROTOTYPES = "prototype nearest neighbour (48 questions)"
RERANKER = "reader + reranker, the bot"
RESPONSE_SELECTOR = "Rasa ResponseSelector"

# The targets for the bot's decisions on the real test half.
TARGET_MAX_CLARIFY = 0.25
TARGET_MIN_ANSWER_PRECISION = 0.85
TARGET_MIN_UNCOVERED_FALLBACK = 0.70


class BenchInputError(ValueError):
    """A question file that cannot be scored; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    text: str
    entry_id: Optional[str] = None
    topic: Optional[str] = None
    # True when the line says which entry answers it, including ``null`` (no entry does).
    entry_labelled: bool = False

    @property
    def uncovered(self) -> bool:
        return self.entry_labelled and self.entry_id is None


def load_questions(paths: Sequence[Path], kb: KnowledgeBase) -> List[Question]:
    questions = []
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    questions.append(_parse_line(line, f"{file}:{number}", kb))
    if not questions:
        raise BenchInputError("no questions found in " + ", ".join(map(str, paths)))
    return questions


def _parse_line(line: str, where: str, kb: KnowledgeBase) -> Question:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BenchInputError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise BenchInputError(f'{where}: each line needs a non-empty "text"')
    entry_id, topic = raw.get("entry_id"), raw.get("topic")
    if entry_id is None and topic is None:
        raise BenchInputError(f'{where}: label the question with "entry_id" or "topic"')
    if entry_id is not None and entry_id not in kb:
        raise BenchInputError(f"{where}: unknown entry_id {entry_id!r}")
    if topic is not None and topic not in kb.topics and topic != OUT_OF_SCOPE:
        raise BenchInputError(f"{where}: unknown topic {topic!r}")
    if entry_id is not None and topic is not None and topic != kb.get(entry_id).topic:
        raise BenchInputError(f"{where}: entry {entry_id!r} is not in topic {topic!r}")
    if topic is None:
        topic = kb.get(entry_id).topic
    return Question(raw["text"], entry_id, topic, entry_labelled="entry_id" in raw)


def leaked_questions(questions: Sequence[Question], kb: KnowledgeBase) -> List[str]:
    """Benchmark questions that are stored wordings: scoring them would measure memory, not retrieval."""
    stored = {normalise(text) for entry in kb.entries for text in entry.texts}
    return [q.text for q in questions if normalise(q.text) in stored]


@dataclass(frozen=True)
class Prediction:
    """One system's answer to one question: entries best first, and what it decided (None: it does not decide)."""

    entries: List[str]
    ranking_topic: Optional[str]
    decision: Optional[str] = None
    candidates: Tuple[str, ...] = ()
    # What the system believes the question is about when it falls back (None: it has no such belief).
    fallback_topic: Optional[str] = None

    @property
    def topic(self) -> Optional[str]:
        """The system's topic: a fallback predicts ``out_of_scope`` unless the system believes otherwise."""
        if self.decision == FALLBACK:
            return OUT_OF_SCOPE if self.fallback_topic in (None, OUT_OF_SCOPE) else self.ranking_topic
        return self.ranking_topic


System = Callable[[str], Prediction]


@dataclass
class SystemScore:
    system: str
    hits1: List[float] = field(default_factory=list)
    hits3: List[float] = field(default_factory=list)
    reciprocal_ranks: List[float] = field(default_factory=list)
    topic_hits1: List[float] = field(default_factory=list)
    ranking_topic_hits1: List[float] = field(default_factory=list)
    latencies_ms: List[float] = field(default_factory=list)
    outcomes: List[Outcome] = field(default_factory=list)
    golds: List[Optional[str]] = field(default_factory=list)

    def row(self) -> Dict[str, object]:
        def mean(values: List[float]) -> Optional[float]:
            return round(sum(values) / len(values), 3) if values else None

        latencies = sorted(self.latencies_ms)
        return {
            "system": self.system,
            "hit@1": mean(self.hits1),
            "hit@3": mean(self.hits3),
            "MRR": mean(self.reciprocal_ranks),
            "topic hit@1": mean(self.ranking_topic_hits1),
            "topic hit@1 (with decisions)": mean(self.topic_hits1) if self.outcomes else None,
            "median ms": round(statistics.median(latencies), 1),
            "p95 ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
        }

    def decisions(self) -> Optional[Dict[str, object]]:
        return decision_figures(self.outcomes, self.golds) if self.outcomes else None


def score(name: str, system: System, questions: Sequence[Question]) -> SystemScore:
    result = SystemScore(name)
    for question in questions:
        started = time.perf_counter()
        prediction = system(question.text)
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        if question.entry_id is not None and prediction.entries:
            ranking = prediction.entries
            rank = ranking.index(question.entry_id) + 1 if question.entry_id in ranking else None
            result.hits1.append(float(rank == 1))
            result.hits3.append(float(rank is not None and rank <= 3))
            result.reciprocal_ranks.append(1.0 / rank if rank else 0.0)
        if question.topic is not None:
            result.topic_hits1.append(float(prediction.topic == question.topic))
            result.ranking_topic_hits1.append(float(prediction.ranking_topic == question.topic))
        if prediction.decision is not None and question.entry_labelled:
            answered = prediction.entries[0] if prediction.entries else None
            result.outcomes.append(outcome(prediction.decision, answered, prediction.candidates, question.entry_id))
            result.golds.append(question.entry_id)
    return result


def _from_hits(hits, kb: KnowledgeBase, decision=None) -> Prediction:
    ids = [h.entry.id for h in hits]
    return Prediction(
        ids, kb.get(ids[0]).topic if ids else None,
        decision.kind if decision else None, tuple(h.entry.id for h in decision.candidates) if decision else (),
        decision.topic if decision else None,
    )


def systems(service: KnowledgeService, k: int = 10) -> Dict[str, System]:
    kb, hybrid = service.kb, service.hybrid

    def hybrid_system(text: str) -> Prediction:
        hits = hybrid.search(text, k)
        return _from_hits(hits, kb, decide_by_similarity(normalise(text), hits))

    def bot(text: str) -> Prediction:
        decision = service.ask(text, k=k)
        return _from_hits(decision.hits, kb, decision)

    return {
        BM25: lambda text: _from_hits(hybrid.bm25.search(text, k), kb),
        DENSE: lambda text: _from_hits(hybrid.dense.search(text, k), kb),
        HYBRID: hybrid_system,
        PROTOTYPES: prototype_system(service),
        RERANKER: bot,
    }


def load_prototypes(path: Path = PROTOTYPES_FILE) -> List[Tuple[str, str]]:
    """(topic, question) pairs of the naive baseline."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["prototypes"]
    return [(topic, question) for topic, questions in raw.items() for question in questions]


def prototype_system(service: KnowledgeService, path: Path = PROTOTYPES_FILE) -> System:
    """The naive baseline: the topic of the nearest hand-written prototype question by dense cosine."""
    prototypes = load_prototypes(path)
    dense = service.hybrid.dense
    vectors = dense.encode([normalise(q) for _, q in prototypes])

    def predict(text: str) -> Prediction:
        similarities = vectors @ dense.embed_query(normalise(text))
        return Prediction([], prototypes[int(np.argmax(similarities))][0])

    return predict


def response_selector_system(kb: KnowledgeBase) -> System:
    """Rasa's ResponseSelector trained on the same entries; the model is cached per knowledge-base version."""
    from rasa.core.agent import Agent

    model_dir = var_dir() / "bench" / f"response-selector-{kb.fingerprint}"
    models = sorted(model_dir.glob("*.tar.gz"))
    if not models:
        models = [_train_response_selector(kb, model_dir)]
    agent = Agent.load(str(models[-1]))
    loop = asyncio.new_event_loop()

    def predict(text: str) -> Prediction:
        parsed = loop.run_until_complete(agent.parse_message(text))
        ranking = parsed.get("response_selector", {}).get("faq", {}).get("ranking", [])
        ids = [item["intent_response_key"].split("/", 1)[1] for item in ranking]
        ids = [i for i in ids if i in kb]
        return Prediction(ids, kb.get(ids[0]).topic if ids else None)

    return predict


RESPONSE_SELECTOR_CONFIG = """\
recipe: default.v1
language: zh
assistant_id: kb-bench-response-selector
pipeline:
  - name: bot.text.rasa_components.ChineseNormaliser
  - name: JiebaTokenizer
    dictionary_path: {dictionary}
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: ResponseSelector
    epochs: 100
    retrieval_intent: faq
    ranking_length: 10
    constrain_similarities: true
policies: []
"""


def _train_response_selector(kb: KnowledgeBase, model_dir: Path) -> Path:
    from rasa.model_training import train_nlu

    from bot.knowledge.nlu_export import write_response_selector_data

    data_dir = model_dir / "data"
    write_response_selector_data(kb, data_dir)
    config = model_dir / "config.yml"
    config.write_text(RESPONSE_SELECTOR_CONFIG.format(dictionary=JIEBA_DICTIONARY.parent), encoding="utf-8")
    path = train_nlu(
        config=str(config),
        nlu_data=str(data_dir / "nlu.yml"),
        output=str(model_dir),
        domain=str(data_dir / "domain.yml"),
        fixed_model_name="response-selector",
    )
    return Path(path)


COLUMNS = ("system", "hit@1", "hit@3", "MRR", "topic hit@1", "topic hit@1 (with decisions)", "median ms", "p95 ms")
DECISION_ROWS = (
    "questions", "answered", "clarified", "fell back", "clarification rate", "direct answers right",
    "clarified, right entry among buttons", "uncovered questions", "uncovered that fell back",
)


def markdown_table(rows: List[Dict[str, object]]) -> str:
    def cell(value: object) -> str:
        return "–" if value is None else str(value)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def decisions_table(decisions: Dict[str, Dict[str, object]]) -> str:
    names = list(decisions)
    lines = ["| | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
    for key in DECISION_ROWS:
        lines.append(f"| {key} | " + " | ".join("–" if decisions[n].get(key) is None else str(decisions[n][key])
                                               for n in names) + " |")
    return "\n".join(lines)


def targets(figures: Dict[str, object]) -> List[Tuple[str, object, bool]]:
    """The issue's three targets for the bot's decisions, each with the measured value and whether it is met."""
    clarify, precision, fallback = (figures.get("clarification rate"), figures.get("direct answers right"),
                                    figures.get("uncovered that fell back"))
    return [
        (f"clarification rate ≤ {TARGET_MAX_CLARIFY:.0%}", clarify, clarify is not None and clarify <= TARGET_MAX_CLARIFY),
        (f"direct answers right ≥ {TARGET_MIN_ANSWER_PRECISION:.0%}", precision,
         precision is not None and precision >= TARGET_MIN_ANSWER_PRECISION),
        (f"uncovered questions that fall back ≥ {TARGET_MIN_UNCOVERED_FALLBACK:.0%}", fallback,
         fallback is not None and fallback >= TARGET_MIN_UNCOVERED_FALLBACK),
    ]


@dataclass
class SetResult:
    name: str
    questions: List[Question]
    scores: List[SystemScore]
    # The bot's out-of-fold calibration figures from training, shown with the set it was trained on.
    calibration: Optional[Dict[str, object]] = None

    def as_dict(self) -> Dict[str, object]:
        decisions = {s.system: s.decisions() for s in self.scores if s.decisions()}
        out: Dict[str, object] = {
            "questions": len(self.questions),
            "with entry": sum(q.entry_id is not None for q in self.questions),
            "uncovered": sum(q.uncovered for q in self.questions),
            "out of scope": sum(q.topic == OUT_OF_SCOPE for q in self.questions),
            "systems": [s.row() for s in self.scores],
            "decisions": decisions,
        }
        if RERANKER in decisions and any(q.entry_labelled for q in self.questions):
            out["targets"] = [{"target": t, "value": v, "met": m} for t, v, m in targets(decisions[RERANKER])]
        if self.calibration:
            out["calibration (out of fold, from training)"] = self.calibration
        return out

    def markdown(self) -> str:
        data = self.as_dict()
        text = (
            f"### {self.name}: {data['questions']} questions ({data['with entry']} with an answering entry, "
            f"{data['uncovered']} with none, {data['out of scope']} out of scope)\n\n"
            + markdown_table(data["systems"])  # type: ignore[arg-type]
        )
        decisions = data["decisions"]
        if decisions and any(q.entry_labelled for q in self.questions):
            text += "\n\nDecisions (questions labelled with an entry or `null`):\n\n" + decisions_table(decisions)  # type: ignore[arg-type]
        if "targets" in data:
            text += "\n\nTargets for the bot: " + "; ".join(
                f"{t['target']}: {t['value']} {'met' if t['met'] else 'NOT met'}" for t in data["targets"]  # type: ignore[index]
            )
        if self.calibration:
            text += "\n\n" + calibration_markdown(self.calibration)
        return text


def calibration_markdown(report: Dict[str, object]) -> str:
    """The training's out-of-fold figures on the tuning half: what answering on the top hit's confidence would do
    (risk–coverage, the reranker's probability and the calibrated one), and the chosen policy."""
    raw = {row["top at least"]: row for row in report.get("raw coverage", [])}  # type: ignore[union-attr]
    calibrated = {row["top at least"]: row for row in report.get("calibrated coverage", [])}  # type: ignore[union-attr]

    def cell(value: object) -> str:
        return "–" if value is None else str(value)

    lines = [
        f"**Out of fold, from training** ({report.get('questions')} tuning questions; each ranked by a reranker that "
        f"never saw it, calibrated by a calibrator that never saw it, mean over {report.get('repeats', 1)} fold "
        "assignments). Answering when the top hit's confidence is at least *t*:",
        "",
        "| t | reranker p: share | right | calibrated: share | right | right entry in top 3 | in a menu of the top's topic |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in sorted(set(raw) | set(calibrated)):
        r, c = raw.get(t, {}), calibrated.get(t, {})
        lines.append(f"| {t} | {cell(r.get('share'))} | {cell(r.get('right'))} | {cell(c.get('share'))} | "
                     f"{cell(c.get('right'))} | {cell(c.get('right entry in top 3'))} | "
                     f"{cell(c.get('right entry in a menu of its topic'))} |")
    chosen = report.get("chosen policy") or {}
    if chosen:
        figures = chosen.get("figures", {})  # type: ignore[union-attr]
        lines += ["", f"Chosen policy {chosen.get('thresholds')} (meets the targets with margin: "  # type: ignore[union-attr]
                      f"{chosen.get('meets the targets with margin')}): "  # type: ignore[union-attr]
                      + "; ".join(f"{k} {v}" for k, v in figures.items())]  # type: ignore[union-attr]
    return "\n".join(lines)


def run(service: KnowledgeService, sets: Sequence[Tuple[str, Sequence[Question]]],
        extra: Optional[Dict[str, System]] = None) -> List[SetResult]:
    all_systems = systems(service)
    all_systems.update(extra or {})
    calibration = getattr(service.retriever.model, "report", None) or None
    return [SetResult(name, list(qs), [score(n, s, qs) for n, s in all_systems.items()],
                      calibration if name == REAL_SETS[0][0] else None) for name, qs in sets]


def report(results: Sequence[SetResult], header: str, output: Path) -> str:
    text = header + "\n\n" + "\n\n".join(r.markdown() for r in results) + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    output.with_suffix(".json").write_text(
        json.dumps({"header": header, "sets": {r.name: r.as_dict() for r in results}}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    return text
