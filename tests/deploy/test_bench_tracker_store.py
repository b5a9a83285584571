"""The tracker-store benchmark at its smallest: every store, both databases, every turn read back (the real run is
`python scripts/bench_tracker_store.py`; see README, "Speed and scale")."""
from __future__ import annotations

import json
import subprocess
import sys

from bot.paths import REPO_ROOT


def test_the_tracker_store_benchmark_times_every_store_on_both_databases(tmp_path):
    out = tmp_path / "tracker_store.json"
    run = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "bench_tracker_store.py"), "--turns", "2,12",
                          "--repeat", "2", "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "| database | store | turns | events stored | events loaded | load ms | save ms |" in run.stdout
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert [(r["dialect"], r["store"], r["turns"]) for r in rows] == [
        (dialect, store, turns) for dialect in ("sqlite", "postgres") for store in ("rasa", "ours, from the database", "ours, kept in memory") for turns in (2, 12)]
    # Every timed turn was stored once (1 + 10 a turn, then 2 per timed turn); ours loads a long one in part.
    assert {r["events_stored"] for r in rows if r["turns"] == 12} == {1 + 12 * 10 + 2 * 2}
    assert all(r["events_loaded"] == r["events_stored"] - 2 for r in rows if r["store"] == "rasa")
    assert all(r["events_loaded"] < 100 for r in rows if r["store"].startswith("ours") and r["turns"] == 12)
    assert out.with_suffix(".md").read_text(encoding="utf-8").startswith("# Tracker-store benchmark")
