"""Engines, sessions and migrations — created here and nowhere else."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from bot import paths

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_engines: dict[str, Engine] = {}


def database_url() -> str:
    """``BOT_DATABASE_URL`` if set, else a SQLite file in the var directory."""
    return os.environ.get("BOT_DATABASE_URL") or f"sqlite:///{paths.var_dir() / 'bot.db'}"


def engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default :func:`database_url`), created on first use."""
    url = url or database_url()
    if url not in _engines:
        _engines[url] = _create_engine(url)
    return _engines[url]


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    # A file database keeps its connections (SQLAlchemy 1.4 would open one per session: every customer
    # message asks the desk, and a fresh connection with its pragmas cost more than the query).
    created = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                            **({} if in_memory else {"poolclass": QueuePool}))

    @event.listens_for(created, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys = ON")  # SQLite ignores foreign keys unless asked
        if not in_memory:
            # Write-ahead log: reads never wait for a writer nor block one; NORMAL sync keeps every commit
            # across a crash of the process (a power cut may lose the last ones).
            dbapi_connection.execute("PRAGMA journal_mode = WAL")
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below

    @event.listens_for(created, "begin")
    def _begin_immediately(connection):
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # reads only: no lock taken up front
            return
        # A plain BEGIN takes the write lock only at the first write; two transactions that both read first
        # (e.g. the day's last ticket number) would then fail with "database is locked" instead of waiting.
        # BEGIN IMMEDIATE takes it up front, so concurrent writers queue up within the busy timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return created


_READ_ONLY = "bot_read_only"


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises.

    Objects stay readable after the commit (``expire_on_commit=False``) so callers can report what was saved.
    """
    session = Session(bind=engine(url), future=True, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction that only reads: on SQLite it waits for no writer (see :func:`session_scope` for writes)."""
    session = Session(bind=engine(url).execution_options(**{_READ_ONLY: True}), future=True,
                      expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# Any number for pg_advisory_xact_lock, the same in every process: "schema migration of this bot".
_MIGRATION_LOCK_KEY = 7_051_930_715


# Alembic keeps the running migration's context in module globals: two threads migrating at once break each other
# (KeyError: 'config'; seen as two failed turns when the action server's first requests came in together).
_migration_lock = threading.RLock()


def migrate(url: str | None = None) -> None:
    """Upgrade the database at ``url`` (default :func:`database_url`) to the newest schema. Processes that start
    together wait for each other: on SQLite the transaction takes the write lock up front (``BEGIN IMMEDIATE``), on
    PostgreSQL an advisory lock, so the second finds the schema made instead of creating the same tables again."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with _migration_lock, engine(url).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
        # env.py uses this connection instead of building its own engine from a URL.
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


_migrated: set = set()


def ensure_migrated(url: str | None = None) -> None:
    """:func:`migrate` once per process and database, before the first use (the action server's way)."""
    url = url or database_url()
    if url in _migrated:
        return
    with _migration_lock:
        if url not in _migrated:
            migrate(url)
            _migrated.add(url)


def dispose(url: str | None = None) -> None:
    """Close the pooled connections of ``url``'s engine, e.g. before dropping a test database."""
    created = _engines.pop(url or database_url(), None)
    if created is not None:
        created.dispose()
