"""Server processes on this machine: a free loopback port, a process in its own process group writing to a log
file, waiting until it answers over HTTP, and stopping a set of them. Used by the production :class:`Launcher`,
``scripts/bench_load.py`` and the end-to-end tests' bot (``tests/e2e/bot_process.py``)."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Type

LOG_TAIL_CHARS = 3000


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(command: List[str], cwd: Path, env: Dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``command`` in a process group of its own (so :func:`stop` ends its children too), its stdout and
    stderr appended to ``log``."""
    with log.open("ab") as output:  # the child holds its own copy
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


def log_tail(log: Path, chars: int = LOG_TAIL_CHARS) -> str:
    return log.read_text(errors="replace")[-chars:]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 900, *,
                  name: Optional[str] = None, error: Type[Exception] = RuntimeError) -> None:
    """Return once ``url`` answers 200; raise ``error`` (with the log's tail) if the process exits first or
    ``timeout`` seconds pass. ``name`` says which process in the message (default: the URL)."""
    who = name or url
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise error(f"{who} exited with {process.returncode}:\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=3) as answer:
                if answer.status == 200:
                    return
        except (OSError, http.client.HTTPException):  # not listening yet, or refused while it starts
            pass
        time.sleep(1)
    raise error(f"{who} did not come up in {timeout:.0f}s:\n{log_tail(log)}")


def stop(processes: Iterable[Optional[subprocess.Popen]], timeout: float = 20) -> None:
    """Stop the processes' groups: SIGTERM to all of them, then SIGKILL to any still running ``timeout`` seconds
    later. ``None`` entries (never started) are skipped."""
    running = [process for process in processes if process is not None]
    for process in running:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in running:
        if process.poll() is None:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
