"""`kb`: build, validate, query and benchmark the knowledge base.

  kb validate                       check every entry; exit 1 listing the problems
  kb build                          write the jieba dictionary and NLU examples, warm the index cache
  kb ask "问题" [--json]             the decision and ranked hits for one question
  kb ask - --json                   one question per line on stdin, one JSON object per line out
  kb bench [questions.jsonl ...]    hit@1 / hit@3 / MRR and latency of every retriever, written to a file
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import List, Optional

from bot.knowledge.decision import ANSWER, CLARIFY, Decision
from bot.paths import KNOWLEDGE_DIR, var_dir


def _print_decision(decision: Decision, as_json: bool) -> None:
    if as_json:
        print(json.dumps(decision.as_dict(), ensure_ascii=False), flush=True)
        return
    print(f"decision: {decision.kind}")
    if decision.kind == ANSWER:
        entry = decision.hits[0].entry
        print(f"\n{entry.answer}\n\n法律依据：{entry.citation() or '（本平台服务规则）'}\n")
    elif decision.kind == CLARIFY:
        print("candidates: " + ", ".join(h.entry.id for h in decision.candidates))
    for rank, hit in enumerate(decision.hits, 1):
        print(f"{rank}. {hit.entry.id:<24} score={hit.score:.4f} dense={hit.dense:.3f} bm25={hit.bm25:.2f}  {hit.entry.question}")


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.knowledge.service import KnowledgeService

    service = KnowledgeService.load(model=args.model)
    if args.question != "-":
        _print_decision(service.ask(args.question, k=args.top), args.json)
        return 0
    # Streaming mode: the model is loaded once, each line answered as soon as it is read.
    for line in sys.stdin:
        text = line.rstrip("\n")
        if not text.strip():
            print(json.dumps({"decision": "fallback", "query": "", "error": "empty question"}, ensure_ascii=False), flush=True)
            continue
        _print_decision(service.ask(text, k=args.top), args.json)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.knowledge.validate import validate

    root = Path(args.root)
    problems = validate(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    from bot.knowledge.model import load_knowledge_base

    kb = load_knowledge_base(root)
    print(f"ok: {len(kb)} entries in {len({e.topic for e in kb.entries})} topics")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from bot.knowledge.service import JIEBA_DICTIONARY, build
    from bot.knowledge.validate import validate

    problems = validate()
    if problems:
        print("\n".join(problems))
        print("fix these before building (kb validate)", file=sys.stderr)
        return 1
    service = build()
    print(f"built: {len(service.kb)} entries, dictionary {JIEBA_DICTIONARY}, dense index cached under {var_dir() / 'index'}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.knowledge import bench
    from bot.knowledge.service import KnowledgeService

    service = KnowledgeService.load(model=args.model)
    paths = [Path(p) for p in args.questions] or list(bench.DEFAULT_QUESTION_DIRS)
    try:
        questions = bench.load_questions(paths, service.kb)
    except (bench.BenchInputError, OSError) as exc:
        print(f"kb bench: {exc}", file=sys.stderr)
        return 2
    leaked = bench.leaked_questions(questions, service.kb)
    if leaked:
        print(f"warning: {len(leaked)} question(s) are stored wordings, e.g. {leaked[0]!r}", file=sys.stderr)
    rankers = bench.service_rankers(service)
    if not args.skip_response_selector:
        rankers["Rasa ResponseSelector"] = bench.response_selector_ranker(service.kb)
    rows = [bench.score(name, ranker, questions, service.kb).row() for name, ranker in rankers.items()]
    table = bench.markdown_table(rows)
    labelled = sum(q.entry_id is not None for q in questions)
    header = (
        f"kb bench: {len(questions)} questions ({labelled} labelled by entry, {len(questions) - labelled} by topic), "
        f"{len(service.kb)} entries, model {args.model or 'default'}\n\n"
    )
    breakdown = bench.decision_breakdown(service, questions)
    decisions = "\n\nDecisions of the hybrid on entry-labelled questions:\n\n" + "\n".join(
        f"- {name}: {value}" for name, value in breakdown.items()
    )
    print(header + table + decisions)
    output = Path(args.output) if args.output else var_dir() / "bench" / "kb-bench.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(header + table + decisions + "\n", encoding="utf-8")
    output.with_suffix(".json").write_text(
        json.dumps({"systems": rows, "decisions": breakdown}, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(f"\nwritten to {output} (and .json)")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="kb", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="sentence-transformers model name or path (default: KB_EMBEDDING_MODEL or the offline model)")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question, or '-' for one per line on stdin")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ask.add_argument("--top", type=int, default=5, help="how many ranked hits to show")
    ask.set_defaults(func=cmd_ask)

    validate_parser = sub.add_parser("validate", help="check the knowledge base")
    validate_parser.add_argument("--root", default=str(KNOWLEDGE_DIR), help="knowledge folder (default: knowledge/)")
    validate_parser.set_defaults(func=cmd_validate)
    sub.add_parser("build", help="write derived files and warm the index").set_defaults(func=cmd_build)

    bench_parser = sub.add_parser("bench", help="benchmark retrieval quality and latency")
    bench_parser.add_argument("questions", nargs="*", help="JSONL files or folders (default: knowledge/bench/dev and customer_topics)")
    bench_parser.add_argument("--output", help="where to write the table (default var/bench/kb-bench.md)")
    bench_parser.add_argument("--skip-response-selector", action="store_true", help="skip training Rasa's ResponseSelector")
    bench_parser.set_defaults(func=cmd_bench)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
