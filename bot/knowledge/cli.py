"""`kb`: build, validate, query and benchmark the knowledge base.

  kb validate                       check every entry; exit 1 listing the problems
  kb build                          write the jieba dictionary and NLU examples, warm the index cache
  kb ask "问题" [--json]             the decision and ranked hits for one question
  kb ask - --json                   one question per line on stdin, one JSON object per line out
  kb bench [questions.jsonl ...]    quality, decisions and latency of every system per question set, to a file
  kb bench --real-only              only the real questions' tuning and test halves
  kb ablate [tune.jsonl]            what each reranker step buys, cross-validated on the tuning half
  kb ablate --fresh-from N          the same rows trained on the lines before N, scored on lines N to the end
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import List, Optional

from bot.knowledge.decision import ANSWER, CLARIFY, Decision
from bot.paths import KNOWLEDGE_DIR, index_dir, var_dir


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
        confidence = f" p={hit.confidence:.2f}" if hit.confidence is not None else ""
        print(f"{rank}. {hit.entry.id:<24}{confidence} dense={hit.dense:.3f} bm25={hit.bm25:.2f}  {hit.entry.question}")


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
    from bot.knowledge.dense_index import ANN_MIN_TEXTS
    from bot.knowledge.service import JIEBA_DICTIONARY, build
    from bot.knowledge.validate import validate

    problems = validate()
    if problems:
        print("\n".join(problems))
        print("fix these before building (kb validate)", file=sys.stderr)
        return 1
    service = build()
    dense = service.retriever.dense
    search = "HNSW" if dense.index.hnsw else f"brute force, exact below {ANN_MIN_TEXTS} texts"
    print(f"built: {len(service.kb)} entries, dictionary {JIEBA_DICTIONARY}, "
          f"dense index ({len(dense.vectors)} texts, {search}) cached under {index_dir()}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.knowledge import bench
    from bot.knowledge.service import KnowledgeService

    service = KnowledgeService.load(model=args.model)
    if args.questions:
        named = [(Path(p).stem if Path(p).is_file() else Path(p).name, Path(p)) for p in args.questions]
    else:
        named = list(bench.REAL_SETS if args.real_only else bench.DEFAULT_SETS)
    sets = []
    for name, path in named:
        if not path.exists() and not args.questions:
            print(f"kb bench: {path} not found, set {name!r} skipped", file=sys.stderr)
            continue
        try:
            questions = bench.load_questions([path], service.kb)
        except (bench.BenchInputError, OSError) as exc:
            print(f"kb bench: {exc}", file=sys.stderr)
            return 2
        leaked = bench.leaked_questions(questions, service.kb)
        if leaked:
            print(f"warning: {name}: {len(leaked)} question(s) are stored wordings, e.g. {leaked[0]!r}", file=sys.stderr)
        sets.append((name, questions))
    if not sets:
        print("kb bench: no question sets to score", file=sys.stderr)
        return 2
    extra = {bench.RESPONSE_SELECTOR: bench.response_selector_system(service.kb)} if args.response_selector else {}
    results = bench.run(service, sets, extra)
    header = (
        f"kb bench: {len(service.kb)} entries in {len({e.topic for e in service.kb.entries})} topics, "
        f"model {args.model or 'default'}, decision thresholds {service.policy}"
    )
    output = Path(args.output) if args.output else var_dir() / "bench" / "kb-bench.md"
    print(bench.report(results, header, output))
    print(f"written to {output} (and .json)")
    return 0


def cmd_ablate(args: argparse.Namespace) -> int:
    from bot.knowledge import ablation
    from bot.knowledge.model import load_knowledge_base
    from bot.knowledge.service import KnowledgeService

    questions = Path(args.questions)
    default_name = "kb-ablation.md" if args.fresh_from is None else "kb-ablation-fresh.md"
    output = Path(args.output) if args.output else var_dir() / "bench" / default_name
    try:
        if args.fresh_from is not None:
            # Bad input is reported before the model is loaded (ablation.run splits again on the service's base).
            ablation.fresh_split(questions, args.fresh_from, load_knowledge_base())
    except (ValueError, OSError) as exc:
        print(f"kb ablate: {exc}", file=sys.stderr)
        return 2
    service = KnowledgeService.load(model=args.model)
    try:
        text = ablation.run(service, questions, output, args.fresh_from)
    except ValueError as exc:
        print(f"kb ablate: {exc}", file=sys.stderr)
        return 2
    print(text)
    print(f"written to {output} (and .json)")
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
    bench_parser.add_argument("questions", nargs="*",
                              help="JSONL files or folders, one set each (default: dev, customer_topics, real tune, real test)")
    bench_parser.add_argument("--real-only", action="store_true", help="only the real questions' tune and test halves")
    bench_parser.add_argument("--output", help="where to write the tables (default var/bench/kb-bench.md)")
    bench_parser.add_argument("--response-selector", action="store_true",
                              help="also train and score Rasa's ResponseSelector (minutes on first use per KB version)")
    bench_parser.set_defaults(func=cmd_bench)

    ablate_parser = sub.add_parser("ablate", help="what each step of the reranker buys, cross-validated on the tuning half")
    ablate_parser.add_argument("questions", nargs="?", default=str(KNOWLEDGE_DIR / "bench" / "real" / "tune.jsonl"),
                               help="the tuning questions (default knowledge/bench/real/tune.jsonl)")
    ablate_parser.add_argument("--fresh-from", type=int, metavar="N",
                               help="no cross-validation: train on the file's lines before line N (1-based), "
                                    "score lines N to the end (the README's supplement: 224)")
    ablate_parser.add_argument("--output", help="where to write the table (default var/bench/kb-ablation.md, "
                                                "with --fresh-from var/bench/kb-ablation-fresh.md)")
    ablate_parser.set_defaults(func=cmd_ablate)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
