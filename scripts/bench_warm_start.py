"""Warm start: is the first reply after a start as fast as the ones after it?

Starts the bot from scratch (action server, then Rasa with the newest model in models/, state in a temporary
folder) ``--starts`` times; each time it records how long each process took to report healthy, then sends the
first question and ``--next`` further ones (each from a new customer) and times every reply. Prints a table and
writes ``var/bench/warm-start.md``.

    python scripts/bench_warm_start.py --starts 2 --next 10
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.paths import REPO_ROOT  # noqa: E402
from tests.e2e.bot_process import BotProcesses, newest_model, texts  # noqa: E402

QUESTIONS = [
    "网上买的东西可以七天无理由退货吗",
    "快递丢了谁赔",
    "自动续费没有提醒就扣钱了，可以要求退款吗？",
    "超市买的牛奶过期了能赔多少",
    "健身房跑路了，年卡还剩2000元没用，怎么办",
    "退款",
    "买到假货怎么赔偿",
    "手机买了十天坏了能换吗",
    "预付卡商家关门了怎么办",
    "个人信息被泄露了怎么维权",
    "格式条款无效吗",
]


def timed_reply(bot: BotProcesses, question: str) -> float:
    started = time.monotonic()
    replies = bot.say(f"bench-{uuid.uuid4().hex[:10]}", question)
    elapsed = time.monotonic() - started
    if not texts(replies):
        raise RuntimeError(f"no reply to {question!r}")
    return elapsed


def one_start(credentials: Path, following: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="warm-start-"))
    bot = BotProcesses(workdir, {**os.environ, "BOT_VAR_DIR": str(workdir / "var")}, credentials=credentials)
    started = time.monotonic()
    try:
        bot.start_actions()
        actions_up = time.monotonic() - started
        bot.start_rasa()
        rasa_up = time.monotonic() - started - actions_up
        first = timed_reply(bot, QUESTIONS[0])
        later = [timed_reply(bot, QUESTIONS[1 + n % (len(QUESTIONS) - 1)]) for n in range(following)]
    finally:
        bot.stop()
    return {"actions_up": actions_up, "rasa_up": rasa_up, "first": first,
            "median": statistics.median(later), "max": max(later)}


def table(rows: list[dict]) -> str:
    lines = ["| start | action server healthy s | Rasa up s | first reply s | next replies median s | next max s |",
             "|---|---|---|---|---|---|"]
    for n, row in enumerate(rows, start=1):
        lines.append(f"| {n} | {row['actions_up']:.1f} | {row['rasa_up']:.1f} | {row['first']:.2f} "
                     f"| {row['median']:.2f} | {row['max']:.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--next", type=int, default=10, help="replies timed after the first one")
    parser.add_argument("--credentials", type=Path, default=REPO_ROOT / "credentials.yml")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "bench" / "warm-start.md")
    args = parser.parse_args()

    rows = [one_start(args.credentials, args.next) for _ in range(args.starts)]
    report = table(rows)
    load = os.getloadavg()[0]
    note = (f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores, "
            f"load average {load:.1f}; model {newest_model().name}.")
    print(report)
    print(note)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f"# Warm start\n\n{report}\n\n{note}\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
