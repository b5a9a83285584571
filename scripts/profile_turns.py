"""Where a turn's time goes: run the load benchmark's conversations against our embedded bot (and, in the same run,
the bare ``rasa init`` bot), sample both of our processes with py-spy, and print the breakdown.

    python scripts/profile_turns.py                      # 50 conversations of 10 messages
    python scripts/profile_turns.py --conversations 10 --no-bare

For each process it reports the CPU time per message (from /proc, user + system) and the share of py-spy's
on-CPU samples per stage of the turn (NLU components, policies, tracker store, the desk's routing, retrieval,
the encoder …), each sample counted once under the deepest stage it passes through. Writes
``var/bench/profile.{json,md}``; the raw py-spy stacks (collapsed format) stay beside them for a flame graph.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_load import SCRIPT, bare_rasa, embedded, load, machine  # noqa: E402

from bot.paths import REPO_ROOT  # noqa: E402

VENV_BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# (stage, pattern on a frame "function (file:line)"). A sample counts under the deepest frame that matches a
# stage of the first table; only when none does, under the deepest match in the second (libraries everything
# passes through: SQLAlchemy under the tracker store is the tracker store's time).
STAGES: Sequence[Tuple[str, str]] = (
    ("NLU: normaliser (OpenCC)", r"bot/text/rasa_components\.py.*\b(process|normal)|opencc"),
    ("NLU: person-request classifier", r"PersonRequestClassifier|bot/text/acts\.py"),
    ("NLU: jieba tokenizer", r"jieba_tokenizer\.py|jieba/"),
    ("NLU: regex featurizer", r"regex_featurizer\.py"),
    ("NLU: lexical-syntactic featurizer", r"lexical_syntactic_featurizer\.py"),
    ("NLU: count-vectors featurizers", r"count_vectors_featurizer\.py"),
    ("NLU: DIET classifier", r"diet_classifier\.py"),
    ("NLU: fallback, synonyms", r"fallback_classifier\.py|entity_synonyms\.py"),
    ("policies: TED", r"ted_policy\.py"),
    ("policies: rules", r"rule_policy\.py"),
    ("policies: memoization", r"memoization\.py"),
    ("policies: ensemble, featurising the tracker",
     r"policies/ensemble\.py|tracker_featurizers\.py|single_state_featurizer\.py"),
    ("tracker store (read, write, encrypt)", r"tracker_store\.py|bot/store/rasa_tracker\.py"),
    ("lock store", r"lock_store\.py"),
    ("desk gate (bot stays out while a person has it)", r"bot/channels/desk_gate\.py"),
    ("running actions (call to the action server, checking its response)",
     r"rasa/core/actions/action\.py|rasa/utils/endpoints\.py|jsonschema/"),
    ("log masking", r"bot/store/privacy\.py"),
    ("actions: retrieval, reading the question", r"bot/knowledge/reading\.py"),
    ("actions: retrieval, BM25", r"BM25|rank_bm25"),
    ("actions: retrieval, dense encoder",
     r"sentence_transformers|tensorflow_hub|fast_universal|bot/knowledge/embedding\.py"),
    ("actions: retrieval, reranker features", r"bot/knowledge/rerank\.py"),
    ("actions: retrieval, decision and reply", r"bot/knowledge/(decision|reply|service)\.py"),
    ("remedies", r"bot/remedies/"),
    ("complaints", r"bot/complaints/"),
    ("desk (routing, hand-off, its database work)", r"bot/desk/"),
    ("answer log", r"bot/knowledge/answer_log\.py"),
)
LIBRARIES: Sequence[Tuple[str, str]] = (
    ("database (SQLAlchemy), outside the stages above", r"sqlalchemy/"),
    ("Rasa SDK (tracker parsing, HTTP)", r"rasa_sdk/"),
    ("HTTP server (Sanic), JSON", r"sanic/|ujson|json/"),
    ("logging", r"logging/|structlog"),
)
# Asleep, though py-spy cannot always tell: a thread-pool worker waiting for work, the event loop waiting in epoll.
IDLE_LEAF = re.compile(r"^(_worker \(concurrent/futures/thread\.py:\d+\)|serve \(sanic/server/runners\.py:\d+\))$")
_COMPILED = [[(name, re.compile(pattern)) for name, pattern in table] for table in (STAGES, LIBRARIES)]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def stage_of(stack: str) -> Optional[str]:
    """The stage a sampled stack belongs to (None: an idle worker thread)."""
    frames = stack.split(";")
    if IDLE_LEAF.match(frames[-1]):
        return None
    for table in _COMPILED:
        found = [name for frame in frames for name, pattern in table if pattern.search(frame)]
        if found:
            return found[-1]
    return "other (Rasa's graph runner, asyncio, serialisation …)"


def breakdown(raw: Path) -> Dict[str, float]:
    """Share of samples per stage, from py-spy's collapsed stacks ("frame;frame;… count" per line)."""
    counts: Counter = Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        stage = stage_of(stack) if stack and count.isdigit() else None
        if stage:
            counts[stage] += int(count)
    total = sum(counts.values()) or 1
    return {stage: round(n / total, 3) for stage, n in counts.most_common()}


def sampled(pids: Dict[str, int], workdir: Path) -> Dict[str, Tuple[subprocess.Popen, Path]]:
    samplers = {}
    for name, pid in pids.items():
        raw = workdir / f"{name}.pyspy.txt"
        samplers[name] = (subprocess.Popen(
            [str(VENV_BIN / "py-spy"), "record", "--pid", str(pid), "--rate", "50", "--format", "raw",
             "--output", str(raw), "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), raw)
    time.sleep(1.0)  # py-spy attaches
    return samplers


def run_load(url: str, conversations: int, messages: int, pids: Dict[str, int], workdir: Optional[Path]) -> dict:
    asyncio.run(load(url, min(conversations, 2), 1))  # warm the first turn's code paths, as the benchmark does
    samplers = sampled(pids, workdir) if workdir else {}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    record, wall = asyncio.run(load(url, conversations, messages))
    after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    stages = {}
    for name, (process, raw) in samplers.items():
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        stages[name] = breakdown(raw) if raw.exists() else {}
    n = len(record)
    return {
        "messages": n, "wall_seconds": round(wall, 1), "messages_per_second": round(n / wall, 2),
        "lost": sum(entry[0] == "lost" for entry in record),
        "cpu_ms_per_message": {name: round(1000 * (after[name] - before[name]) / n, 1) for name in pids},
        "stages": stages,
    }


def pids_listening(ports: Sequence[int]) -> Dict[int, int]:
    """Which process listens on each port (ss -ltnp)."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        for port in ports:
            if re.search(rf"[:.]{port}\s", line):
                match = re.search(r"pid=(\d+)", line)
                if match:
                    found[port] = int(match.group(1))
    return found


def report(result: dict, bare: Optional[dict]) -> str:
    lines = ["| process | CPU ms per message |" + (" bare `rasa init` |" if bare else ""),
             "|---|---|" + ("---|" if bare else "")]
    for name, ms in result["cpu_ms_per_message"].items():
        lines.append(f"| {name} | {ms} |" + (f" {bare['cpu_ms_per_message'].get('rasa', '')} |"
                                             if bare and name == "rasa" else (" |" if bare else "")))
    for name, stages in result["stages"].items():
        lines += ["", f"**{name}** (share of on-CPU samples)", "", "| stage | share |", "|---|---|"]
        lines += [f"| {stage} | {share:.1%} |" for stage, share in stages.items() if share >= 0.005]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=len(SCRIPT))
    parser.add_argument("--no-bare", action="store_true", help="skip the bare rasa init baseline")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "bench" / "profile.json")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    keep = args.out.parent
    with tempfile.TemporaryDirectory(prefix="profile-turns-") as scratch:
        bare = None
        if not args.no_bare:
            (Path(scratch) / "bare").mkdir()
            with bare_rasa(Path(scratch) / "bare") as url:
                port = int(url.rsplit(":", 1)[1])
                bare = run_load(url, args.conversations, args.messages,
                                {"rasa": pids_listening([port])[port]}, None)
        (Path(scratch) / "embedded").mkdir()
        with embedded(Path(scratch) / "embedded") as url:
            port = int(url.rsplit(":", 1)[1])
            listening = pids_listening([port])
            action_port = int(re.search(r":(\d+)/webhook", (Path(scratch) / "embedded" / "endpoints.yml")
                                        .read_text()).group(1))
            listening.update(pids_listening([action_port]))
            ours = run_load(url, args.conversations, args.messages,
                            {"rasa": listening[port], "actions": listening[action_port]}, keep)
    table = report(ours, bare)
    print(table)
    ran_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    facts = machine()
    args.out.write_text(json.dumps({"machine": facts, "ran_at": ran_at, "conversations": args.conversations,
                                    "script": SCRIPT[:args.messages], "embedded": ours, "bare": bare},
                                   ensure_ascii=False, indent=2), encoding="utf-8")
    args.out.with_suffix(".md").write_text(
        f"# Where a turn's time goes, {ran_at}\n\nMachine: {facts['cores']} cores, {facts['cpu']}. "
        f"{args.conversations} conversations of {args.messages} messages; embedded "
        f"{ours['messages_per_second']} msg/s" + (f", bare {bare['messages_per_second']} msg/s" if bare else "")
        + f".\n\n{table}\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}; raw stacks: {keep}/*.pyspy.txt")
    return 0 if ours["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
