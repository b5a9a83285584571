"""Start and stop the production profile's processes on this machine (``python -m bot.deploy run``; the tests use
the same :class:`Launcher`)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import make_url

from bot.deploy.files import write_files
from bot.deploy.processes import spawn, stop as stop_processes, wait_until_up
from bot.deploy.topology import Topology
from bot.paths import REPO_ROOT

VENV_BIN = Path(sys.executable).parent


class LaunchError(RuntimeError):
    """A process of the topology did not come up (its log's tail is in the message)."""


def ensure_databases(topology: Topology) -> None:
    """Create the profile's two PostgreSQL databases if they do not exist (schema: migrations, and Rasa's own)."""
    admin = make_url(topology.postgres + "/postgres")
    connection = psycopg2.connect(host=admin.host, port=admin.port or 5432, user=admin.username,
                                  password=admin.password or None, dbname="postgres")
    connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    try:
        with connection.cursor() as cursor:
            for name in (topology.database, topology.tracker_database):
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def newest_model() -> Path:
    models = sorted((REPO_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise LaunchError("no trained model in models/: bash scripts/setup.sh trains it")
    return models[-1]


@dataclass
class Process:
    name: str
    command: List[str]
    health_url: str
    popen: Optional[subprocess.Popen] = None
    log: Optional[Path] = None


@dataclass
class Launcher:
    topology: Topology
    credentials: Path = REPO_ROOT / "credentials.yml"
    extra_env: Dict[str, str] = field(default_factory=dict)
    processes: List[Process] = field(default_factory=list)

    def env(self) -> Dict[str, str]:
        return {**os.environ, **self.topology.environment(), **self.extra_env}

    def plan(self) -> List[Process]:
        """The processes in start order: action servers, Rasa servers, the console, then nginx in front."""
        t, files = self.topology, write_files(self.topology)
        rasa, python = str(VENV_BIN / "rasa"), str(VENV_BIN / "python")
        planned = [
            Process(f"actions-{port}", [rasa, "run", "actions", "--actions", "actions", "--port", str(port)],
                    f"http://127.0.0.1:{port}/health") for port in t.action_ports
        ] + [
            Process(f"rasa-{port}", [rasa, "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
                                     "--model", str(newest_model()), "--endpoints", str(files["endpoints"]),
                                     "--credentials", str(self.credentials)],
                    f"http://127.0.0.1:{port}/status") for port in t.rasa_ports
        ] + [
            Process("console", [python, "-m", "bot.console.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(t.console_port)], f"http://127.0.0.1:{t.console_port}/"),
            Process("nginx", [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(files["nginx"]),
                              "-p", str(t.workdir / "nginx"), "-g", "daemon off;"],
                    f"http://127.0.0.1:{t.public_rasa_port}/"),
        ]
        return planned

    def start(self, timeout: float = 900) -> "Launcher":
        ensure_databases(self.topology)
        logs = self.topology.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = {**self.env(), "SANIC_HOST": "127.0.0.1"}
        deadline = time.monotonic() + timeout
        try:
            planned = self.plan()
            first_rasa = next(p for p in planned if p.name.startswith("rasa-"))
            # Loading models takes a while, so processes start together; but the first Rasa server creates the
            # tracker store's tables alone (two at once would race on CREATE TABLE).
            for process in planned:
                self._spawn(process, logs, env)
                if process is first_rasa:
                    self._wait_until_up(process, deadline)
            for process in self.processes:
                self._wait_until_up(process, deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, process: Process, logs: Path, env: Dict[str, str]) -> None:
        process.log = logs / f"{process.name}.log"
        process.popen = spawn(process.command, REPO_ROOT, env, process.log)
        self.processes.append(process)

    @staticmethod
    def _wait_until_up(process: Process, deadline: float) -> None:
        wait_until_up(process.health_url, process.popen, process.log, timeout=max(0.0, deadline - time.monotonic()),
                      name=process.name, error=LaunchError)

    def kill(self, name: str) -> None:
        """Kill one process at once (SIGKILL), as a crash would."""
        process = next(p for p in self.processes if p.name == name)
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait()

    def stop(self) -> None:
        stop_processes([process.popen for process in reversed(self.processes)])

    def wait(self) -> int:
        """Block until one process ends (then stop the rest); its exit code."""
        try:
            while True:
                for process in self.processes:
                    if process.popen.poll() is not None:
                        print(f"production: {process.name} exited with {process.popen.returncode}; stopping",
                              file=sys.stderr)
                        return process.popen.returncode or 1
                time.sleep(1)
        finally:
            self.stop()
