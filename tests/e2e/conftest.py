"""End-to-end fixtures: one real bot (trained model + action server) per test session.

Every test talks to it over HTTP on the REST channel with its own sender id, so conversations never mix.
State (tracker store, complaint and desk database, keys) lives in a temporary folder, not in the developer's var/.
The desk is open around the clock (tests must not depend on the hour CI runs them) and one agent, 值班, is
online for every skill, so a request for a person is queued as it would be in working hours.
"""
from __future__ import annotations

import os
import secrets
import uuid

import pytest

from bot.desk import AddAgent, SetPresence
from bot.paths import index_dir
from bot.store import migrate, session_scope
from tests.desk.conftest import write_always_open_policy
from tests.e2e.bot_process import BotProcesses

DUTY_AGENT = "duty"
AGENT_PASSWORD = "correct horse battery"
SKILLS = ["ecommerce", "telecom", "privacy", "food"]


def desk_environment(workdir) -> dict:
    """The environment of a bot whose desk is open and staffed, with a relay key the test also knows."""
    policy = workdir / "desk-policy.yml"
    write_always_open_policy(policy)
    return {"BOT_VAR_DIR": str(workdir / "var"), "KB_INDEX_DIR": str(index_dir()), "BOT_DESK_POLICY": str(policy),
            "BOT_DESK_RELAY_KEY": secrets.token_urlsafe(32)}


def staff_desk(database_url: str, policy_path: str) -> None:
    from bot.desk import load_policy

    migrate(database_url)
    policy = load_policy(policy_path)
    with session_scope(database_url) as session:
        AddAgent(session, policy)(DUTY_AGENT, AGENT_PASSWORD, skills=SKILLS, display_name="值班", capacity=50)
        SetPresence(session, policy)(DUTY_AGENT, True)


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bot")
    env = {**os.environ, **desk_environment(workdir)}
    (workdir / "var").mkdir()
    processes = BotProcesses(workdir, env, database_url=f"sqlite:///{workdir / 'var' / 'bot.db'}")
    staff_desk(processes.database_url, env["BOT_DESK_POLICY"])
    try:
        processes.start()
        yield processes
    finally:  # also when start-up fails half-way: no orphaned action server
        processes.stop()


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
