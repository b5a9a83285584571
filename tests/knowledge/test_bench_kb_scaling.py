"""Smoke test of scripts/bench_kb_scaling.py at its smallest size: it runs, prints the table, writes the file."""
from __future__ import annotations

import json
import subprocess
import sys

from bot.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "bench_kb_scaling.py"


def test_scaling_benchmark_at_250_entries_prints_the_table_and_writes_the_results(tmp_path):
    out = tmp_path / "kb_scaling.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "250", "--queries", "40", "--threads", "1",
                             "--out", str(out)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    header, rule, row = result.stdout.splitlines()[:3]
    assert header.startswith("| entries | texts |") and "recall@10" in header and rule.startswith("|---")
    assert row.startswith("| 250 |") and row.endswith("| brute force |")
    assert "not encoded texts" in result.stdout and "cores" in result.stdout

    results = json.loads(out.read_text(encoding="utf-8"))
    assert {"cores", "cpu", "ram_gb"} <= set(results["machine"]) and results["machine"]["cores"] >= 1
    (measured,) = results["rows"]
    assert measured["entries"] == 250 and measured["synthetic_entries"] == 0 and results["queries"] == 40
    assert measured["brute_p95_ms"] >= measured["brute_p50_ms"] > 0
    assert measured["hnsw_p95_ms"] >= measured["hnsw_p50_ms"] > 0 and measured["hnsw_mb"] > 0
    # At 250 real entries HNSW's 200 neighbour texts reach nearly every entry worth ranking (1.0 measured).
    assert measured["recall_at_10"] >= 0.95
    assert out.with_suffix(".md").read_text(encoding="utf-8").startswith("# Knowledge-base scaling\n\n| entries |")
