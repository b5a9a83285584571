"""The load benchmark at its smallest: it starts our bot, runs a conversation, and reports it (the real runs
are `python scripts/bench_load.py`; see README, "Speed and scale")."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.paths import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_the_load_benchmark_reports_every_message_of_a_tiny_run(tmp_path):
    out = tmp_path / "load.json"
    run = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "bench_load.py"), "--targets", "embedded",
                          "--levels", "2", "--messages", "3", "--out", str(out), "--keep-logs", str(tmp_path / "logs")],
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "| target | conversations | messages | msg/s | p50 ms | p95 ms | p99 ms | lost |" in run.stdout
    (result,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    # Every message got a real reply: none lost, none answered with the apology (a fresh bot, a fresh database).
    assert (result["target"], result["conversations"], result["messages"], result["lost"], result["failed_turns"]) \
        == ("embedded", 2, 6, 0, 0)
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert out.with_suffix(".md").read_text(encoding="utf-8").startswith("# Load benchmark")
    # The servers' logs stay for whoever has to find out why a turn failed.
    assert {"rasa.log", "actions.log"} <= {log.name for log in (tmp_path / "logs" / "embedded").iterdir()}


@pytest.mark.parametrize("target", ["embedded", pytest.param("production-2", marks=pytest.mark.postgres)])
def test_the_load_benchmark_mixes_the_rest_widget_and_wechat_channels(tmp_path, target):
    out = tmp_path / "load.json"
    run = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "bench_load.py"), "--targets", target,
                          "--levels", "3", "--messages", "2", "--channels", "rest,web,wechat", "--out", str(out)],
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["channels"] == ["rest", "web", "wechat"]
    (result,) = report["results"]
    # One conversation per channel, every message answered by the bot (none lost, none the apology).
    assert (result["target"], result["conversations"], result["messages"], result["lost"], result["failed_turns"]) \
        == (target, 3, 6, 0, 0)
    assert result["channels"] == {"rest": 2, "web": 2, "wechat": 2}
