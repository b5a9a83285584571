"""`kb bench`: retrieval quality and latency of BM25, dense, hybrid and Rasa's ResponseSelector, in one run.

Questions come from JSONL files whose lines are ``{"text": ..., "entry_id": ...}`` (scored on the entry:
hit@1, hit@3, MRR) or ``{"text": ..., "topic": ...}`` (scored on the top hits' topics: topic hit@1/hit@3).
"""
from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from bot.knowledge.decision import ANSWER, CLARIFY, FALLBACK
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.service import JIEBA_DICTIONARY, KnowledgeService
from bot.paths import KNOWLEDGE_DIR, var_dir
from bot.text import normalise

DEFAULT_QUESTION_DIRS = (KNOWLEDGE_DIR / "bench" / "dev", KNOWLEDGE_DIR / "bench" / "customer_topics")

HYBRID = "hybrid (RRF + topic prior)"

# A ranker maps a question to entry ids, best first.
Ranker = Callable[[str], List[str]]


class BenchInputError(ValueError):
    """A question file that cannot be scored; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    text: str
    entry_id: Optional[str] = None
    topic: Optional[str] = None


def load_questions(paths: Sequence[Path], kb: KnowledgeBase) -> List[Question]:
    questions = []
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                where = f"{file}:{number}"
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
                if topic is not None and topic not in kb.topics:
                    raise BenchInputError(f"{where}: unknown topic {topic!r}")
                questions.append(Question(raw["text"], entry_id, topic))
    if not questions:
        raise BenchInputError("no questions found in " + ", ".join(map(str, paths)))
    return questions


def leaked_questions(questions: Sequence[Question], kb: KnowledgeBase) -> List[str]:
    """Benchmark questions that are stored wordings: scoring them would measure memory, not retrieval."""
    stored = {normalise(text) for entry in kb.entries for text in entry.texts}
    return [q.text for q in questions if normalise(q.text) in stored]


@dataclass
class SystemScore:
    system: str
    hits1: List[float] = field(default_factory=list)
    hits3: List[float] = field(default_factory=list)
    reciprocal_ranks: List[float] = field(default_factory=list)
    topic_hits1: List[float] = field(default_factory=list)
    topic_hits3: List[float] = field(default_factory=list)
    latencies_ms: List[float] = field(default_factory=list)

    def row(self) -> Dict[str, object]:
        def mean(values: List[float]) -> Optional[float]:
            return round(sum(values) / len(values), 3) if values else None

        latencies = sorted(self.latencies_ms)
        return {
            "system": self.system,
            "hit@1": mean(self.hits1),
            "hit@3": mean(self.hits3),
            "MRR": mean(self.reciprocal_ranks),
            "topic hit@1": mean(self.topic_hits1),
            "topic hit@3": mean(self.topic_hits3),
            "median ms": round(statistics.median(latencies), 1),
            "p95 ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
        }


def score(system: str, ranker: Ranker, questions: Sequence[Question], kb: KnowledgeBase) -> SystemScore:
    result = SystemScore(system)
    for question in questions:
        started = time.perf_counter()
        ranking = ranker(question.text)
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        if question.entry_id is not None:
            rank = ranking.index(question.entry_id) + 1 if question.entry_id in ranking else None
            result.hits1.append(float(rank == 1))
            result.hits3.append(float(rank is not None and rank <= 3))
            result.reciprocal_ranks.append(1.0 / rank if rank else 0.0)
        if question.topic is not None:
            topics = [kb.get(entry_id).topic for entry_id in ranking[:3]]
            result.topic_hits1.append(float(bool(topics) and topics[0] == question.topic))
            result.topic_hits3.append(float(question.topic in topics))
    return result


def service_rankers(service: KnowledgeService, k: int = 10) -> Dict[str, Ranker]:
    retriever = service.retriever
    return {
        "BM25": lambda text: [h.entry.id for h in retriever.bm25.search(text, k)],
        "dense": lambda text: [h.entry.id for h in retriever.dense.search(text, k)],
        "hybrid, RRF only": lambda text: [h.entry.id for h in retriever.search(text, k, topic_prior=False)],
        HYBRID: lambda text: [h.entry.id for h in retriever.search(text, k)],
    }


def response_selector_ranker(kb: KnowledgeBase) -> Ranker:
    """Rasa's ResponseSelector trained on the same entries; the model is cached per knowledge-base version."""
    from rasa.core.agent import Agent

    model_dir = var_dir() / "bench" / f"response-selector-{kb.fingerprint}"
    models = sorted(model_dir.glob("*.tar.gz"))
    if not models:
        models = [_train_response_selector(kb, model_dir)]
    agent = Agent.load(str(models[-1]))
    loop = asyncio.new_event_loop()

    def rank(text: str) -> List[str]:
        parsed = loop.run_until_complete(agent.parse_message(text))
        ranking = parsed.get("response_selector", {}).get("faq", {}).get("ranking", [])
        return [item["intent_response_key"].split("/", 1)[1] for item in ranking]

    return rank


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


def decision_breakdown(service: KnowledgeService, questions: Sequence[Question]) -> Dict[str, object]:
    """What the bot would do with each entry-labelled question, and how often that is right."""
    labelled = [q for q in questions if q.entry_id is not None]
    counts = {ANSWER: 0, CLARIFY: 0, FALLBACK: 0}
    answered_right = clarified_right = 0
    for question in labelled:
        decision = service.ask(question.text)
        counts[decision.kind] += 1
        if decision.kind == ANSWER:
            answered_right += decision.hits[0].entry.id == question.entry_id
        elif decision.kind == CLARIFY:
            clarified_right += question.entry_id in [h.entry.id for h in decision.candidates]

    def share(part: int, whole: int) -> Optional[float]:
        return round(part / whole, 3) if whole else None

    return {
        "questions": len(labelled),
        "answered": counts[ANSWER],
        "answered, right entry": share(answered_right, counts[ANSWER]),
        "clarified": counts[CLARIFY],
        "clarified, right entry among buttons": share(clarified_right, counts[CLARIFY]),
        "fell back": counts[FALLBACK],
    }


COLUMNS = ("system", "hit@1", "hit@3", "MRR", "topic hit@1", "topic hit@3", "median ms", "p95 ms")


def markdown_table(rows: List[Dict[str, object]]) -> str:
    def cell(value: object) -> str:
        return "–" if value is None else str(value)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row[c]) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)
