"""Load benchmark: many customers at once, against our bot and — in the same run, on the same machine — a bare
``rasa init`` bot as the baseline.

Each simulated customer holds one closed-loop conversation over the REST channel (the next message leaves when
the reply to the last one arrived): a question, a follow-up, a remedy interview with its answers, a complaint
started and cancelled, a request for a person, thanks. A message is *lost* when the customer got no reply at all
(HTTP error, timeout, empty reply); a *failed turn* got the never-silent apology. Reported per target and level:
messages per second, p50/p95/p99 reply latency, lost, failed, and our figures as ratios to the bare bot.

    python scripts/bench_load.py                                   # bare, embedded, production (2 Rasa) at 10, 50
    python scripts/bench_load.py --targets bare,embedded --levels 10,50,200,1000
    python scripts/bench_load.py --targets production-1,production-2,production-3 --levels 50

Targets: ``bare`` (``rasa init`` project in var/bench/bare-rasa, trained once), ``embedded`` (run-bot.sh's
processes on free ports, state in a temporary folder), ``production-N`` (N Rasa servers and two action servers
behind nginx, PostgreSQL and Redis; databases of its own, dropped afterwards). Prints a table and writes
``var/bench/load.json`` and ``var/bench/load.md`` with the machine it ran on.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, List, Optional

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.channels.safety import APOLOGY_TEXT  # noqa: E402
from bot.paths import REPO_ROOT, index_dir  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SCRIPT = [
    "你好",
    "网上买的衣服不想要了，七天内能退吗",
    "那如果超过七天呢？",
    "淘宝买的衣服不想要了，收到货第5天，帮我看看怎么办",
    "拆开看过，没用",
    "299元",
    "我要投诉",
    "算了",
    "转人工",
    "谢谢",
]
TIMEOUT_SECONDS = 120


@dataclass
class Result:
    target: str
    conversations: int
    messages: int
    wall_seconds: float
    messages_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    lost: int
    failed_turns: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 900) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: exited with {process.returncode}\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=3) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not come up\n{log.read_text(errors='replace')[-2000:]}")


def spawn(command: List[str], cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(processes: List[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def bare_rasa(workdir: Path) -> Iterator[str]:
    """The baseline: the project ``rasa init`` makes, with the same Rasa install, trained once and kept."""
    project = REPO_ROOT / "var" / "bench" / "bare-rasa"
    if not list((project / "models").glob("*.tar.gz")):
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)  # rasa init wants the folder to exist
        print("bench: creating and training the bare `rasa init` bot (once)", flush=True)
        subprocess.run([str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)], check=True,
                       cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port, log = free_port(), workdir / "bare-rasa.log"
    rasa = spawn([str(VENV_BIN / "rasa"), "run", "--interface", "127.0.0.1", "--port", str(port), "--model", "models"],
                 project, {**os.environ}, log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", rasa, log)  # the HTTP API (/status) is off, as customers see it
        yield f"http://127.0.0.1:{port}"
    finally:
        stop([rasa])


@contextmanager
def embedded(workdir: Path) -> Iterator[str]:
    """Our bot as run-bot.sh starts it (action server, Rasa server), on free ports, state in ``workdir``."""
    from bot.deploy.launcher import newest_model

    action_port, rasa_port = free_port(), free_port()
    env = {**os.environ, "BOT_VAR_DIR": str(workdir / "var"), "KB_INDEX_DIR": str(index_dir()),
           "SANIC_HOST": "127.0.0.1", "SANIC_KEEP_ALIVE_TIMEOUT": "75"}
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        "tracker_store:\n  type: bot.store.rasa_tracker.EncryptedSQLTrackerStore\n  dialect: \"sqlite\"\n"
        f'  db: "{workdir / "tracker.db"}"\nlock_store:\n  type: in_memory\n', encoding="utf-8")
    actions = spawn([str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
                    REPO_ROOT, env, workdir / "actions.log")
    rasa = spawn([str(VENV_BIN / "rasa"), "run", "--interface", "127.0.0.1", "--port", str(rasa_port), "--model",
                  str(newest_model()), "--endpoints", str(endpoints), "--credentials",
                  str(REPO_ROOT / "credentials.yml")], REPO_ROOT, env, workdir / "rasa.log")
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, workdir / "actions.log")
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, workdir / "rasa.log")
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        stop([rasa, actions])


@contextmanager
def production(workdir: Path, rasa_servers: int) -> Iterator[str]:
    """The production profile with ``rasa_servers`` Rasa servers, on free ports and databases of its own."""
    import psycopg2
    from psycopg2 import sql

    from bot.deploy import Launcher, Topology

    suffix = secrets.token_hex(4)
    topology = Topology.on_free_ports(rasa_servers=rasa_servers, action_servers=2, database=f"bot_bench_{suffix}",
                                      tracker_database=f"bot_tracker_bench_{suffix}", lock_key_prefix=f"bench_{suffix}",
                                      workdir=workdir / f"production-{rasa_servers}")
    launcher = Launcher(topology)
    try:
        launcher.start()
        yield f"http://127.0.0.1:{topology.public_rasa_port}"
    finally:
        launcher.stop()
        admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            for name in (topology.database, topology.tracker_database):
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


async def conversation(http: aiohttp.ClientSession, url: str, messages: int, record: list) -> None:
    sender = f"load-{uuid.uuid4().hex[:12]}"
    for n in range(messages):
        started = time.monotonic()
        outcome = "lost"
        try:
            async with http.post(f"{url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": SCRIPT[n % len(SCRIPT)]}) as answer:
                replies = await answer.json(content_type=None) if answer.status == 200 else []
            if any(reply.get("text") == APOLOGY_TEXT for reply in replies):
                outcome = "failed"
            elif any(reply.get("text") or reply.get("buttons") for reply in replies):
                outcome = "reply"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            pass
        record.append((outcome, time.monotonic() - started))


async def load(url: str, conversations: int, messages: int) -> tuple:
    record: list = []
    connector = aiohttp.TCPConnector(limit=conversations)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.monotonic()
        await asyncio.gather(*(conversation(http, url, messages, record) for _ in range(conversations)))
        return record, time.monotonic() - started


def percentile(ordered: List[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(target: str, url: str, conversations: int, messages: int) -> Result:
    asyncio.run(load(url, min(conversations, 2), 1))  # warm the first turn's code paths; not counted
    record, wall = asyncio.run(load(url, conversations, messages))
    latencies = sorted(seconds * 1000 for _, seconds in record)
    return Result(target, conversations, len(record), round(wall, 1), round(len(record) / wall, 2),
                  round(statistics.median(latencies)), round(percentile(latencies, 0.95)),
                  round(percentile(latencies, 0.99)), sum(o == "lost" for o, _ in record),
                  sum(o == "failed" for o, _ in record))


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    return {"cores": os.cpu_count(), "cpu": model, "memory_gb": round(int(memory) / 1024 / 1024, 1),
            "python": platform.python_version()}


def report(results: List[Result]) -> str:
    bare = {r.conversations: r for r in results if r.target == "bare"}
    lines = ["| target | conversations | messages | msg/s | p50 ms | p95 ms | p99 ms | lost | failed turns "
             "| p95 / bare | throughput / bare |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        base = bare.get(r.conversations)
        ratios = (f"{r.p95_ms / base.p95_ms:.2f}×", f"{r.messages_per_second / base.messages_per_second:.2f}") \
            if base and r.target != "bare" else ("", "")
        lines.append(f"| {r.target} | {r.conversations} | {r.messages} | {r.messages_per_second} | {r.p50_ms} "
                     f"| {r.p95_ms} | {r.p99_ms} | {r.lost} | {r.failed_turns} | {ratios[0]} | {ratios[1]} |")
    return "\n".join(lines)


def _stop_on_sigterm(*_) -> None:
    raise KeyboardInterrupt  # unwinds through the context managers, which stop the servers they started


def main(argv: Optional[List[str]] = None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default="bare,embedded,production-2",
                        help="comma-separated: bare, embedded, production-N (default bare,embedded,production-2)")
    parser.add_argument("--levels", default="10,50", help="concurrent conversations, comma-separated")
    parser.add_argument("--messages", type=int, default=len(SCRIPT), help="messages per conversation")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "bench" / "load.json")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    targets = [target.strip() for target in args.targets.split(",") if target.strip()]
    for target in targets:
        if target not in ("bare", "embedded") and not (target.startswith("production-") and target[11:].isdigit()):
            parser.error(f"unknown target {target!r}: bare, embedded or production-N")

    results: List[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        for target in targets:
            workdir = Path(scratch) / target
            workdir.mkdir()
            if target == "bare":
                serving = bare_rasa(workdir)
            elif target == "embedded":
                serving = embedded(workdir)
            else:
                serving = production(workdir, int(target[11:]))
            with serving as url:
                for level in levels:
                    result = measure(target, url, level, args.messages)
                    results.append(result)
                    print(f"bench: {target} at {level} conversations: {result.messages_per_second} msg/s, "
                          f"p95 {result.p95_ms} ms, lost {result.lost}", flush=True)
    table = report(results)
    facts = machine()
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": facts, "ran_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                    "script": SCRIPT[:args.messages], "results": [asdict(r) for r in results]},
                                   ensure_ascii=False, indent=2), encoding="utf-8")
    args.out.with_suffix(".md").write_text(
        f"# Load benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
        f"Machine: {facts['cores']} cores, {facts['cpu']}, {facts['memory_gb']} GB.\n\n{table}\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0 if all(r.lost == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
