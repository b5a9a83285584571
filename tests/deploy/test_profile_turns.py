"""The turn profiler: how it files a sampled stack, and a tiny run against the real bot (the real runs are
`python scripts/profile_turns.py`; see README, "Speed and scale")."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.paths import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))

import profile_turns  # noqa: E402

SANIC = "run (sanic/app.py:1204);serve (sanic/server/runners.py:155)"


def test_a_stack_counts_under_the_deepest_stage_and_libraries_only_when_no_stage_matches():
    tracker_read = (f"{SANIC};handle_message (rasa/core/processor.py:157);"
                    "_retrieve (bot/store/rasa_tracker.py:91);do_execute (sqlalchemy/engine/default.py:736)")
    assert profile_turns.stage_of(tracker_read) == "tracker store (read, write, encrypt)"
    diet_in_nlu = (f"{SANIC};parse_message (rasa/core/processor.py:724);process (bot/text/rasa_components.py:40);"
                   "process (rasa/nlu/classifiers/diet_classifier.py:1049)")
    assert profile_turns.stage_of(diet_in_nlu) == "NLU: DIET classifier"
    assert profile_turns.stage_of(f"{SANIC};load_json (sanic/request.py:319)") == "HTTP server (Sanic), JSON"


def test_sleeping_threads_are_not_counted():
    assert profile_turns.stage_of("_bootstrap (threading.py:973);_worker (concurrent/futures/thread.py:81)") is None
    assert profile_turns.stage_of(SANIC) is None


@pytest.mark.e2e
def test_a_tiny_profile_reports_cpu_per_message_and_stages_of_both_processes(tmp_path):
    out = tmp_path / "profile.json"
    run = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "profile_turns.py"), "--conversations", "2",
                          "--messages", "3", "--no-bare", "--out", str(out)],
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "| process | CPU ms per message |" in run.stdout
    ours = json.loads(out.read_text(encoding="utf-8"))["embedded"]
    assert ours["messages"] == 6 and ours["lost"] == 0
    assert ours["cpu_ms_per_message"]["rasa"] > 0 and ours["cpu_ms_per_message"]["actions"] > 0
    for process in ("rasa", "actions"):
        assert 0.95 <= sum(ours["stages"][process].values()) <= 1.05
