"""The production profile's topology on one machine: N Rasa servers and M action servers behind nginx, the
console, PostgreSQL for conversations, complaints and hand-offs, Redis for locks and fan-out.

Everything a process needs is derived here from one :class:`Topology`, so ``run-bot.sh --profile production``,
the tests and the deployment files (``deploy/``, checked against :func:`services`) describe the same thing:

    public (nginx, loopback)        internal
    :5005  channels, widget   →     Rasa servers :5101, :5102, … (round robin; a dead one is skipped)
    :5004  Rasa HTTP API      →     the same Rasa servers (the console reads transcripts here; never public)
    :5055  actions            →     action servers :5151, :5152, …
    :8000  console            →     console :8101 (one: it also runs the deadline checks)

No channel needs sticky sessions: conversation state is in PostgreSQL under Redis locks, and a message for a widget
connected to another Rasa server reaches it through Redis pub/sub (``bot.channels.hub``).
"""
from __future__ import annotations

import random
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from bot.paths import REPO_ROOT, index_dir


# How every Sanic process (Rasa and action servers) runs, in every profile: the topology, the benchmark's
# embedded bot and the tests' bot use this; run-bot.sh and the deployment files set the same by hand.
SANIC_SETTINGS = {
    # A busy action server must not cut Rasa off before its request has started (see run-bot.sh).
    "SANIC_KEEP_ALIVE_TIMEOUT": "75",
    # Rasa's queue of connections not yet accepted (Sanic's default: 100). nginx opens one per customer
    # waiting for a reply; with 1,000 at once the default dropped connections (nginx: connect timeouts,
    # resets, then "no live upstreams"). The kernel caps it at net.core.somaxconn.
    "SANIC_BACKLOG": "2048",
    # uvloop accepts one waiting connection per turn of a busy event loop (asyncio's loop takes all of
    # them): at 1,000 customers the first messages waited minutes in the accept queue, ~1 accepted a
    # second per Rasa server (``ss -ltn``), so no reply within the 25 s budget could even start. Sanic
    # reads the first; the second stops aiogram (imported by Rasa's Telegram channel) from installing
    # uvloop's policy anyway.
    "SANIC_USE_UVLOOP": "false",
    "DISABLE_UVLOOP": "1",
}


@dataclass(frozen=True)
class Service:
    """One kind of process: its name, the ports it listens on, how it is checked, and what it reads from the
    environment (the deployment files must say the same)."""

    name: str
    ports: List[int]  # on this machine, one per process
    port: int  # what one process listens on in a container (the public port of the loopback topology)
    health_path: str
    environment: List[str]


@dataclass
class Topology:
    rasa_servers: int = 2
    action_servers: int = 2
    public_rasa_port: int = 5005
    api_port: int = 5004
    public_actions_port: int = 5055
    public_console_port: int = 8000
    first_rasa_port: int = 5101
    first_action_port: int = 5151
    console_port: int = 8101
    postgres: str = "postgresql+psycopg2://postgres@127.0.0.1:5432"
    database: str = "consumer_bot"  # complaints, hand-offs, answers
    tracker_database: str = "consumer_bot_tracker"  # Rasa's conversations, encrypted (its own database)
    redis_url: str = "redis://127.0.0.1:6379/0"
    lock_key_prefix: str = "consumer_bot"
    workdir: Path = field(default_factory=lambda: REPO_ROOT / "var" / "production")
    # The knowledge index `kb build` warmed (shared, keyed by fingerprint): action servers load it, never rebuild it.
    knowledge_index: Path = field(default_factory=index_dir)

    @classmethod
    def on_free_ports(cls, **settings) -> "Topology":
        """A topology whose every port is free now (tests and benchmarks run beside a developer's bot)."""
        rasa, actions = settings.get("rasa_servers", cls.rasa_servers), settings.get("action_servers", cls.action_servers)
        # One run for all of them: ports drawn one by one could be drawn twice (nginx then served the actions'
        # port as the channels' one, and every action call got its 403).
        single = ("public_rasa_port", "api_port", "public_actions_port", "public_console_port", "console_port")
        first = _free_run(len(single) + rasa + actions)
        ports = {name: first + n for n, name in enumerate(single)}
        ports.update(first_rasa_port=first + len(single), first_action_port=first + len(single) + rasa)
        return cls(**{**ports, **settings})

    @property
    def rasa_ports(self) -> List[int]:
        return [self.first_rasa_port + i for i in range(self.rasa_servers)]

    @property
    def action_ports(self) -> List[int]:
        return [self.first_action_port + i for i in range(self.action_servers)]

    @property
    def database_url(self) -> str:
        return f"{self.postgres}/{self.database}"

    @property
    def tracker_database_url(self) -> str:
        return f"{self.postgres}/{self.tracker_database}"

    @property
    def bot_url(self) -> str:
        """Where the console reaches the Rasa servers (API and relay), through nginx."""
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def var_dir(self) -> Path:
        # One var directory for every process: the generated keys (encryption, widget, relay) must be the same.
        return self.workdir / "var"

    def environment(self) -> Dict[str, str]:
        """What every process of the profile runs with."""
        return {
            "BOT_DATABASE_URL": self.database_url,
            "BOT_REDIS_URL": self.redis_url,
            "BOT_RASA_URL": self.bot_url,
            "BOT_VAR_DIR": str(self.var_dir),
            "KB_INDEX_DIR": str(self.knowledge_index),
            **SANIC_SETTINGS,
        }


def _free_run(count: int) -> int:
    """The first of ``count`` consecutive loopback ports that are free now."""
    for _ in range(200):
        first = random.randint(20000, 60000 - count)
        probes = []
        try:
            for port in range(first, first + count):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


def services(topology: Topology) -> List[Service]:
    """The kinds of process, as the deployment files must describe them."""
    shared = ["BOT_DATABASE_URL", "BOT_REDIS_URL", "BOT_FERNET_KEY"]
    return [
        Service("rasa", topology.rasa_ports, topology.public_rasa_port, "/status",
                shared + ["BOT_WIDGET_KEY", "BOT_DESK_RELAY_KEY", "SANIC_BACKLOG", "SANIC_USE_UVLOOP",
                           "DISABLE_UVLOOP"]),
        Service("actions", topology.action_ports, topology.public_actions_port, "/health",
                shared + ["SANIC_USE_UVLOOP", "DISABLE_UVLOOP"]),
        Service("console", [topology.console_port], topology.public_console_port, "/",
                shared + ["BOT_RASA_URL", "BOT_DESK_RELAY_KEY"]),
    ]
