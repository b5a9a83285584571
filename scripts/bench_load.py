"""Load benchmark: many customers at once, against our bot and — in the same run, on the same machine — a bare
``rasa init`` bot as the baseline.

Each simulated customer holds one closed-loop conversation over the REST channel (the next message leaves when
the reply to the last one arrived): a question, a follow-up, a remedy interview with its answers, a complaint
started and cancelled, a request for a person, thanks. A message is *lost* when the customer got no reply at all
(HTTP error, timeout, empty reply); a *failed turn* got the never-silent apology. Reported per target and level:
messages per second, p50/p95/p99 reply latency, lost, failed, and our figures as ratios to the bare bot.

``--channels`` (default ``rest``) mixes channels: conversations are assigned round-robin to the listed ones —
``rest``, ``web`` (the website widget: a signed session token from /webhooks/web/session, then each message
POSTed to /webhooks/web/webhook, answered when the bot's replies for it come back) and ``wechat`` (the
platform's signed text XML to /webhooks/wechat/webhook, plain mode; answered by a passive XML reply with text or,
when the bot misses the 5-second budget, by a customer-service message that a local fake of the WeChat API
records for that openid). WeChat is turned on in ``embedded`` and in every Rasa server of ``production-N``
(bench-only WECHAT_* values generated at random, credentials file generated into the work folder); ``bare`` (a
plain ``rasa init`` bot) has only REST, so its conversations always use REST whatever the mix.

    python scripts/bench_load.py                                   # bare, embedded, production (2 Rasa) at 10, 50
    python scripts/bench_load.py --targets bare,embedded --levels 10,50,200,1000
    python scripts/bench_load.py --targets production-1,production-2,production-3 --levels 50
    python scripts/bench_load.py --targets bare,embedded --levels "" --long 200   # reply time at turn 200
    python scripts/bench_load.py --targets embedded --levels 10 --channels rest,web,wechat

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
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.channels.wechat.__main__ import credentials_text  # noqa: E402
from bot.deploy.processes import free_port, spawn, stop, wait_until_up  # noqa: E402
from bot.deploy.topology import SANIC_SETTINGS  # noqa: E402
from bot.paths import REPO_ROOT, index_dir  # noqa: E402
from scripts.load_channels import (  # noqa: E402
    CHANNELS, LOST_REASONS, FakeWeChatAPI, rest_conversation, web_conversation, wechat_conversation,
)

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
# The long conversation (``--long N``): questions and small talk only, so it never leaves the bot for a person.
LONG_SCRIPT = ["你好", "网上买的衣服不想要了，七天内能退吗", "那如果超过七天呢？", "快递丢了谁负责", "谢谢"]
# A reply later than this counts as lost. At 1,000 conversations on two cores a closed loop queues ~30 s per message.
TIMEOUT_SECONDS = 300


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
    channels: Dict[str, int] = field(default_factory=dict)  # messages per channel
    lost_reasons: Dict[str, int] = field(default_factory=dict)  # e.g. {"HTTP 502": 3, "timeout": 1}


@dataclass
class Mix:
    """The channels conversations go to (round-robin), and what WeChat needs when it is one of them."""
    channels: List[str]
    wechat_token: str = ""
    wechat_api: Optional[FakeWeChatAPI] = None


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


def wechat_channel(mix: Mix, workdir: Path) -> Tuple[Dict[str, str], Path]:
    """Bench-only WeChat settings (values made at random, plain mode, the default reply budget) and a credentials
    file with the channel on, as run-bot.sh enables it; starts the fake customer-service API the channel calls."""
    app_id, app_secret = "wx" + secrets.token_hex(8), secrets.token_urlsafe(24)
    mix.wechat_token = secrets.token_urlsafe(24)
    mix.wechat_api = FakeWeChatAPI(app_id, app_secret).__enter__()
    env = {"WECHAT_TOKEN": mix.wechat_token, "WECHAT_APP_ID": app_id, "WECHAT_APP_SECRET": app_secret,
           "WECHAT_API_BASE": mix.wechat_api.base, "WECHAT_MODE": "plain", "WECHAT_REPLY_BUDGET": "4.5"}
    credentials = workdir / "credentials.yml"
    base = (REPO_ROOT / "credentials.yml").read_text(encoding="utf-8")
    credentials.write_text(credentials_text(base, env), encoding="utf-8")
    return env, credentials


def close_wechat(mix: Optional[Mix]) -> None:
    if mix and mix.wechat_api:
        mix.wechat_api.__exit__()
        mix.wechat_api = None


@contextmanager
def embedded(workdir: Path, mix: Optional[Mix] = None) -> Iterator[str]:
    """Our bot as run-bot.sh starts it (action server, Rasa server), on free ports, state in ``workdir``; with
    WeChat in ``mix``, the channel enabled as run-bot.sh enables it, talking to a fake customer-service API."""
    from bot.deploy.launcher import newest_model

    action_port, rasa_port = free_port(), free_port()
    env = {**os.environ, "BOT_VAR_DIR": str(workdir / "var"), "KB_INDEX_DIR": str(index_dir()),
           "SANIC_HOST": "127.0.0.1", **SANIC_SETTINGS}
    credentials = REPO_ROOT / "credentials.yml"
    if mix and "wechat" in mix.channels:
        wechat_env, credentials = wechat_channel(mix, workdir)
        env.update(wechat_env)
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        "tracker_store:\n  type: bot.store.rasa_tracker.EncryptedSQLTrackerStore\n  dialect: \"sqlite\"\n"
        f'  db: "{workdir / "tracker.db"}"\nlock_store:\n  type: in_memory\n', encoding="utf-8")
    actions = spawn([str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
                    REPO_ROOT, env, workdir / "actions.log")
    # --enable-api as in run-bot.sh: without it Sanic cuts a request off after 60 s, counted from before its handler.
    rasa = spawn([str(VENV_BIN / "rasa"), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(rasa_port),
                  "--model", str(newest_model()), "--endpoints", str(endpoints), "--credentials", str(credentials)],
                 REPO_ROOT, env, workdir / "rasa.log")
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, workdir / "actions.log")
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, workdir / "rasa.log")
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        stop([rasa, actions])
        close_wechat(mix)


@contextmanager
def production(workdir: Path, rasa_servers: int, mix: Optional[Mix] = None) -> Iterator[str]:
    """The production profile with ``rasa_servers`` Rasa servers, on free ports and databases of its own; with
    WeChat in ``mix``, the channel on in every Rasa server, talking to a fake customer-service API."""
    import psycopg2
    from psycopg2 import sql

    from bot.deploy import Launcher, Topology

    suffix = secrets.token_hex(4)
    topology = Topology.on_free_ports(rasa_servers=rasa_servers, action_servers=2, database=f"bot_bench_{suffix}",
                                      tracker_database=f"bot_tracker_bench_{suffix}", lock_key_prefix=f"bench_{suffix}",
                                      workdir=workdir / f"production-{rasa_servers}")
    launcher = Launcher(topology)
    if mix and "wechat" in mix.channels:
        topology.workdir.mkdir(parents=True, exist_ok=True)
        launcher.extra_env, launcher.credentials = wechat_channel(mix, topology.workdir)
    try:
        launcher.start()
        yield f"http://127.0.0.1:{topology.public_rasa_port}"
    finally:
        launcher.stop()
        close_wechat(mix)
        admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            for name in (topology.database, topology.tracker_database):
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


async def conversation(http: aiohttp.ClientSession, url: str, messages: int, record: list,
                       script: List[str] = SCRIPT, channel: str = "rest", mix: Optional[Mix] = None) -> None:
    if channel == "web":
        await web_conversation(http, url, messages, record, script, TIMEOUT_SECONDS)
    elif channel == "wechat":
        await wechat_conversation(http, url, messages, record, script, TIMEOUT_SECONDS, mix.wechat_token,
                                  mix.wechat_api)
    else:
        await rest_conversation(http, url, messages, record, script, TIMEOUT_SECONDS)


async def load(url: str, conversations: int, messages: int, mix: Optional[Mix] = None) -> tuple:
    record: list = []
    channels = mix.channels if mix else ["rest"]
    connector = aiohttp.TCPConnector(limit=conversations)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.monotonic()
        await asyncio.gather(*(conversation(http, url, messages, record, SCRIPT, channels[n % len(channels)], mix)
                               for n in range(conversations)))
        return record, time.monotonic() - started


def percentile(ordered: List[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(target: str, url: str, conversations: int, messages: int, mix: Optional[Mix] = None) -> Result:
    channels = mix.channels if mix else ["rest"]
    # warm the first turn's code paths (of every channel in the mix); not counted
    asyncio.run(load(url, max(min(conversations, 2), len(channels)), 1, mix))
    LOST_REASONS.clear()
    record, wall = asyncio.run(load(url, conversations, messages, mix))
    latencies = sorted(seconds * 1000 for _, seconds, _ in record)
    return Result(target, conversations, len(record), round(wall, 1), round(len(record) / wall, 2),
                  round(statistics.median(latencies)), round(percentile(latencies, 0.95)),
                  round(percentile(latencies, 0.99)), sum(o == "lost" for o, _, _ in record),
                  sum(o == "failed" for o, _, _ in record),
                  {channel: sum(c == channel for _, _, c in record) for channel in channels}, dict(LOST_REASONS))


@dataclass
class LongConversation:
    target: str
    turns: int
    first_ten_median_ms: float
    last_ten_median_ms: float
    growth: float  # last ten ÷ first ten
    lost: int


def measure_long(target: str, url: str, turns: int) -> LongConversation:
    """One conversation of ``turns`` messages: does the reply time grow with the history?"""

    async def run() -> list:
        record: list = []
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as http:
            await conversation(http, url, turns, record, LONG_SCRIPT)
        return record

    record = asyncio.run(run())
    first = statistics.median(seconds * 1000 for _, seconds, _ in record[:10])
    last = statistics.median(seconds * 1000 for _, seconds, _ in record[-10:])
    return LongConversation(target, turns, round(first), round(last), round(last / first, 2),
                            sum(o == "lost" for o, _, _ in record))


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
        lost = f"{r.lost} ({', '.join(f'{why}: {n}' for why, n in sorted(r.lost_reasons.items()))})" \
            if r.lost_reasons else str(r.lost)
        lines.append(f"| {r.target} | {r.conversations} | {r.messages} | {r.messages_per_second} | {r.p50_ms} "
                     f"| {r.p95_ms} | {r.p99_ms} | {lost} | {r.failed_turns} | {ratios[0]} | {ratios[1]} |")
    return "\n".join(lines)


def report_long(results: List[LongConversation]) -> str:
    lines = ["| target | turns | median of first 10 ms | median of last 10 ms | last / first | lost |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r.target} | {r.turns} | {r.first_ten_median_ms} | {r.last_ten_median_ms} | {r.growth}× | {r.lost} |"
              for r in results]
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
    parser.add_argument("--long", type=int, default=0, metavar="TURNS",
                        help="also hold one conversation of TURNS messages per target (e.g. 200); 0: skip")
    parser.add_argument("--channels", default="rest",
                        help="comma-separated channels the conversations are assigned to round-robin: rest, web, "
                             "wechat (default rest); bare always uses rest")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "bench" / "load.json")
    parser.add_argument("--keep-logs", type=Path, metavar="DIR",
                        help="keep every server's log (and the embedded bot's state) in DIR; default: a temporary "
                             "folder, removed at the end")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",") if level.strip()]
    targets = [target.strip() for target in args.targets.split(",") if target.strip()]
    for target in targets:
        if target not in ("bare", "embedded") and not (target.startswith("production-") and target[11:].isdigit()):
            parser.error(f"unknown target {target!r}: bare, embedded or production-N")
    channels = [channel.strip() for channel in args.channels.split(",") if channel.strip()]
    if not channels or any(channel not in CHANNELS for channel in channels):
        parser.error(f"--channels takes {', '.join(CHANNELS)} (got {args.channels!r})")

    results: List[Result] = []
    long_results: List[LongConversation] = []
    if args.keep_logs:
        args.keep_logs.mkdir(parents=True, exist_ok=True)
    with (nullcontext(str(args.keep_logs)) if args.keep_logs else tempfile.TemporaryDirectory(prefix="bench-load-")) \
            as scratch:
        for target in targets:
            workdir = Path(scratch) / target
            workdir.mkdir(exist_ok=bool(args.keep_logs))
            mix = Mix(["rest"] if target == "bare" else list(channels))
            if target == "bare":
                serving = bare_rasa(workdir)
            elif target == "embedded":
                serving = embedded(workdir, mix)
            else:
                serving = production(workdir, int(target[11:]), mix)
            with serving as url:
                for level in levels:
                    result = measure(target, url, level, args.messages, mix)
                    results.append(result)
                    print(f"bench: {target} at {level} conversations: {result.messages_per_second} msg/s, "
                          f"p95 {result.p95_ms} ms, lost {result.lost}"
                          + (f" ({result.lost_reasons})" if result.lost else ""), flush=True)
                if args.long:
                    long_results.append(measure_long(target, url, args.long))
                    print(f"bench: {target}, one conversation of {args.long} turns: "
                          f"{long_results[-1].growth}× from the first ten to the last ten", flush=True)
    table = report(results) + (f"\n\n{report_long(long_results)}" if long_results else "")
    facts = machine()
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": facts, "ran_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                    "script": SCRIPT[:args.messages], "channels": channels, "results": [asdict(r) for r in results],
                                    "long_conversations": [asdict(r) for r in long_results]},
                                   ensure_ascii=False, indent=2), encoding="utf-8")
    args.out.with_suffix(".md").write_text(
        f"# Load benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
        f"Machine: {facts['cores']} cores, {facts['cpu']}, {facts['memory_gb']} GB.\n\n{table}\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0 if all(r.lost == 0 for r in [*results, *long_results]) else 1


if __name__ == "__main__":
    sys.exit(main())
