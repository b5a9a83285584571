"""``remedy``: the remedy engine and the unfair-terms check from the command line.

    remedy assess facts.json [--json]      remedies for the case facts in a JSON file (``-`` reads stdin)
    remedy check-terms clause.txt [--json] likely unfair clauses in a clause or agreement (``-`` reads stdin)
    remedy eval-terms                      precision and recall of the check on our labelled clauses

Bad input exits with code 2 and a message saying what is wrong.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

from bot.remedies.explain import render_assessment, render_findings
from bot.remedies.facts import CaseFacts, question_for
from bot.remedies.rules import assess
from bot.remedies.terms import (
    CLAUSES_FILE, HOLDOUT_FILE, OTHER, REAL_FILE, RULES, Evaluation, check_terms, evaluate, load_labelled_clauses,
)

BAD_INPUT = 2


class InputError(Exception):
    """A file we cannot use; the message says why."""


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def _assess(args: argparse.Namespace) -> int:
    text = _read(args.facts)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{args.facts} is not valid JSON: {error}") from None
    try:
        facts = CaseFacts.from_dict(data)
    except ValueError as error:
        raise InputError(f"{args.facts}: {error}") from None
    assessment = assess(facts)
    if args.json:
        print(json.dumps(assessment.to_dict(), ensure_ascii=False, indent=2))
    elif assessment.missing_facts:
        print("还需要这些信息才能判断：")
        for name in assessment.missing_facts:
            print(f"- {name}: {question_for(name).text}")
    else:
        print(render_assessment(assessment))
    return 0


def _check_terms(args: argparse.Namespace) -> int:
    text = _read(args.text)
    if not text.strip():
        raise InputError(f"{args.text} is empty: paste a clause or an agreement")
    findings = check_terms(text)
    if args.json:
        print(json.dumps({"findings": [f.to_dict() for f in findings]}, ensure_ascii=False, indent=2))
    else:
        print(render_findings(findings))
    return 0


EVAL_SETS = (
    ("seed clauses (patterns written against these)", CLAUSES_FILE),
    ("held-out clauses (written after the patterns; two misses since used to widen them)", HOLDOUT_FILE),
    ("real clauses from published agreements (labelled after the rules were fixed)", REAL_FILE),
)


def _print_evaluation(label: str, count: int, result: Evaluation) -> None:
    overall = result.overall
    terms = overall.true_positives + overall.false_negatives
    unfair = result.clauses_flagged_unfair + result.clauses_missed
    print(f"{label}: {count} clauses ({unfair} unfair, {count - unfair} fair), {terms} unfair terms")
    print(f"  per term: precision {result.precision:.3f}  recall {result.recall:.3f}  "
          f"(tp {overall.true_positives}, fp {overall.false_positives}, fn {overall.false_negatives})")
    print(f"  per clause (flagged at all): precision {result.clause_precision:.3f}  "
          f"recall {result.clause_recall:.3f}")
    print(f"  {'kind':<22}{'terms':>6}{'found':>6}{'precision':>11}{'recall':>8}")
    for kind in [rule.kind for rule in RULES] + [OTHER]:
        score = result.per_kind[kind]
        labelled = score.true_positives + score.false_negatives
        found = score.true_positives + score.false_positives
        if labelled or found:
            # A ratio with nothing to divide by is undefined, not zero.
            precision = f"{score.precision:.3f}" if found else "—"
            recall = f"{score.recall:.3f}" if labelled else "—"
            print(f"  {kind:<22}{labelled:>6}{found:>6}{precision:>11}{recall:>8}")
    for mistake in result.mistakes:
        print(f"  - {mistake}")


def _eval_terms(args: argparse.Namespace) -> int:
    for label, path in EVAL_SETS:
        try:
            clauses = load_labelled_clauses(path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise InputError(f"cannot load {path}: {error}") from None
        _print_evaluation(label, len(clauses), evaluate(clauses))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="remedy", description="Consumer remedies and unfair-terms check.")
    commands = parser.add_subparsers(dest="command", required=True)
    assess_cmd = commands.add_parser("assess", help="remedies for a JSON facts file")
    assess_cmd.add_argument("facts", help="JSON facts file, or - for stdin")
    assess_cmd.add_argument("--json", action="store_true", help="print the assessment as JSON")
    assess_cmd.set_defaults(run=_assess)
    terms_cmd = commands.add_parser("check-terms", help="flag likely unfair clauses in a text file")
    terms_cmd.add_argument("text", help="text file with a clause or an agreement, or - for stdin")
    terms_cmd.add_argument("--json", action="store_true", help="print {\"findings\": [...]} as JSON")
    terms_cmd.set_defaults(run=_check_terms)
    eval_cmd = commands.add_parser("eval-terms", help="precision and recall on the labelled clauses")
    eval_cmd.set_defaults(run=_eval_terms)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except InputError as error:
        print(f"remedy: error: {error}", file=sys.stderr)
        return BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
