"""Many customers at once: do all of them get a real reply to every message?

Runs N concurrent conversations of M messages each against the REST channel of a running bot (or of a freshly
started one with ``--start``, which is where lost messages showed: the first turns after a start) and counts,
per message: a real reply, the never-silent apology (the turn failed), no reply at all, and HTTP errors.
Prints a table and writes ``var/bench/load.md``.

    python scripts/load_conversations.py --start                  # fresh bot from the newest model
    python scripts/load_conversations.py --url http://127.0.0.1:5005 --conversations 50 --messages 12
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.channels.safety import APOLOGY_TEXT  # noqa: E402
from bot.paths import REPO_ROOT  # noqa: E402

# One customer's conversation: greeting, questions, a follow-up, a remedy case with its answers, thanks.
SCRIPT = [
    "你好",
    "网上买的衣服不想要了，七天内能退吗",
    "那如果超过七天呢？",
    "淘宝买的衣服不想要了，收到货第5天，帮我看看怎么办",
    "拆开看过，没用",
    "299元",
    "快递丢了谁赔",
    "健身房跑路了，年卡还剩2000元没用，怎么办",
    "退款",
    "自动续费没有提醒就扣钱了，可以要求退款吗？",
    "超市买的牛奶过期了能赔多少",
    "谢谢",
]


def conversation(url: str, messages: int) -> list[tuple[str, float]]:
    sender = f"load-{uuid.uuid4().hex[:10]}"
    outcomes = []
    with requests.Session() as session:
        for n in range(messages):
            started = time.monotonic()
            try:
                response = session.post(f"{url}/webhooks/rest/webhook",
                                        json={"sender": sender, "message": SCRIPT[n % len(SCRIPT)]}, timeout=120)
            except requests.RequestException:
                outcomes.append(("http error", time.monotonic() - started))
                continue
            elapsed = time.monotonic() - started
            if response.status_code != 200:
                outcomes.append(("http error", elapsed))
            elif not any(reply.get("text") or reply.get("buttons") for reply in response.json()):
                outcomes.append(("no reply", elapsed))
            elif any(reply.get("text") == APOLOGY_TEXT for reply in response.json()):
                outcomes.append(("apology (turn failed)", elapsed))
            else:
                outcomes.append(("reply", elapsed))
    return outcomes


def run(url: str, conversations: int, messages: int) -> tuple[Counter, list[float], float]:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        results = list(pool.map(lambda _: conversation(url, messages), range(conversations)))
    outcomes = [outcome for result in results for outcome in result]
    return Counter(kind for kind, _ in outcomes), [seconds for _, seconds in outcomes], time.monotonic() - started


def table(counts: Counter, latencies: list[float], wall: float, label: str) -> str:
    total = sum(counts.values())
    lost = counts["no reply"] + counts["http error"]
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return "\n".join([
        f"| run | messages | real reply | apology (turn failed) | no reply | HTTP error | median s | p95 s | max s | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {label} | {total} | {counts['reply']} | {counts['apology (turn failed)']} | {counts['no reply']} "
        f"| {counts['http error']} | {statistics.median(ordered):.2f} | {p95:.2f} | {ordered[-1]:.2f} | {wall:.0f} |",
        "",
        f"Lost (no reply or HTTP error): {lost} of {total}; turns that failed and got the apology: "
        f"{counts['apology (turn failed)']}.",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="the running bot (ignored with --start)")
    parser.add_argument("--start", action="store_true", help="start a fresh bot from the newest model in models/")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=12)
    parser.add_argument("--credentials", type=Path, default=REPO_ROOT / "credentials.yml",
                        help="channels file for --start")
    parser.add_argument("--label", default="", help="a name for this run in the table")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "bench" / "load.md")
    args = parser.parse_args()

    bot = None
    if args.start:
        from tests.e2e.bot_process import BotProcesses

        workdir = Path(tempfile.mkdtemp(prefix="load-bot-"))
        bot = BotProcesses(workdir, {**os.environ, "BOT_VAR_DIR": str(workdir / "var")},
                           credentials=args.credentials).start()
        args.url = bot.url
    try:
        counts, latencies, wall = run(args.url, args.conversations, args.messages)
    finally:
        if bot:
            bot.stop()
    label = args.label or f"{args.conversations} conversations × {args.messages} messages"
    report = table(counts, latencies, wall, label)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as out:
        out.write(f"\n## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} — {label}\n\n{report}\n")
    print(f"appended to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
