"""Tracker-store benchmark: what one turn's load and save cost as a conversation grows, for our
``EncryptedSQLTrackerStore`` and, in the same run, Rasa's own ``SQLTrackerStore`` as the baseline, on SQLite and on
the local PostgreSQL.

For every store (Rasa's; ours reading every turn from the database; ours keeping its conversations in memory, as a
server runs it), dialect and length, one conversation of that many turns (a question, the answer's action, a slot,
the reply and a listen, twice: 10 events a turn) is saved, then ``--repeat`` turns are timed the way Rasa runs
them: load the tracker, add a message and a listen, save. Prints a table (median milliseconds) and writes
``var/bench/tracker_store.json`` and ``.md``.

    python scripts/bench_tracker_store.py                       # 10 and 200 turns, SQLite and PostgreSQL
    python scripts/bench_tracker_store.py --turns 10,200,1000 --dialects sqlite
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Iterator, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402

from bot.paths import REPO_ROOT  # noqa: E402
from bot.store.rasa_tracker import EncryptedSQLTrackerStore  # noqa: E402

# Ours twice: reading every turn from the database, and as a server runs it, keeping its conversations in memory.
STORES = {"rasa": SQLTrackerStore, "ours, from the database": partial(EncryptedSQLTrackerStore, cached_conversations=0),
          "ours, kept in memory": EncryptedSQLTrackerStore}
POSTGRES_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@dataclass
class Row:
    dialect: str
    store: str
    turns: int
    events_stored: int
    events_loaded: int
    load_ms: float
    save_ms: float


def turn_events(turn: int) -> list:
    question = UserUttered(f"第{turn}个问题：网上买的衣服不想要了能退吗", {"name": "ask_rights", "confidence": 0.9})
    answer = [ActionExecuted("action_answer_question"), SlotSet("last_entry_id", f"return_7day_{turn % 40:02d}"),
              BotUttered(f"第{turn}个回答：可以，七日内无理由退货。"), ActionExecuted("action_listen")]
    return [question, *answer, question, *answer]


@contextmanager
def database(dialect: str, scratch: Path) -> Iterator[dict]:
    """Connection settings for a store: a new SQLite file, or a throwaway PostgreSQL database dropped after."""
    if dialect == "sqlite":
        yield {"dialect": "sqlite", "db": str(scratch / f"{secrets.token_hex(4)}.db")}
        return
    import psycopg2
    from psycopg2 import sql

    name = f"bench_tracker_{secrets.token_hex(4)}"
    admin = psycopg2.connect(POSTGRES_ADMIN_DSN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "db": name, "username": "postgres"}
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


async def measure(store, domain: Domain, dialect: str, name: str, turns: int, repeat: int) -> Row:
    sender = f"bench-{name}-{turns}"
    tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen")], domain.slots)
    for turn in range(turns):
        for event in turn_events(turn):
            tracker.update(event)
    await store.save(tracker)
    loads, saves = [], []
    for n in range(repeat):
        started = time.perf_counter()
        tracker = await store.retrieve(sender)
        loaded = time.perf_counter()
        loaded_events = len(tracker.events)
        tracker.update(UserUttered(f"追问{n}", {"name": "ask_rights", "confidence": 0.9}))
        tracker.update(ActionExecuted("action_listen"))
        saving = time.perf_counter()
        await store.save(tracker)
        loads.append(loaded - started)
        saves.append(time.perf_counter() - saving)
    stored = len((await store.retrieve_full_tracker(sender)).events)
    return Row(dialect, name, turns, stored, loaded_events, round(statistics.median(loads) * 1000, 1),
               round(statistics.median(saves) * 1000, 1))


def report(rows: List[Row]) -> str:
    shortest: dict = {}
    for r in rows:  # measured from the shortest conversation up
        shortest.setdefault((r.dialect, r.store), r)
    lines = ["| database | store | turns | events stored | events loaded | load ms | save ms | load+save vs shortest |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        base = shortest[(r.dialect, r.store)]
        growth = (r.load_ms + r.save_ms) / (base.load_ms + base.save_ms)
        lines.append(f"| {r.dialect} | {r.store} | {r.turns} | {r.events_stored} | {r.events_loaded} | {r.load_ms} "
                     f"| {r.save_ms} | {growth:.2f}× |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", default="10,200", help="conversation lengths in turns, comma-separated")
    parser.add_argument("--dialects", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--repeat", type=int, default=30, help="timed turns per length (default 30)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "bench" / "tracker_store.json")
    args = parser.parse_args(argv)
    lengths = sorted(int(turns) for turns in args.turns.split(",") if turns.strip())
    dialects = [dialect.strip() for dialect in args.dialects.split(",") if dialect.strip()]
    if not lengths or min(lengths) < 1 or args.repeat < 1:
        parser.error("--turns takes positive numbers and --repeat at least 1")
    if not dialects or any(dialect not in ("sqlite", "postgres") for dialect in dialects):
        parser.error(f"--dialects takes sqlite and postgres (got {args.dialects!r})")

    logging.disable(logging.WARNING)  # Rasa warns about every store it creates
    domain = Domain.load(str(REPO_ROOT / "domain"))
    rows: List[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-tracker-") as scratch:
        os.environ.setdefault("BOT_VAR_DIR", scratch)  # the encryption key of this run only
        for dialect in dialects:
            for name, kind in STORES.items():
                with database(dialect, Path(scratch)) as settings:
                    store = kind(domain, **settings)
                    for turns in lengths:
                        rows.append(asyncio.run(measure(store, domain, dialect, name, turns, args.repeat)))
                        print(f"bench: {dialect} {name} at {turns} turns: load {rows[-1].load_ms} ms, "
                              f"save {rows[-1].save_ms} ms", flush=True)
                    store.engine.dispose()
    table = report(rows)
    print(table)
    ran_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"ran_at": ran_at, "cores": os.cpu_count(), "repeat": args.repeat,
                                    "rows": [asdict(row) for row in rows]}, ensure_ascii=False, indent=2),
                        encoding="utf-8")
    args.out.with_suffix(".md").write_text(f"# Tracker-store benchmark, {ran_at}\n\n{table}\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
