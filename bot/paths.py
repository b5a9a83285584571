"""Where the project's files live.

Code and data that ship with the repository are found relative to it; everything written at run time
(SQLite files, keys, caches, trained models) goes under one directory, ``var/`` by default, so a deployment
can point ``BOT_VAR_DIR`` at a volume.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = REPO_ROOT / "knowledge"


_made: set = set()


def var_dir() -> Path:
    path = Path(os.environ.get("BOT_VAR_DIR") or REPO_ROOT / "var")
    if path not in _made:  # asked for on every database session; made once per process
        path.mkdir(parents=True, exist_ok=True)
        _made.add(path)
    return path


def index_dir() -> Path:
    """Where the knowledge base's derived indexes are cached (dense vectors, the trained reranker).

    ``KB_INDEX_DIR`` lets processes with their own var directory (test bots, extra workers) share the index that
    ``kb build`` warmed; entries are keyed by knowledge-base fingerprint and model, so sharing is always safe.
    """
    return Path(os.environ.get("KB_INDEX_DIR") or var_dir() / "index")


def parsed_when_changed(parse: Callable[[Path], T]) -> Callable[[Path], T]:
    """``parse(path)``, run again only when the file changed (modification time or size): for configuration read
    on every customer message. A missing or unreadable file raises ``OSError``, as ``parse`` would."""
    cached = functools.lru_cache(maxsize=8)(lambda path, _mtime_ns, _size: parse(path))

    @functools.wraps(parse)
    def load(path: Path) -> T:
        stat = path.stat()
        return cached(path, stat.st_mtime_ns, stat.st_size)

    return load
